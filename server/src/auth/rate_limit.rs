//! Limits on guessing passwords and on costly requests, in fixed windows. A window ends on its
//! own, so an attacker can slow a real user down but never lock them out for good.
//!
//! - Sign-in: 20 failed attempts per client address and 10 per account in 15 minutes. An
//!   attempt is counted *before* its password is checked, so guesses sent in parallel cannot
//!   outrun the count. A success clears the account's counter and takes its own attempt back from the
//!   address; it never clears the address's counter, or an attacker could reset theirs by
//!   signing in to an account of their own between guesses.
//! - A password change: the guess at the current password counts against the account, as at
//!   sign-in (one budget of guesses per account, whichever way they come).
//! - Sign-up: `LETUSCHAT_SIGNUPS_PER_HOUR` per client address per hour; each costs a bcrypt hash.
//! - Uploads (chat images and avatars together): 60 per user per hour; each is decoded,
//!   re-encoded and stored.
//! - Groups: 20 created per user per hour, since creating one puts others into it without
//!   asking them. Direct conversations are not limited (there is one per pair of people).
//!
//! The counters live in the database ([`crate::db::Attempts`]): server processes that share it
//! share the limits, and no key an attacker invents costs this process memory. Keys are short
//! (an account is named by the SHA-256 of its email key); windows that have ended are swept at
//! most once a minute. An IPv6 address counts by its /64 network, which one subscriber usually
//! holds whole. Each refusal is counted in `/metrics`, by kind.

use crate::db::{Attempt, Db};
use crate::error::{AppError, AppResult};
use crate::metrics::{Metrics, Refusal};
use sha2::{Digest, Sha256};
use shared::{Timestamp, UserId};
use std::fmt::Write;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub const SIGN_IN_WINDOW: Duration = Duration::from_secs(15 * 60);
pub const SIGN_INS_PER_ADDRESS: u32 = 20;
/// Wrong passwords per account, at sign-in and at a password change together.
pub const GUESSES_PER_ACCOUNT: u32 = 10;
pub const SIGN_UP_WINDOW: Duration = Duration::from_secs(3600);
pub const UPLOADS_PER_HOUR: u32 = 60;
pub const GROUPS_PER_HOUR: u32 = 20;
/// Reactions added or taken back by one person: each reaches every member's every tab.
pub const REACTIONS_PER_MINUTE: u32 = 120;
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const SWEEP_EVERY_MS: i64 = 60_000;

pub struct Limits {
    signups_per_hour: u32,
    /// When (ms since the epoch) the next request sweeps ended windows away.
    next_sweep: AtomicI64,
    metrics: Arc<Metrics>,
}

/// An attempt that was counted, to clear or take back when it turns out well.
#[must_use]
pub struct Counted {
    key: String,
    window_end: Timestamp,
}

/// A sign-in attempt, counted against the client address and the account.
#[must_use]
pub struct SignInAttempt {
    address: Counted,
    account: Counted,
}

impl Limits {
    pub fn new(signups_per_hour: u32, metrics: Arc<Metrics>) -> Self {
        Limits {
            signups_per_hour,
            next_sweep: AtomicI64::new(0),
            metrics,
        }
    }

    /// Counts a sign-in attempt before its password is checked; `RateLimited` when the address
    /// or the account has had its share.
    pub async fn sign_in(&self, db: &Db, ip: IpAddr, email_key: &str) -> AppResult<SignInAttempt> {
        let address = self
            .count(
                db,
                address_key("ip", ip),
                SIGN_INS_PER_ADDRESS,
                SIGN_IN_WINDOW,
                Refusal::SignIn,
            )
            .await?;
        match self.guess(db, email_key, Refusal::SignIn).await {
            Ok(account) => Ok(SignInAttempt { address, account }),
            Err(refused) => {
                // No password was checked: the address has not spent a try.
                address.refund(db).await?;
                Err(refused)
            }
        }
    }

    /// Counts a guess at the current password of the account `email_key` names (changing it).
    pub async fn password_guess(&self, db: &Db, email_key: &str) -> AppResult<Counted> {
        self.guess(db, email_key, Refusal::PasswordChange).await
    }

    async fn guess(&self, db: &Db, email_key: &str, kind: Refusal) -> AppResult<Counted> {
        self.count(
            db,
            account_key(email_key),
            GUESSES_PER_ACCOUNT,
            SIGN_IN_WINDOW,
            kind,
        )
        .await
    }

    /// Counts a sign-up from `ip` (kept even when the sign-up fails later: the hash was paid for).
    pub async fn sign_up(&self, db: &Db, ip: IpAddr) -> AppResult<()> {
        self.count(
            db,
            address_key("signup", ip),
            self.signups_per_hour,
            SIGN_UP_WINDOW,
            Refusal::SignUp,
        )
        .await
        .map(drop)
    }

    /// Counts an upload (a chat image or an avatar) by `user`, before its image is decoded.
    pub async fn upload(&self, db: &Db, user: UserId) -> AppResult<()> {
        let key = format!("upload:{}", user.0);
        self.count(db, key, UPLOADS_PER_HOUR, HOUR, Refusal::Upload)
            .await
            .map(drop)
    }

    /// Counts a group that `user` is about to create.
    pub async fn create_group(&self, db: &Db, user: UserId) -> AppResult<()> {
        let key = format!("group:{}", user.0);
        self.count(db, key, GROUPS_PER_HOUR, HOUR, Refusal::Group)
            .await
            .map(drop)
    }

    /// Counts a reaction change by `user`, before it is made.
    pub async fn reaction(&self, db: &Db, user: UserId) -> AppResult<()> {
        let key = format!("reaction:{}", user.0);
        self.count(db, key, REACTIONS_PER_MINUTE, MINUTE, Refusal::Reaction)
            .await
            .map(drop)
    }

    async fn count(
        &self,
        db: &Db,
        key: String,
        max: u32,
        window: Duration,
        kind: Refusal,
    ) -> AppResult<Counted> {
        let now = Timestamp(chrono::Utc::now().timestamp_millis());
        self.sweep_now_and_then(db, now).await;
        match db
            .count_attempt(&key, max, window.as_millis() as i64, now)
            .await?
        {
            Attempt::Counted { window_end } => Ok(Counted { key, window_end }),
            // A window another request opened may end a moment past `now + window`.
            Attempt::Refused { window_end } => {
                self.metrics.refused(kind);
                Err(AppError::RateLimited {
                    retry_after_secs: seconds_until(now, window_end).min(window.as_secs()),
                })
            }
        }
    }

    /// One request a minute (per process) deletes the windows that have ended, so the table
    /// holds only what the current windows need.
    async fn sweep_now_and_then(&self, db: &Db, now: Timestamp) {
        let due = self.next_sweep.load(Ordering::Relaxed);
        if now.0 < due
            || self
                .next_sweep
                .compare_exchange(
                    due,
                    now.0 + SWEEP_EVERY_MS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return;
        }
        if let Err(e) = db.sweep_attempts(now).await {
            tracing::warn!(error = %e, "sweeping old sign-in attempts failed");
        }
    }
}

impl Counted {
    /// The guess was right: the account's wrong guesses are forgotten.
    pub async fn clear(self, db: &Db) -> AppResult<()> {
        Ok(db.clear_attempts(&self.key).await?)
    }

    async fn refund(self, db: &Db) -> AppResult<()> {
        Ok(db.refund_attempt(&self.key, self.window_end).await?)
    }
}

impl SignInAttempt {
    /// The password was right: the account's counter is cleared and the address gets its
    /// attempt back (a success is not a failed sign-in), but keeps the failures it had.
    pub async fn succeeded(self, db: &Db) -> AppResult<()> {
        self.account.clear(db).await?;
        self.address.refund(db).await
    }
}

/// Whole seconds from `now` to `end`, at least one (what `Retry-After` says).
fn seconds_until(now: Timestamp, end: Timestamp) -> u64 {
    let ms = (end.0 - now.0).max(0) as u64;
    ms.div_ceil(1000).max(1)
}

/// The counter key of a client address: an IPv4 address (IPv4-mapped IPv6 included) as it is,
/// an IPv6 address by its /64 network.
fn address_key(kind: &str, ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => format!("{kind}:{v4}"),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{kind}:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The counter key of an account: a fixed-size digest of its email key, whatever was typed.
fn account_key(email_key: &str) -> String {
    let mut key = String::from("acct:");
    for byte in Sha256::digest(email_key.as_bytes()) {
        let _ = write!(key, "{byte:02x}");
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_count_by_host_or_by_ipv6_network() {
        let key = |ip: &str| address_key("ip", ip.parse().unwrap());
        assert_eq!(key("203.0.113.7"), "ip:203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "ip:203.0.113.7");
        assert_eq!(
            key("2001:db8:1:2:aaaa::1"),
            key("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_eq!(key("2001:db8:1:2::1"), "ip:2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }

    #[test]
    fn account_keys_are_short_whatever_was_typed() {
        let long = account_key(&"a".repeat(1_000_000));
        assert_eq!(long.len(), 5 + 64);
        assert!(long.starts_with("acct:"));
        assert_eq!(
            account_key("ana@example.com"),
            account_key("ana@example.com")
        );
        assert_ne!(
            account_key("ana@example.com"),
            account_key("bob@example.com")
        );
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let at = |ms| Timestamp(ms);
        assert_eq!(seconds_until(at(0), at(900_000)), 900);
        assert_eq!(seconds_until(at(0), at(1_001)), 2);
        assert_eq!(seconds_until(at(5_000), at(5_000)), 1);
        assert_eq!(seconds_until(at(9_000), at(5_000)), 1);
    }
}

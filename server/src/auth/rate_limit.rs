//! Limits on failed sign-ins, per client address and per account, in fixed windows. A window
//! ends on its own, so an attacker can slow a real user down but never lock them out for good.
//! A successful sign-in clears the account's counter only: otherwise an attacker could reset
//! their address's counter by signing in to an account of their own between guesses.
//!
//! The counters live in this process: with several server processes each keeps its own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginLimits {
    by_ip: Limiter,
    by_account: Limiter,
}

impl Default for LoginLimits {
    fn default() -> Self {
        let window = Duration::from_secs(15 * 60);
        LoginLimits {
            by_ip: Limiter::new(20, window),
            by_account: Limiter::new(10, window),
        }
    }
}

impl LoginLimits {
    /// `Err(seconds)` to wait when either counter is spent.
    pub fn check(&self, ip: IpAddr, account: &str) -> Result<(), u64> {
        self.by_ip.check(&ip.to_string())?;
        self.by_account.check(account)
    }

    pub fn failed(&self, ip: IpAddr, account: &str) {
        self.by_ip.hit(&ip.to_string());
        self.by_account.hit(account);
    }

    pub fn succeeded(&self, account: &str) {
        self.by_account.clear(account);
    }
}

struct Limiter {
    max: u32,
    window: Duration,
    // Never held across an await: every method is synchronous.
    entries: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Limiter {
    fn new(max: u32, window: Duration) -> Self {
        Limiter {
            max,
            window,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn check(&self, key: &str) -> Result<(), u64> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(key) {
            Some((start, count)) if *count >= self.max && start.elapsed() < self.window => {
                Err((self.window - start.elapsed()).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    fn hit(&self, key: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() > 100_000 {
            entries.retain(|_, (start, _)| start.elapsed() < self.window);
        }
        let entry = entries.entry(key.to_owned()).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }

    fn clear(&self, key: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_until_the_window_ends() {
        let limiter = Limiter::new(3, Duration::from_millis(200));
        for _ in 0..3 {
            assert!(limiter.check("k").is_ok());
            limiter.hit("k");
        }
        assert!(limiter.check("k").is_err());
        assert!(limiter.check("other").is_ok());
        std::thread::sleep(Duration::from_millis(250));
        assert!(limiter.check("k").is_ok(), "the window ends by itself");
        limiter.hit("k");
        assert!(limiter.check("k").is_ok(), "a new window starts from zero");
    }

    #[test]
    fn success_clears_the_account_counter_only() {
        let limits = LoginLimits::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..10 {
            limits.failed(ip, "ana@example.com");
        }
        assert!(limits.check(ip, "ana@example.com").is_err());
        let elsewhere: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(limits.check(elsewhere, "bob@example.com").is_ok());
        limits.succeeded("ana@example.com");
        assert!(limits.check(ip, "ana@example.com").is_ok());
        for _ in 0..10 {
            limits.failed(ip, "carol@example.com");
        }
        limits.succeeded("carol@example.com");
        assert!(
            limits.check(ip, "dave@example.com").is_err(),
            "the address stays limited"
        );
    }
}

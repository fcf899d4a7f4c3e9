//! Who is calling: passwords (and which are too easy to guess), session tokens, the signed-in
//! user and the client address, and the guards around accounts (limits on guessing and on
//! sign-ups, kept in the database; cross-site requests).

pub mod csrf;
mod extract;
pub mod password;
pub mod rate_limit;
pub mod token;

pub use extract::{client_ip, session_cookie, AuthUser, SESSION_COOKIE};

use crate::config::{CookieSecure, Secret, Settings};
use crate::metrics::Metrics;
use rate_limit::Limits;
use std::sync::Arc;
use std::time::Duration;

/// How long a session (and its token) lives without signing in again.
pub const SESSION_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// Everything auth needs, built once at start-up.
pub struct Auth {
    pub keys: token::Keys,
    pub bcrypt_cost: u32,
    pub cookie_secure: CookieSecure,
    /// Proxies in front of the server (`LETUSCHAT_TRUST_PROXY`), for [`client_ip`].
    pub trust_proxy: usize,
    pub limits: Limits,
    dummy_hash: tokio::sync::OnceCell<String>,
}

impl Auth {
    pub fn new(secret: &Secret, settings: &Settings, metrics: Arc<Metrics>) -> Self {
        Auth {
            keys: token::Keys::new(secret),
            bcrypt_cost: settings.bcrypt_cost,
            cookie_secure: settings.cookie_secure,
            trust_proxy: settings.trust_proxy,
            limits: Limits::new(settings.signups_per_hour, metrics),
            dummy_hash: tokio::sync::OnceCell::new(),
        }
    }

    /// A hash to verify against when the email is unknown, so that answer takes as long as a
    /// wrong password. Made on first use to keep start-up fast.
    pub async fn dummy_hash(&self) -> &str {
        let cost = self.bcrypt_cost;
        self.dummy_hash
            .get_or_init(|| async move {
                password::hash("a password nobody has".into(), cost)
                    .await
                    .map(|h| h.0)
                    .unwrap_or_default()
            })
            .await
    }
}

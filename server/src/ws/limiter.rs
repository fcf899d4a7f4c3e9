//! A token bucket for a connection's frames: bursts are fine, a steady flood is not.

use std::time::Instant;

pub struct RateLimiter {
    tokens: f64,
    at: Instant,
    refused: u32,
}

/// Room for a reconnecting client that retries its unacknowledged sends at once.
const BURST: f64 = 200.0;
const PER_SECOND: f64 = 100.0;
/// Refused frames in a row after which the client counts as flooding and is disconnected.
const FLOOD: u32 = 50;

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimiter {
    pub fn new() -> Self {
        RateLimiter {
            tokens: BURST,
            at: Instant::now(),
            refused: 0,
        }
    }

    pub fn allow(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * PER_SECOND).min(BURST);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.refused = 0;
            true
        } else {
            self.refused += 1;
            false
        }
    }

    pub fn flooding(&self) -> bool {
        self.refused >= FLOOD
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_pass_and_floods_are_caught() {
        let mut limiter = RateLimiter::new();
        assert!((0..200).all(|_| limiter.allow()));
        assert!(!limiter.allow());
        assert!(!limiter.flooding());
        for _ in 0..FLOOD {
            limiter.allow();
        }
        assert!(limiter.flooding());
    }
}

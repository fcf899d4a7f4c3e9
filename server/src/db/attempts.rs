//! Counters of attempts at guarded actions (the limiter in `auth::rate_limit` decides what
//! they mean). They live in the database so that every server process on it shares them.

use super::DbResult;
use async_trait::async_trait;
use shared::Timestamp;

/// What counting one attempt under a key found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted in the window that ends at `window_end`.
    Counted { window_end: Timestamp },
    /// The window ending at `window_end` already holds the most it may; nothing was counted.
    Refused { window_end: Timestamp },
}

#[async_trait]
pub trait Attempts: Send + Sync {
    /// Counts one attempt under `key`, unless the current window already holds `max`. A key
    /// with no window, or whose window has ended, starts one that ends at `now + window_ms`.
    /// Checking and counting are one statement, so parallel attempts cannot all slip through.
    async fn count_attempt(
        &self,
        key: &str,
        max: u32,
        window_ms: i64,
        now: Timestamp,
    ) -> DbResult<Attempt>;
    /// Takes back one attempt counted in the window ending at `window_end`; nothing when that
    /// window is over or gone.
    async fn refund_attempt(&self, key: &str, window_end: Timestamp) -> DbResult<()>;
    /// Forgets every attempt under `key`.
    async fn clear_attempts(&self, key: &str) -> DbResult<()>;
    /// Deletes the windows that have ended by `now`; returns how many.
    async fn sweep_attempts(&self, now: Timestamp) -> DbResult<u64>;
}

/// The upsert both backends run (they spell placeholders alike as `$n`, which SQLite reads
/// too). In `SET`, `attempts.*` are the values before the update. When the `WHERE` is false
/// nothing is updated and nothing returned: the attempt was refused.
pub(super) const COUNT_ATTEMPT: &str = "
    INSERT INTO attempts (key, count, window_end) VALUES ($1, 1, $2 + $3)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN attempts.window_end <= $2 THEN 1 ELSE attempts.count + 1 END,
        window_end = CASE WHEN attempts.window_end <= $2 THEN $2 + $3 ELSE attempts.window_end END
    WHERE attempts.window_end <= $2 OR attempts.count < $4
    RETURNING window_end";

pub(super) const WINDOW_END: &str = "SELECT window_end FROM attempts WHERE key = $1";

pub(super) const REFUND_ATTEMPT: &str =
    "UPDATE attempts SET count = count - 1 WHERE key = $1 AND window_end = $2 AND count > 0";

pub(super) const CLEAR_ATTEMPTS: &str = "DELETE FROM attempts WHERE key = $1";

pub(super) const SWEEP_ATTEMPTS: &str = "DELETE FROM attempts WHERE window_end <= $1";

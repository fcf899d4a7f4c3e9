//! Attempt counters (PostgreSQL): the upsert takes the row lock, so parallel attempts
//! under one key, from any process, are counted one after another.

use super::super::attempts::*;
use super::*;

#[async_trait]
impl Attempts for PgStore {
    async fn count_attempt(
        &self,
        key: &str,
        max: u32,
        window_ms: i64,
        now: Timestamp,
    ) -> DbResult<Attempt> {
        let counted: Option<i64> = sqlx::query_scalar(COUNT_ATTEMPT)
            .bind(key)
            .bind(now.0)
            .bind(window_ms)
            .bind(i64::from(max))
            .fetch_optional(&self.pool)
            .await?;
        if let Some(end) = counted {
            return Ok(Attempt::Counted {
                window_end: Timestamp(end),
            });
        }
        let end: Option<i64> = sqlx::query_scalar(WINDOW_END)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(Attempt::Refused {
            window_end: Timestamp(end.unwrap_or(now.0)),
        })
    }

    async fn refund_attempt(&self, key: &str, window_end: Timestamp) -> DbResult<()> {
        sqlx::query(REFUND_ATTEMPT)
            .bind(key)
            .bind(window_end.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn clear_attempts(&self, key: &str) -> DbResult<()> {
        sqlx::query(CLEAR_ATTEMPTS)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn sweep_attempts(&self, now: Timestamp) -> DbResult<u64> {
        let swept = sqlx::query(SWEEP_ATTEMPTS)
            .bind(now.0)
            .execute(&self.pool)
            .await?;
        Ok(swept.rows_affected())
    }
}

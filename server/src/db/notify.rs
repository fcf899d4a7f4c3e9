//! PostgreSQL LISTEN/NOTIFY: how server processes sharing one database tell each other what
//! their connections must hear.

use super::DbResult;
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::PgPool;
use std::time::Duration;

const CHANNEL: &str = "letuschat_events";
/// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
pub const MAX_PAYLOAD: usize = 7900;

pub struct PgBus {
    pool: PgPool,
}

impl PgBus {
    pub async fn connect(url: &str) -> DbResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        Ok(PgBus { pool })
    }

    pub async fn notify(&self, payload: &str) -> DbResult<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A listener on our channel; it reconnects by itself when its connection drops.
    pub async fn listen(&self) -> DbResult<PgListener> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }
}

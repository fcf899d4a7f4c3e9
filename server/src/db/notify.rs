//! PostgreSQL LISTEN/NOTIFY: how server processes sharing one database tell each other what
//! their connections must hear.

use super::{DbResult, PoolUse};
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

    /// Its pool: one connection listens, the other publishes.
    pub fn pool_use(&self) -> PoolUse {
        PoolUse::of("bus", &self.pool)
    }

    /// Publishes the payloads in order, in one statement: under load, one round trip carries
    /// many events. (PostgreSQL drops repeats of one payload within a transaction, so payloads
    /// must differ.)
    pub async fn notify(&self, payloads: &[String]) -> DbResult<()> {
        sqlx::query("SELECT pg_notify($1, payload) FROM UNNEST($2::text[]) WITH ORDINALITY AS p (payload, n) ORDER BY n")
            .bind(CHANNEL)
            .bind(payloads)
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

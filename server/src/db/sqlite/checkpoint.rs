//! WAL checkpoints on a connection of their own. By default SQLite runs one inside whichever
//! commit takes the WAL past 1,000 pages: the writer then copies pages into the database and
//! waits for its fsync while every message behind it waits too (a pause of tens to hundreds of
//! milliseconds now and then, and a tenth of the writer's CPU). Here the writer never
//! checkpoints; this task does, every half second, in `PASSIVE` mode, which neither waits for
//! nor blocks the writer or the readers. Durability is the WAL's: each commit is fsynced there.

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::Connection;
use std::time::Duration;

/// Often enough that the WAL stays a few megabytes at thousands of messages a second.
const EVERY: Duration = Duration::from_millis(500);

/// Checkpoints until dropped.
pub struct Checkpoints(tokio::task::JoinHandle<()>);

impl Checkpoints {
    pub async fn start(options: SqliteConnectOptions) -> sqlx::Result<Checkpoints> {
        let mut conn = SqliteConnection::connect_with(&options).await?;
        Ok(Checkpoints(tokio::spawn(async move {
            let mut tick = tokio::time::interval(EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&mut conn)
                    .await
                {
                    tracing::warn!(error = %e, "WAL checkpoint failed; trying again");
                }
            }
        })))
    }
}

impl Drop for Checkpoints {
    fn drop(&mut self) {
        self.0.abort();
    }
}

//! Housekeeping, once at start-up and hourly after: deletes uploads that nothing refers to once
//! their grace period is over, and sessions that have expired.

use crate::db::{Db, DbResult};
use crate::state::AppState;
use crate::uploads::is_stored_name;
use shared::Timestamp;
use std::path::Path;
use std::time::Duration;

pub const EVERY: Duration = Duration::from_secs(3600);
/// How long an upload may wait for the message (or profile) that uses it: a person may attach an
/// image and send it hours later, from a tab left open.
pub const UPLOAD_GRACE: Duration = Duration::from_secs(24 * 3600);
/// Uploads deleted per statement, so the sweep never holds the database for long.
const BATCH: i64 = 500;

/// Runs the sweeps until the server stops.
pub fn spawn(state: &AppState) {
    let db = state.db.clone();
    let settings = state.settings.clone();
    let shutdown = state.shutdown.clone();
    tokio::spawn(async move {
        let sweeps = async {
            let mut ticks = tokio::time::interval(EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                run(&db, &settings.upload_dir).await;
            }
        };
        tokio::select! {
            _ = sweeps => {}
            _ = shutdown.wait() => {}
        }
    });
}

async fn run(db: &Db, upload_dir: &Path) {
    let now = Timestamp(chrono::Utc::now().timestamp_millis());
    let grace = UPLOAD_GRACE.as_millis() as i64;
    match sweep_uploads(db, upload_dir, Timestamp(now.0 - grace)).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(uploads = n, "deleted unused uploads"),
        Err(e) => tracing::warn!(error = %e, "sweeping unused uploads failed"),
    }
    match db.delete_expired_sessions(now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(sessions = n, "deleted expired sessions"),
        Err(e) => tracing::warn!(error = %e, "sweeping expired sessions failed"),
    }
}

/// Deletes the uploads made before `uploaded_before` that no message and no profile refers to;
/// returns how many. The row goes first, in a statement that re-checks that nothing refers to
/// it, and a message being sent checks its upload's row inside its own transaction (see
/// [`crate::db::Uploads::delete_unused_uploads`]): so a message never points to a deleted file.
/// A crash between the two leaves a file without a row, which nobody can be shown.
pub async fn sweep_uploads(
    db: &Db,
    upload_dir: &Path,
    uploaded_before: Timestamp,
) -> DbResult<u64> {
    let mut deleted = 0;
    loop {
        let names = db.delete_unused_uploads(uploaded_before, BATCH).await?;
        for name in names.iter().filter(|name| is_stored_name(name)) {
            match tokio::fs::remove_file(upload_dir.join(name)).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    tracing::warn!(error = %e, %name, "deleting an unused upload's file failed")
                }
                _ => {}
            }
        }
        deleted += names.len() as u64;
        if names.len() < BATCH as usize {
            return Ok(deleted);
        }
    }
}

//! Upload access and the sweep of unused uploads (PostgreSQL).

use super::super::uploads::*;
use super::*;

#[async_trait]
impl Uploads for PgStore {
    async fn upload(&self, name: &str) -> DbResult<Option<StoredUpload>> {
        let row = sqlx::query(UPLOAD)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(stored_upload).transpose()
    }

    async fn may_see_upload(&self, name: &str, viewer: UserId) -> DbResult<bool> {
        let allowed: bool = sqlx::query_scalar(MAY_SEE_UPLOAD)
            .bind(name)
            .bind(format!("/uploads/{name}"))
            .bind(viewer.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(allowed)
    }

    /// Two statements under row locks. A message being stored with an upload holds a `KEY SHARE`
    /// lock on its row until it commits (`send.rs`). The first statement locks the candidates,
    /// skipping rows a send holds; the second, with a fresh snapshot (READ COMMITTED), sees every
    /// message committed before those locks were taken and deletes only what is still unused.
    /// A send that comes after the first waits on the lock and then finds its row gone.
    async fn delete_unused_uploads(
        &self,
        uploaded_before: Timestamp,
        limit: i64,
    ) -> DbResult<Vec<String>> {
        let mut tx = self.pool.begin().await?;
        let candidates: Vec<String> = sqlx::query_scalar(concat!(
            "SELECT u.name FROM uploads u WHERE u.created_at < $1 AND ",
            unreferenced!(),
            " ORDER BY u.created_at LIMIT $2 FOR UPDATE SKIP LOCKED"
        ))
        .bind(to_datetime(uploaded_before))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        if candidates.is_empty() {
            return Ok(candidates);
        }
        let deleted: Vec<String> = sqlx::query_scalar(concat!(
            "DELETE FROM uploads u WHERE u.name = ANY($1) AND ",
            unreferenced!(),
            " RETURNING u.name"
        ))
        .bind(&candidates)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(deleted)
    }

    async fn delete_upload_if_unused(&self, name: &str) -> DbResult<bool> {
        // As the sweep: lock first (a send in flight holds it: skip), then delete with a new
        // snapshot that sees every message committed before the lock.
        let mut tx = self.pool.begin().await?;
        let locked: Option<String> = sqlx::query_scalar(concat!(
            "SELECT u.name FROM uploads u WHERE u.name = $1 AND ",
            unreferenced!(),
            " FOR UPDATE SKIP LOCKED"
        ))
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        if locked.is_none() {
            return Ok(false);
        }
        let deleted = sqlx::query(concat!(
            "DELETE FROM uploads u WHERE u.name = $1 AND ",
            unreferenced!()
        ))
        .bind(name)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(deleted == 1)
    }
}

fn stored_upload(row: &PgRow) -> DbResult<StoredUpload> {
    Ok(StoredUpload {
        owner: UserId(row.try_get("owner_id")?),
        content_type: row.try_get("content_type")?,
        bytes: row.try_get::<i64, _>("bytes")?.max(0) as u64,
        original_name: row.try_get("original_name")?,
    })
}

//! Upload access and the sweep of unused uploads (SQLite). The sweep is one statement on the one
//! writer connection, so it runs wholly before or wholly after any message's transaction.

use super::super::uploads::*;
use super::*;

#[async_trait]
impl Uploads for SqliteStore {
    async fn upload(&self, name: &str) -> DbResult<Option<StoredUpload>> {
        let row = sqlx::query(UPLOAD)
            .bind(name)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(stored_upload).transpose()
    }

    async fn may_see_upload(&self, name: &str, viewer: UserId) -> DbResult<bool> {
        let allowed: bool = sqlx::query_scalar(MAY_SEE_UPLOAD)
            .bind(name)
            .bind(format!("/uploads/{name}"))
            .bind(viewer.0)
            .fetch_one(&self.read)
            .await?;
        Ok(allowed)
    }

    async fn delete_unused_uploads(
        &self,
        uploaded_before: Timestamp,
        limit: i64,
    ) -> DbResult<Vec<String>> {
        let names = sqlx::query_scalar(concat!(
            "DELETE FROM uploads WHERE name IN (
                SELECT u.name FROM uploads u WHERE u.created_at < $1 AND ",
            unreferenced!(),
            " ORDER BY u.created_at LIMIT $2)
             RETURNING name"
        ))
        .bind(uploaded_before.0)
        .bind(limit)
        .fetch_all(&self.write)
        .await?;
        Ok(names)
    }

    async fn delete_upload_if_unused(&self, name: &str) -> DbResult<bool> {
        let deleted = sqlx::query(concat!(
            "DELETE FROM uploads WHERE name IN (
                SELECT u.name FROM uploads u WHERE u.name = $1 AND ",
            unreferenced!(),
            ")"
        ))
        .bind(name)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(deleted == 1)
    }
}

fn stored_upload(row: &SqliteRow) -> DbResult<StoredUpload> {
    Ok(StoredUpload {
        owner: UserId(row.try_get("owner_id")?),
        content_type: row.try_get("content_type")?,
        bytes: row.try_get::<i64, _>("bytes")?.max(0) as u64,
        original_name: row.try_get("original_name")?,
    })
}

//! PostgreSQL storage: the production database, and the way to run several server processes.
//! Native UUID and TIMESTAMPTZ columns; concurrent senders in one conversation are ordered by the
//! row lock that raising `last_seq` takes.

use super::batch::Batcher;
use super::*;
use chrono::{DateTime, Utc};
use rows::*;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Row};
use std::str::FromStr;
use std::time::Duration;

pub struct PgStore {
    pool: PgPool,
    /// New messages, committed in groups.
    messages: Batcher<NewMessage, Stored>,
}

/// A message's own columns (the quote and the reactions are read apart).
const MESSAGE_COLUMNS: &str =
    "id, conversation_id, seq, sender_id, client_id, text, img, created_at, rev, edited_at, deleted, reply_to_id,
     file, file_name, file_type, file_bytes";

/// Messages (`m`) with the message each quotes; `WHERE` and the rest follow.
const SELECT_MESSAGES: &str = "
    SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.client_id, m.text, m.img, m.created_at,
           m.rev, m.edited_at, m.deleted, m.reply_to_id, m.file, m.file_name, m.file_type, m.file_bytes,
           q.seq AS quote_seq, q.sender_id AS quote_sender, q.text AS quote_text
      FROM messages m LEFT JOIN messages q ON q.id = m.reply_to_id";

mod admin;
mod attempts;
mod changes;
mod load;
mod presence;
mod rows;
mod search;
mod send;
mod uploads;

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn pools(&self) -> Vec<PoolUse> {
        vec![PoolUse::of("main", &self.pool)]
    }

    async fn ping(&self) -> DbResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_users(&self, users: &[NewUser]) -> DbResult<u64> {
        let column = |f: fn(&NewUser) -> String| users.iter().map(f).collect::<Vec<String>>();
        let added = sqlx::query(
            "INSERT INTO users (email, email_key, display_name, name_key, password_hash)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
             ON CONFLICT (email_key) DO NOTHING",
        )
        .bind(column(|u| u.email.clone()))
        .bind(column(|u| shared::validate::email_key(&u.email)))
        .bind(column(|u| u.display_name.clone()))
        .bind(column(|u| shared::validate::search_key(&u.display_name)))
        .bind(column(|u| u.password_hash.0.clone()))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(added)
    }

    async fn user_by_email(&self, email: &str) -> DbResult<Option<UserRecord>> {
        let row = sqlx::query("SELECT id, email, display_name, photo_url, password_hash, admin, disabled FROM users WHERE email_key = $1")
            .bind(shared::validate::email_key(email))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_record).transpose()
    }

    async fn user_by_id(&self, id: UserId) -> DbResult<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT id, email, display_name, photo_url, password_hash, admin, disabled FROM users WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_record).transpose()
    }

    async fn users_by_ids(&self, ids: &[UserId]) -> DbResult<Vec<User>> {
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        let rows = sqlx::query("SELECT id, display_name, photo_url FROM users WHERE id = ANY($1)")
            .bind(ids)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user).collect()
    }

    async fn update_user(
        &self,
        id: UserId,
        display_name: Option<&str>,
        password_hash: Option<&PasswordHash>,
    ) -> DbResult<UserRecord> {
        let row = sqlx::query(
            "UPDATE users SET display_name = coalesce($2, display_name), name_key = coalesce($3, name_key),
                              password_hash = coalesce($4, password_hash)
             WHERE id = $1
             RETURNING id, email, display_name, photo_url, password_hash, admin, disabled",
        )
        .bind(id.0)
        .bind(display_name)
        .bind(display_name.map(shared::validate::search_key))
        .bind(password_hash.map(|h| h.0.as_str()))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(user_record)
            .transpose()?
            .ok_or(DbError::NotFound)
    }

    async fn set_photo(&self, id: UserId, photo_url: &str) -> DbResult<Option<String>> {
        // The old value, read under the row lock the update takes.
        let old: Option<Option<String>> = sqlx::query_scalar(
            "UPDATE users u SET photo_url = $2 FROM (SELECT id, photo_url FROM users WHERE id = $1 FOR UPDATE) old
             WHERE u.id = old.id RETURNING old.photo_url",
        )
        .bind(id.0)
        .bind(photo_url)
        .fetch_optional(&self.pool)
        .await?;
        old.ok_or(DbError::NotFound)
    }

    async fn search_users(&self, query: &str, exclude: UserId, limit: i64) -> DbResult<Vec<User>> {
        let rows = sqlx::query(
            "SELECT id, display_name, photo_url FROM users
             WHERE name_key LIKE $1 AND id <> $3
             ORDER BY name_key LIKE $2 DESC, name_key, id LIMIT $4",
        )
        .bind(like_contains(query))
        .bind(like_prefix(query))
        .bind(exclude.0)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user).collect()
    }

    async fn create_session(&self, id: Uuid, user: UserId, expires_at: Timestamp) -> DbResult<()> {
        sqlx::query("INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(user.0)
            .bind(to_datetime(expires_at))
            .execute(&self.pool)
            .await
            .map_err(foreign_key_violation)?;
        Ok(())
    }

    async fn session_user(&self, id: Uuid, user: UserId) -> DbResult<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.display_name, u.photo_url, u.password_hash, u.admin, u.disabled
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = $1 AND s.user_id = $2 AND s.expires_at > now() AND NOT u.disabled",
        )
        .bind(id)
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_record).transpose()
    }

    async fn delete_session(&self, id: Uuid) -> DbResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_sessions(&self, user: UserId) -> DbResult<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> DbResult<u64> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(to_datetime(now))
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected())
    }

    async fn record_upload(&self, upload: UploadRecord) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO uploads (name, owner_id, content_type, width, height, bytes, original_name)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&upload.name)
        .bind(upload.owner_id.0)
        .bind(&upload.content_type)
        .bind(upload.width as i32)
        .bind(upload.height as i32)
        .bind(upload.bytes as i64)
        .bind(&upload.original_name)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn upload_owner(&self, name: &str) -> DbResult<Option<UserId>> {
        let owner: Option<i64> = sqlx::query_scalar("SELECT owner_id FROM uploads WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(owner.map(UserId))
    }

    async fn find_or_create_direct(
        &self,
        a: UserId,
        b: UserId,
    ) -> DbResult<(ConversationId, Created)> {
        let (low, high) = direct_pair(a, b);
        let mut tx = self.pool.begin().await?;
        // A racing twin waits here on the unique index until the first commits, then does nothing.
        let inserted: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO conversations (id, kind, direct_low, direct_high)
             VALUES ($1, 'direct', $2, $3)
             ON CONFLICT (direct_low, direct_high) DO NOTHING
             RETURNING id",
        )
        .bind(Uuid::new_v4())
        .bind(low)
        .bind(high)
        .fetch_optional(&mut *tx)
        .await
        .map_err(foreign_key_violation)?;
        let Some(id) = inserted.map(ConversationId) else {
            let id: Uuid = sqlx::query_scalar(
                "SELECT id FROM conversations WHERE direct_low = $1 AND direct_high = $2",
            )
            .bind(low)
            .bind(high)
            .fetch_one(&mut *tx)
            .await?;
            return Ok((ConversationId(id), Created::Existing));
        };
        add_members(&mut tx, id, &[UserId(low), UserId(high)]).await?;
        tx.commit().await?;
        Ok((id, Created::New))
    }

    async fn create_group(
        &self,
        creator: UserId,
        members: &[UserId],
        title: Option<&str>,
    ) -> DbResult<ConversationId> {
        let mut all: Vec<UserId> = members.iter().copied().chain([creator]).collect();
        all.sort();
        all.dedup();
        let mut tx = self.pool.begin().await?;
        let id = ConversationId(Uuid::new_v4());
        sqlx::query("INSERT INTO conversations (id, kind, title) VALUES ($1, 'group', $2)")
            .bind(id.0)
            .bind(title)
            .execute(&mut *tx)
            .await?;
        add_members(&mut tx, id, &all).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn conversation(
        &self,
        id: ConversationId,
        viewer: UserId,
    ) -> DbResult<Option<Conversation>> {
        Ok(self.load(viewer, Some(id)).await?.pop())
    }

    async fn conversations(&self, viewer: UserId) -> DbResult<Vec<Conversation>> {
        self.load(viewer, None).await
    }

    async fn member_ids(&self, id: ConversationId) -> DbResult<Vec<UserId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM user_conversations WHERE conversation_id = $1 ORDER BY user_id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(UserId).collect())
    }

    async fn leave(&self, id: ConversationId, user: UserId) -> DbResult<()> {
        let kind: Option<String> = sqlx::query_scalar(
            "DELETE FROM user_conversations m USING conversations c
             WHERE m.conversation_id = c.id AND c.id = $1 AND m.user_id = $2 AND c.kind = 'group'
             RETURNING c.kind",
        )
        .bind(id.0)
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?;
        if kind.is_some() {
            return Ok(());
        }
        if self.is_member(id, user).await? {
            Err(DbError::Conflict("conversations.direct"))
        } else {
            Err(DbError::NotFound)
        }
    }

    async fn is_member(&self, id: ConversationId, user: UserId) -> DbResult<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM user_conversations WHERE conversation_id = $1 AND user_id = $2",
        )
        .bind(id.0)
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    async fn store_message(&self, new: NewMessage) -> DbResult<Stored> {
        self.messages.submit(new).await
    }

    async fn messages(
        &self,
        id: ConversationId,
        q: HistoryQuery,
    ) -> DbResult<(Vec<Message>, bool)> {
        let forward = q.after.is_some();
        let sql = format!(
            "{SELECT_MESSAGES}
             WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq < $3
             ORDER BY m.seq {} LIMIT $4",
            if forward { "ASC" } else { "DESC" }
        );
        let rows = sqlx::query(&sql)
            .bind(id.0)
            .bind(q.after.unwrap_or(0))
            .bind(q.before.unwrap_or(i64::MAX))
            .bind(q.limit + 1)
            .fetch_all(&self.pool)
            .await?;
        let mut page = rows.iter().map(message).collect::<DbResult<Vec<_>>>()?;
        let has_more = page.len() as i64 > q.limit;
        page.truncate(q.limit as usize);
        if !forward {
            page.reverse();
        }
        self.with_reactions(&mut page).await?;
        Ok((page, has_more))
    }

    async fn message_at(&self, id: ConversationId, seq: i64) -> DbResult<Option<Message>> {
        let row = sqlx::query(&format!(
            "{SELECT_MESSAGES} WHERE m.conversation_id = $1 AND m.seq = $2"
        ))
        .bind(id.0)
        .bind(seq)
        .fetch_optional(&self.pool)
        .await?;
        let mut found: Vec<Message> = row.as_ref().map(message).transpose()?.into_iter().collect();
        self.with_reactions(&mut found).await?;
        Ok(found.pop())
    }

    async fn mark_read(&self, id: ConversationId, user: UserId, seq: i64) -> DbResult<i64> {
        let stored: Option<i64> = sqlx::query_scalar(
            "UPDATE user_conversations
             SET read_seq = GREATEST(read_seq, LEAST($3, (SELECT last_seq FROM conversations WHERE id = $1)))
             WHERE conversation_id = $1 AND user_id = $2
             RETURNING read_seq",
        )
        .bind(id.0)
        .bind(user.0)
        .bind(seq)
        .fetch_optional(&self.pool)
        .await?;
        stored.ok_or(DbError::NotFound)
    }
}

async fn add_members(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: ConversationId,
    members: &[UserId],
) -> DbResult<()> {
    let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
    sqlx::query(
        "INSERT INTO user_conversations (conversation_id, user_id) SELECT $1, unnest($2::bigint[])",
    )
    .bind(id.0)
    .bind(ids)
    .execute(&mut **tx)
    .await
    .map_err(foreign_key_violation)?;
    Ok(())
}

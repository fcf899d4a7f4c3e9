//! SQLite storage: the zero-configuration default, one file beside the binary.
//!
//! WAL lets readers run beside the writer. All writes go through one connection, so they never
//! wait on each other's locks or fail with SQLITE_BUSY; reads use a small pool of their own.
//! `synchronous=FULL` makes every commit durable before it returns: an acknowledged message
//! survives a power cut, not only a crash, at the price of one fsync per commit. The writer
//! never checkpoints the WAL: a task does, beside it (`checkpoint`).

use super::batch::Batcher;
use super::*;
use rows::*;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
    /// New messages, committed in groups by the writer connection.
    messages: Batcher<NewMessage, (Message, Created)>,
    members: members::MemberCache,
    _checkpoints: checkpoint::Checkpoints,
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
mod checkpoint;
mod fts;
mod load;
pub use load::backup;
mod members;
mod presence;
mod rows;
mod search;
mod send;
mod uploads;

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn pools(&self) -> Vec<PoolUse> {
        vec![
            PoolUse::of("write", &self.write),
            PoolUse::of("read", &self.read),
        ]
    }

    async fn ping(&self) -> DbResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn create_users(&self, users: &[NewUser]) -> DbResult<u64> {
        let mut tx = self.write.begin().await?;
        let mut added = 0;
        for new in users {
            added += sqlx::query(
                "INSERT INTO users (email, email_key, display_name, name_key, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (email_key) DO NOTHING",
            )
            .bind(&new.email)
            .bind(shared::validate::email_key(&new.email))
            .bind(&new.display_name)
            .bind(shared::validate::search_key(&new.display_name))
            .bind(&new.password_hash.0)
            .bind(now().0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    async fn user_by_email(&self, email: &str) -> DbResult<Option<UserRecord>> {
        let row = sqlx::query("SELECT id, email, display_name, photo_url, password_hash, admin, disabled FROM users WHERE email_key = ?1")
            .bind(shared::validate::email_key(email))
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(user_record).transpose()
    }

    async fn user_by_id(&self, id: UserId) -> DbResult<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT id, email, display_name, photo_url, password_hash, admin, disabled FROM users WHERE id = ?1",
        )
        .bind(id.0)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(user_record).transpose()
    }

    async fn users_by_ids(&self, ids: &[UserId]) -> DbResult<Vec<User>> {
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        let rows = sqlx::query("SELECT id, display_name, photo_url FROM users WHERE id IN (SELECT value FROM json_each(?1))")
            .bind(serde_json::to_string(&ids).expect("ids serialise"))
            .fetch_all(&self.read)
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
            "UPDATE users SET display_name = coalesce(?2, display_name), name_key = coalesce(?3, name_key),
                              password_hash = coalesce(?4, password_hash)
             WHERE id = ?1
             RETURNING id, email, display_name, photo_url, password_hash, admin, disabled",
        )
        .bind(id.0)
        .bind(display_name)
        .bind(display_name.map(shared::validate::search_key))
        .bind(password_hash.map(|h| h.0.as_str()))
        .fetch_optional(&self.write)
        .await?;
        row.as_ref()
            .map(user_record)
            .transpose()?
            .ok_or(DbError::NotFound)
    }

    async fn set_photo(&self, id: UserId, photo_url: &str) -> DbResult<Option<String>> {
        let mut tx = self.write.begin().await?;
        let old: Option<Option<String>> =
            sqlx::query_scalar("SELECT photo_url FROM users WHERE id = ?1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let old = old.ok_or(DbError::NotFound)?;
        sqlx::query("UPDATE users SET photo_url = ?2 WHERE id = ?1")
            .bind(id.0)
            .bind(photo_url)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(old)
    }

    async fn search_users(&self, query: &str, exclude: UserId, limit: i64) -> DbResult<Vec<User>> {
        // The trigram index answers queries of three characters or more (as a phrase of the
        // query's trigrams, which is a substring match); shorter ones scan the names.
        let (sql, pattern) = if query.chars().count() >= 3 {
            let Some(phrase) = fts::phrase(query) else {
                return Ok(Vec::new());
            };
            (
                "SELECT u.id, u.display_name, u.photo_url FROM users_search s JOIN users u ON u.id = s.rowid
                 WHERE users_search MATCH ?1 AND u.id <> ?3
                 ORDER BY u.name_key LIKE ?2 ESCAPE '\\' DESC, u.name_key, u.id LIMIT ?4",
                phrase,
            )
        } else {
            (
                "SELECT id, display_name, photo_url FROM users
                 WHERE name_key LIKE ?1 ESCAPE '\\' AND id <> ?3
                 ORDER BY name_key LIKE ?2 ESCAPE '\\' DESC, name_key, id LIMIT ?4",
                like_contains(query),
            )
        };
        let rows = sqlx::query(sql)
            .bind(pattern)
            .bind(like_prefix(query))
            .bind(exclude.0)
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(user).collect()
    }

    async fn create_session(&self, id: Uuid, user: UserId, expires_at: Timestamp) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(id.to_string())
        .bind(user.0)
        .bind(now().0)
        .bind(expires_at.0)
        .execute(&self.write)
        .await
        .map_err(foreign_key_violation)?;
        Ok(())
    }

    async fn session_user(&self, id: Uuid, user: UserId) -> DbResult<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.display_name, u.photo_url, u.password_hash, u.admin, u.disabled
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = ?1 AND s.user_id = ?2 AND s.expires_at > ?3 AND NOT u.disabled",
        )
        .bind(id.to_string())
        .bind(user.0)
        .bind(now().0)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(user_record).transpose()
    }

    async fn delete_session(&self, id: Uuid) -> DbResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id = ?1")
            .bind(id.to_string())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn delete_sessions(&self, user: UserId) -> DbResult<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = ?1")
            .bind(user.0)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> DbResult<u64> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?1")
            .bind(now.0)
            .execute(&self.write)
            .await?;
        Ok(deleted.rows_affected())
    }

    async fn record_upload(&self, upload: UploadRecord) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO uploads (name, owner_id, content_type, width, height, bytes, created_at, original_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .bind(&upload.name)
        .bind(upload.owner_id.0)
        .bind(&upload.content_type)
        .bind(upload.width)
        .bind(upload.height)
        .bind(upload.bytes as i64)
        .bind(now().0)
        .bind(&upload.original_name)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn upload_owner(&self, name: &str) -> DbResult<Option<UserId>> {
        let owner: Option<i64> = sqlx::query_scalar("SELECT owner_id FROM uploads WHERE name = ?1")
            .bind(name)
            .fetch_optional(&self.read)
            .await?;
        Ok(owner.map(UserId))
    }

    async fn find_or_create_direct(
        &self,
        a: UserId,
        b: UserId,
    ) -> DbResult<(ConversationId, Created)> {
        let (low, high) = direct_pair(a, b);
        let mut tx = self.write.begin().await?;
        let id = ConversationId(Uuid::new_v4());
        let at = now().0;
        let inserted = sqlx::query(
            "INSERT INTO conversations (id, kind, direct_low, direct_high, created_at, updated_at)
             VALUES (?1, 'direct', ?2, ?3, ?4, ?4)
             ON CONFLICT (direct_low, direct_high) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(low)
        .bind(high)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(foreign_key_violation)?;
        if inserted.rows_affected() == 0 {
            let row = sqlx::query(
                "SELECT id FROM conversations WHERE direct_low = ?1 AND direct_high = ?2",
            )
            .bind(low)
            .bind(high)
            .fetch_one(&mut *tx)
            .await?;
            return Ok((conversation_id(&row, "id")?, Created::Existing));
        }
        add_members(&mut tx, id, &[UserId(low), UserId(high)], at).await?;
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
        let mut tx = self.write.begin().await?;
        let id = ConversationId(Uuid::new_v4());
        let at = now().0;
        sqlx::query("INSERT INTO conversations (id, kind, title, created_at, updated_at) VALUES (?1, 'group', ?2, ?3, ?3)")
            .bind(id.to_string())
            .bind(title)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        add_members(&mut tx, id, &all, at).await?;
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
        let generation = match self.members.get(id) {
            Ok(members) => return Ok(members),
            Err(generation) => generation,
        };
        let rows = sqlx::query(
            "SELECT user_id FROM user_conversations WHERE conversation_id = ?1 ORDER BY user_id",
        )
        .bind(id.to_string())
        .fetch_all(&self.read)
        .await?;
        let members = rows
            .iter()
            .map(|r| Ok(UserId(r.try_get("user_id")?)))
            .collect::<DbResult<Vec<_>>>()?;
        self.members.remember(id, &members, generation);
        Ok(members)
    }

    async fn leave(&self, id: ConversationId, user: UserId) -> DbResult<()> {
        let kind: Option<String> = sqlx::query_scalar(
            "SELECT c.kind FROM conversations c JOIN user_conversations m ON m.conversation_id = c.id
             WHERE c.id = ?1 AND m.user_id = ?2",
        )
        .bind(id.to_string())
        .bind(user.0)
        .fetch_optional(&self.read)
        .await?;
        match kind.as_deref() {
            None => return Err(DbError::NotFound),
            Some("direct") => return Err(DbError::Conflict("conversations.direct")),
            Some(_) => {}
        }
        let left = sqlx::query(
            "DELETE FROM user_conversations WHERE conversation_id = ?1 AND user_id = ?2",
        )
        .bind(id.to_string())
        .bind(user.0)
        .execute(&self.write)
        .await;
        // Forgotten even when the delete failed: whether it took effect is unknown.
        self.members.forget(id);
        left?;
        Ok(())
    }

    async fn is_member(&self, id: ConversationId, user: UserId) -> DbResult<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM user_conversations WHERE conversation_id = ?1 AND user_id = ?2",
        )
        .bind(id.to_string())
        .bind(user.0)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.is_some())
    }

    async fn store_message(&self, new: NewMessage) -> DbResult<Stored> {
        // The members come from the cache (`member_ids`), not from the writer.
        let (message, created) = self.messages.submit(new).await?;
        Ok(Stored {
            message,
            created,
            members: None,
        })
    }

    async fn messages(
        &self,
        id: ConversationId,
        q: HistoryQuery,
    ) -> DbResult<(Vec<Message>, bool)> {
        // Walk (conversation_id, seq) from the cursor: newest first unless reading forward.
        let forward = q.after.is_some();
        let sql = format!(
            "{SELECT_MESSAGES}
             WHERE m.conversation_id = ?1 AND m.seq > ?2 AND m.seq < ?3
             ORDER BY m.seq {} LIMIT ?4",
            if forward { "ASC" } else { "DESC" }
        );
        let rows = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(q.after.unwrap_or(0))
            .bind(q.before.unwrap_or(i64::MAX))
            .bind(q.limit + 1)
            .fetch_all(&self.read)
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
            "{SELECT_MESSAGES} WHERE m.conversation_id = ?1 AND m.seq = ?2"
        ))
        .bind(id.to_string())
        .bind(seq)
        .fetch_optional(&self.read)
        .await?;
        let mut found: Vec<Message> = row.as_ref().map(message).transpose()?.into_iter().collect();
        self.with_reactions(&mut found).await?;
        Ok(found.pop())
    }

    async fn mark_read(&self, id: ConversationId, user: UserId, seq: i64) -> DbResult<i64> {
        let stored: Option<i64> = sqlx::query_scalar(
            "UPDATE user_conversations
             SET read_seq = max(read_seq, min(?3, (SELECT last_seq FROM conversations WHERE id = ?1)))
             WHERE conversation_id = ?1 AND user_id = ?2
             RETURNING read_seq",
        )
        .bind(id.to_string())
        .bind(user.0)
        .bind(seq)
        .fetch_optional(&self.write)
        .await?;
        stored.ok_or(DbError::NotFound)
    }
}

async fn add_members(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: ConversationId,
    members: &[UserId],
    at: i64,
) -> DbResult<()> {
    for member in members {
        sqlx::query("INSERT INTO user_conversations (conversation_id, user_id, joined_at) VALUES (?1, ?2, ?3)")
            .bind(id.to_string())
            .bind(member.0)
            .bind(at)
            .execute(&mut **tx)
            .await
            .map_err(foreign_key_violation)?;
    }
    Ok(())
}

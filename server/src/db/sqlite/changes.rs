//! Edits, deletions and reactions (SQLite). The one writer connection makes every write, so
//! changes take their revs and commit one at a time, in order.

use super::super::changes::{attach_reactions, Change, Changes, ReactionRow, Refusal};
use super::super::uploads::upload_name;
use super::*;
use shared::{MessageId, REACTIONS_MAX};
use sqlx::{Sqlite, Transaction};

type Tx<'a> = Transaction<'a, Sqlite>;

/// The message a change is about, as it is inside the change's transaction.
struct Target {
    sender: UserId,
    deleted: bool,
    img: Option<String>,
    file: Option<String>,
}

/// Reads `message` of `conversation` when `user` is a member of it.
async fn target(
    tx: &mut Tx<'_>,
    conversation: ConversationId,
    message: MessageId,
    user: UserId,
) -> DbResult<Target> {
    let row = sqlx::query(
        "SELECT m.sender_id, m.deleted, m.img, m.file FROM messages m
          WHERE m.id = ?1 AND m.conversation_id = ?2
            AND EXISTS (SELECT 1 FROM user_conversations WHERE conversation_id = ?2 AND user_id = ?3)",
    )
    .bind(message.to_string())
    .bind(conversation.to_string())
    .bind(user.0)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(DbError::NotFound)?;
    Ok(Target {
        sender: UserId(row.try_get("sender_id")?),
        deleted: row.try_get("deleted")?,
        img: row.try_get("img")?,
        file: row.try_get("file")?,
    })
}

/// `message` and the replies quoting it, which change with it (oldest reply first).
async fn with_replies(tx: &mut Tx<'_>, message: MessageId) -> DbResult<Vec<MessageId>> {
    let rows = sqlx::query("SELECT id FROM messages WHERE reply_to_id = ?1 ORDER BY seq")
        .bind(message.to_string())
        .fetch_all(&mut **tx)
        .await?;
    let replies = rows
        .iter()
        .map(|r| uuid(r, "id").map(MessageId))
        .collect::<DbResult<Vec<_>>>()?;
    Ok(std::iter::once(message).chain(replies).collect())
}

/// Gives `ids` the conversation's next revs, in order.
async fn renumber(
    tx: &mut Tx<'_>,
    conversation: ConversationId,
    ids: &[MessageId],
) -> DbResult<()> {
    let first: i64 = sqlx::query_scalar(
        "UPDATE conversations SET rev = rev + ?2 WHERE id = ?1 RETURNING rev - ?2 + 1",
    )
    .bind(conversation.to_string())
    .bind(ids.len() as i64)
    .fetch_one(&mut **tx)
    .await?;
    for (n, id) in ids.iter().enumerate() {
        sqlx::query("UPDATE messages SET rev = ?2 WHERE id = ?1")
            .bind(id.to_string())
            .bind(first + n as i64)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn changed(ids: Vec<MessageId>) -> Change {
    Change {
        changed: ids,
        dropped: Vec::new(),
    }
}

#[async_trait]
impl Changes for SqliteStore {
    async fn edit_message(
        &self,
        conversation: ConversationId,
        message: MessageId,
        editor: UserId,
        text: &str,
    ) -> DbResult<Change> {
        let mut tx = self.write.begin().await?;
        let target = target(&mut tx, conversation, message, editor).await?;
        if target.sender != editor {
            return Err(DbError::Refused(Refusal::NotSender));
        }
        if target.deleted {
            return Err(DbError::Refused(Refusal::Deleted));
        }
        if shared::validate::is_blank(text) && target.img.is_none() && target.file.is_none() {
            return Err(DbError::Refused(Refusal::Blank));
        }
        // Overwritten in place: the old text is kept nowhere.
        sqlx::query("UPDATE messages SET text = ?2, edited_at = ?3 WHERE id = ?1")
            .bind(message.to_string())
            .bind(text)
            .bind(now().0)
            .execute(&mut *tx)
            .await?;
        let ids = with_replies(&mut tx, message).await?;
        renumber(&mut tx, conversation, &ids).await?;
        tx.commit().await?;
        Ok(changed(ids))
    }

    async fn delete_message(
        &self,
        conversation: ConversationId,
        message: MessageId,
        by: UserId,
    ) -> DbResult<Change> {
        let mut tx = self.write.begin().await?;
        let target = target(&mut tx, conversation, message, by).await?;
        if target.sender != by {
            return Err(DbError::Refused(Refusal::NotSender));
        }
        if target.deleted {
            return Ok(Change::default());
        }
        sqlx::query(
            "UPDATE messages SET text = '', img = NULL, deleted = 1, reply_to_id = NULL,
                    file = NULL, file_name = NULL, file_type = NULL, file_bytes = NULL
             WHERE id = ?1",
        )
        .bind(message.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM reactions WHERE message_id = ?1")
            .bind(message.to_string())
            .execute(&mut *tx)
            .await?;
        let ids = with_replies(&mut tx, message).await?;
        renumber(&mut tx, conversation, &ids).await?;
        tx.commit().await?;
        Ok(Change {
            dropped: [target.img, target.file]
                .iter()
                .flatten()
                .filter_map(|url| upload_name(url))
                .map(str::to_owned)
                .collect(),
            ..changed(ids)
        })
    }

    async fn react(
        &self,
        conversation: ConversationId,
        message: MessageId,
        user: UserId,
        emoji: &str,
        key: &str,
    ) -> DbResult<Change> {
        let mut tx = self.write.begin().await?;
        if target(&mut tx, conversation, message, user).await?.deleted {
            return Err(DbError::Refused(Refusal::Deleted));
        }
        let (others, mine, used): (i64, i64, i64) = sqlx::query_as(
            "SELECT count(DISTINCT CASE WHEN emoji_key <> ?3 THEN emoji_key END),
                    coalesce(max(user_id = ?2 AND emoji_key = ?3), 0),
                    coalesce(max(emoji_key = ?3), 0)
             FROM reactions WHERE message_id = ?1",
        )
        .bind(message.to_string())
        .bind(user.0)
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
        if mine != 0 {
            return Ok(Change::default());
        }
        if used == 0 && others >= REACTIONS_MAX as i64 {
            return Err(DbError::Refused(Refusal::TooManyEmoji));
        }
        sqlx::query(
            "INSERT INTO reactions (message_id, user_id, emoji, emoji_key) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(message.to_string())
        .bind(user.0)
        .bind(emoji)
        .bind(key)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_violation(e, "reactions_one_per_person"))?;
        renumber(&mut tx, conversation, &[message]).await?;
        tx.commit().await?;
        Ok(changed(vec![message]))
    }

    async fn unreact(
        &self,
        conversation: ConversationId,
        message: MessageId,
        user: UserId,
        key: &str,
    ) -> DbResult<Change> {
        let mut tx = self.write.begin().await?;
        target(&mut tx, conversation, message, user).await?;
        let removed = sqlx::query(
            "DELETE FROM reactions WHERE message_id = ?1 AND user_id = ?2 AND emoji_key = ?3",
        )
        .bind(message.to_string())
        .bind(user.0)
        .bind(key)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if removed == 0 {
            return Ok(Change::default());
        }
        renumber(&mut tx, conversation, &[message]).await?;
        tx.commit().await?;
        Ok(changed(vec![message]))
    }

    async fn messages_by_ids(
        &self,
        conversation: ConversationId,
        ids: &[MessageId],
    ) -> DbResult<Vec<Message>> {
        let ids: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
        let rows = sqlx::query(&format!(
            "{SELECT_MESSAGES} WHERE m.conversation_id = ?1
               AND m.id IN (SELECT value FROM json_each(?2)) ORDER BY m.seq"
        ))
        .bind(conversation.to_string())
        .bind(serde_json::to_string(&ids).expect("ids serialise"))
        .fetch_all(&self.read)
        .await?;
        let mut messages = rows.iter().map(message).collect::<DbResult<Vec<_>>>()?;
        self.with_reactions(&mut messages).await?;
        Ok(messages)
    }

    async fn changed_after(
        &self,
        conversation: ConversationId,
        after: i64,
        limit: i64,
    ) -> DbResult<(Vec<Message>, bool)> {
        let rows = sqlx::query(&format!(
            "{SELECT_MESSAGES} WHERE m.conversation_id = ?1 AND m.rev > ?2 ORDER BY m.rev LIMIT ?3"
        ))
        .bind(conversation.to_string())
        .bind(after)
        .bind(limit + 1)
        .fetch_all(&self.read)
        .await?;
        let mut page = rows.iter().map(message).collect::<DbResult<Vec<_>>>()?;
        let has_more = page.len() as i64 > limit;
        page.truncate(limit as usize);
        self.with_reactions(&mut page).await?;
        Ok((page, has_more))
    }

    async fn sent_message(&self, sender: UserId, client_id: Uuid) -> DbResult<Option<Message>> {
        let row = sqlx::query(&format!(
            "{SELECT_MESSAGES} WHERE m.sender_id = ?1 AND m.client_id = ?2"
        ))
        .bind(sender.0)
        .bind(client_id.to_string())
        .fetch_optional(&self.read)
        .await?;
        let mut found: Vec<Message> = row.as_ref().map(message).transpose()?.into_iter().collect();
        self.with_reactions(&mut found).await?;
        Ok(found.pop())
    }

    async fn quotable(&self, conversation: ConversationId, message: MessageId) -> DbResult<()> {
        let deleted: Option<bool> = sqlx::query_scalar(
            "SELECT deleted FROM messages WHERE id = ?1 AND conversation_id = ?2",
        )
        .bind(message.to_string())
        .bind(conversation.to_string())
        .fetch_optional(&self.read)
        .await?;
        match deleted {
            None => Err(DbError::NotFound),
            Some(true) => Err(DbError::Refused(Refusal::Deleted)),
            Some(false) => Ok(()),
        }
    }
}

impl SqliteStore {
    /// Puts their reactions on `messages` (one query for all of them).
    pub(super) async fn with_reactions(&self, messages: &mut [Message]) -> DbResult<()> {
        if messages.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = messages.iter().map(|m| m.id.to_string()).collect();
        let rows = sqlx::query(
            "SELECT message_id, emoji, emoji_key, user_id FROM reactions
             WHERE message_id IN (SELECT value FROM json_each(?1)) ORDER BY id",
        )
        .bind(serde_json::to_string(&ids).expect("ids serialise"))
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| {
            Ok(ReactionRow {
                message_id: MessageId(uuid(r, "message_id")?),
                emoji: r.try_get("emoji")?,
                key: r.try_get("emoji_key")?,
                user_id: UserId(r.try_get("user_id")?),
            })
        })
        .collect::<DbResult<Vec<_>>>()?;
        attach_reactions(messages, rows);
        Ok(())
    }
}

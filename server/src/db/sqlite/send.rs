//! Storing messages (SQLite). The one writer connection commits the messages waiting together in
//! one transaction: at thousands of messages a second, commits (each an fsync) are what limits
//! SQLite, not the statements.

use super::*;
use sqlx::{Sqlite, Transaction};

/// At most this many messages share a commit.
pub const BATCH: usize = 256;

type Sent = DbResult<(Message, Created)>;

/// One answer per message, in order. When anything but a refusal fails, the batch is rolled back
/// and each message is tried alone, so that one bad write cannot fail its neighbours.
pub async fn insert_messages(write: SqlitePool, batch: Vec<NewMessage>) -> Vec<Sent> {
    if batch.len() > 1 {
        if let Ok(results) = insert_all(&write, &batch).await {
            return results;
        }
    }
    let mut results = Vec::with_capacity(batch.len());
    for new in batch {
        results.push(match insert_all(&write, std::slice::from_ref(&new)).await {
            Ok(mut one) => one.pop().expect("one answer"),
            Err(e) => Err(e),
        });
    }
    results
}

async fn insert_all(write: &SqlitePool, batch: &[NewMessage]) -> DbResult<Vec<Sent>> {
    let mut tx = write.begin().await?;
    let mut results = Vec::with_capacity(batch.len());
    for new in batch {
        match insert_one(&mut tx, new).await {
            Err(DbError::NotFound) => results.push(Err(DbError::NotFound)),
            Err(e) => return Err(e),
            Ok(sent) => results.push(Ok(sent)),
        }
    }
    tx.commit().await?;
    Ok(results)
}

/// One trip to the writer thread per message: bump the conversation's seq (only for a member,
/// and only for a client_id not used yet), insert the message with it, and mark it read by its
/// sender. `changes()` tells each statement whether the one before it took effect.
const SEND: &str = "
    UPDATE conversations SET last_seq = last_seq + 1, updated_at = ?7
     WHERE id = ?2
       AND EXISTS (SELECT 1 FROM user_conversations WHERE conversation_id = ?2 AND user_id = ?3)
       AND NOT EXISTS (SELECT 1 FROM messages WHERE sender_id = ?3 AND client_id = ?4);
    INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, text, img, created_at)
     SELECT ?1, ?2, last_seq, ?3, ?4, ?5, ?6, ?7 FROM conversations WHERE id = ?2 AND changes() = 1
     RETURNING id, conversation_id, seq, sender_id, client_id, text, img, created_at;
    UPDATE user_conversations SET read_seq = (SELECT last_seq FROM conversations WHERE id = ?2)
     WHERE conversation_id = ?2 AND user_id = ?3 AND changes() = 1";

async fn insert_one(
    tx: &mut Transaction<'_, Sqlite>,
    new: &NewMessage,
) -> DbResult<(Message, Created)> {
    // All three statements must run, so every row is fetched (there is at most one).
    let rows = sqlx::query(SEND)
        .bind(Uuid::new_v4().to_string())
        .bind(new.conversation_id.to_string())
        .bind(new.sender_id.0)
        .bind(new.client_id.to_string())
        .bind(&new.text)
        .bind(&new.img)
        .bind(now().0)
        .fetch_all(&mut **tx)
        .await?;
    if let Some(row) = rows.first() {
        return Ok((message(row)?, Created::New));
    }
    // Nothing inserted: the client_id was used already, or the sender is not a member.
    let existing = sqlx::query(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE sender_id = ?1 AND client_id = ?2"
    ))
    .bind(new.sender_id.0)
    .bind(new.client_id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    match existing {
        Some(row) => Ok((message(&row)?, Created::Existing)),
        None => Err(DbError::NotFound),
    }
}

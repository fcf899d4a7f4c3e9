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

async fn insert_one(
    tx: &mut Transaction<'_, Sqlite>,
    new: &NewMessage,
) -> DbResult<(Message, Created)> {
    let existing = sqlx::query(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE sender_id = ?1 AND client_id = ?2"
    ))
    .bind(new.sender_id.0)
    .bind(new.client_id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = existing {
        return Ok((message(&row)?, Created::Existing));
    }
    let at = now().0;
    // Only a member's row matches, so a stranger's send changes nothing.
    let seq: Option<i64> = sqlx::query_scalar(
        "UPDATE conversations SET last_seq = last_seq + 1, updated_at = ?2
         WHERE id = ?1 AND EXISTS (SELECT 1 FROM user_conversations WHERE conversation_id = ?1 AND user_id = ?3)
         RETURNING last_seq",
    )
    .bind(new.conversation_id.to_string())
    .bind(at)
    .bind(new.sender_id.0)
    .fetch_optional(&mut **tx)
    .await?;
    let seq = seq.ok_or(DbError::NotFound)?;
    let row = sqlx::query(&format!(
        "INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(Uuid::new_v4().to_string())
    .bind(new.conversation_id.to_string())
    .bind(seq)
    .bind(new.sender_id.0)
    .bind(new.client_id.to_string())
    .bind(&new.text)
    .bind(&new.img)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    // The sender has read what they wrote.
    sqlx::query(
        "UPDATE user_conversations SET read_seq = ?3 WHERE conversation_id = ?1 AND user_id = ?2",
    )
    .bind(new.conversation_id.to_string())
    .bind(new.sender_id.0)
    .bind(seq)
    .execute(&mut **tx)
    .await?;
    Ok((message(&row)?, Created::New))
}

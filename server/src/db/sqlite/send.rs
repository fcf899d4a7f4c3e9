//! Storing messages (SQLite). The one writer connection commits the messages waiting together in
//! one transaction, sixteen messages per trip to its thread: at thousands of messages a second,
//! commits (each an fsync) and thread switches are what limit SQLite, not the statements.

use super::super::batch::answers;
use super::super::uploads::upload_name;
use super::*;
use sqlx::{Sqlite, Transaction};
use std::collections::HashMap;
use std::sync::LazyLock;

/// At most this many messages share a commit.
pub const BATCH: usize = 256;

/// How long a batch that is not full waits for more messages. Each commit writes every page it
/// changed to the WAL (several index pages per message) and fsyncs; at 1,000 messages a second
/// most commits held one message (docs/BENCHMARKS.md, "Commits that wait a millisecond"). A
/// send's ack comes 1-2 ms later (the timer's resolution).
pub const LINGER: std::time::Duration = std::time::Duration::from_millis(1);

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
    let mut stored = HashMap::new();
    let mut chunks = batch.chunks_exact(CHUNK);
    for chunk in &mut chunks {
        store(&mut tx, &CHUNK_SQL, chunk, &mut stored).await?;
    }
    for new in chunks.remainder() {
        store(&mut tx, &ONE_SQL, std::slice::from_ref(new), &mut stored).await?;
    }
    let mut results = Vec::with_capacity(batch.len());
    for (new, answer) in batch.iter().zip(answers(batch, &stored)) {
        results.push(match answer {
            Some(sent) => Ok(sent),
            None => existing(&mut tx, new).await,
        });
    }
    tx.commit().await?;
    Ok(results)
}

/// Messages per trip to the writer thread: each trip costs two thread switches, more than
/// running the statements.
const CHUNK: usize = 16;

/// For one message: bump the conversation's seq and change number (only for a member, only for a
/// client_id not used yet, and only while the sender's uploads its image and its file name still
/// exist: the sweep of unused uploads runs on this same connection, so it comes wholly before or
/// after), insert the message with it (and its file's name, type and size from the upload), and
/// mark it read by its sender. `changes()` tells each statement whether
/// the one before it took effect. Parameters are positional (`store` binds them in order):
/// sqlx binds numbered ones wrongly when one query has many statements.
const SEND: &str = "
    UPDATE conversations SET last_seq = last_seq + 1, rev = rev + 1, updated_at = ?
     WHERE id = ?
       AND EXISTS (SELECT 1 FROM user_conversations WHERE conversation_id = ? AND user_id = ?)
       AND NOT EXISTS (SELECT 1 FROM messages WHERE sender_id = ? AND client_id = ?)
       AND (? IS NULL OR EXISTS (SELECT 1 FROM uploads WHERE name = ? AND owner_id = ?))
       AND (? IS NULL OR EXISTS (SELECT 1 FROM uploads WHERE name = ? AND owner_id = ?));
    INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, text, img, created_at, rev, reply_to_id,
                          file, file_name, file_type, file_bytes)
     SELECT ?, ?, c.last_seq, ?, ?, ?, ?, ?, c.rev, ?, ?, f.original_name, f.content_type, f.bytes
       FROM conversations c LEFT JOIN uploads f ON f.name = ?
      WHERE c.id = ? AND changes() = 1
     RETURNING id, conversation_id, seq, sender_id, client_id, text, img, created_at, rev, edited_at, deleted, reply_to_id,
               file, file_name, file_type, file_bytes;
    UPDATE user_conversations SET read_seq = (SELECT last_seq FROM conversations WHERE id = ?)
     WHERE conversation_id = ? AND user_id = ? AND changes() = 1;";

static ONE_SQL: LazyLock<String> = LazyLock::new(|| SEND.to_string());
static CHUNK_SQL: LazyLock<String> = LazyLock::new(|| SEND.repeat(CHUNK));

/// Runs `sql` for `messages` (one trip) and notes what it inserted, by sender and client_id.
async fn store(
    tx: &mut Transaction<'_, Sqlite>,
    sql: &str,
    messages: &[NewMessage],
    stored: &mut HashMap<(i64, Uuid), Message>,
) -> DbResult<()> {
    let at = now().0;
    let mut query = sqlx::query(sql);
    for new in messages {
        let (conversation, client) = (new.conversation_id.to_string(), new.client_id.to_string());
        let sender = new.sender_id.0;
        // In the order the `?`s of SEND appear.
        query = query
            .bind(at)
            .bind(conversation.clone())
            .bind(conversation.clone())
            .bind(sender)
            .bind(sender)
            .bind(client.clone())
            .bind(&new.img)
            .bind(new.img.as_deref().and_then(upload_name))
            .bind(sender)
            .bind(&new.file)
            .bind(new.file.as_deref().and_then(upload_name))
            .bind(sender)
            .bind(Uuid::new_v4().to_string())
            .bind(conversation.clone())
            .bind(sender)
            .bind(client)
            .bind(&new.text)
            .bind(&new.img)
            .bind(at)
            .bind(new.reply_to.map(|r| r.to_string()))
            .bind(&new.file)
            .bind(new.file.as_deref().and_then(upload_name))
            .bind(conversation.clone())
            .bind(conversation.clone())
            .bind(conversation)
            .bind(sender);
    }
    // Every statement must run, so all rows are fetched.
    for row in query.fetch_all(&mut **tx).await? {
        let message = message(&row)?;
        stored.insert((message.sender_id.0, message.client_id), message);
    }
    Ok(())
}

/// For a message the batch did not store: the client_id was used before, an upload of it is
/// gone, or the sender is not a member.
async fn existing(tx: &mut Transaction<'_, Sqlite>, new: &NewMessage) -> Sent {
    let row = sqlx::query(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE sender_id = ?1 AND client_id = ?2"
    ))
    .bind(new.sender_id.0)
    .bind(new.client_id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = row {
        return Ok((message(&row)?, Created::Existing));
    }
    for (url, gone) in [
        (&new.img, DbError::UploadGone),
        (&new.file, DbError::FileGone),
    ] {
        let Some(url) = url else { continue };
        let upload = sqlx::query("SELECT 1 FROM uploads WHERE name = ?1 AND owner_id = ?2")
            .bind(upload_name(url))
            .bind(new.sender_id.0)
            .fetch_optional(&mut **tx)
            .await?;
        if upload.is_none() {
            return Err(gone);
        }
    }
    Err(DbError::NotFound)
}

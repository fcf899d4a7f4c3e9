//! Storing messages (PostgreSQL). Messages waiting together are stored by one statement and
//! share its commit (one WAL flush).

use super::super::batch::answers;
use super::super::uploads::upload_name;
use super::*;
use sqlx::{Postgres, Transaction};
use std::collections::HashMap;

/// At most this many messages share a commit. One batch commits at a time: on two cores,
/// one writer with large batches beat two, four and eight lanes by conversation (knee 6,000
/// against 5,000 msg/s and below).
pub const BATCH: usize = 128;

type Sent = DbResult<Stored>;

/// One answer per message, in order. When anything but a refusal fails, the batch is rolled back
/// and each message is stored alone, so that one bad write cannot fail its neighbours.
pub async fn insert_messages(pool: PgPool, batch: Vec<NewMessage>) -> Vec<Sent> {
    if let Ok(results) = insert_all(&pool, &batch).await {
        return results;
    }
    let mut results = Vec::with_capacity(batch.len());
    for new in batch {
        results.push(insert_alone(&pool, new).await);
    }
    results
}

/// Stores a whole batch in one round trip: keeps members' messages with unused client_ids
/// (the first of any repeats) whose images' and files' uploads still exist, raises each conversation's seq
/// and its change number (`rev`) by how many it gets, numbers them in arrival order, inserts them
/// and marks them read by
/// their senders; the first row of each conversation carries its members, so that delivering
/// needs no second query. The uploads are locked (`KEY SHARE`) until the commit, so the sweep of unused
/// uploads cannot delete one that a message in flight refers to (`uploads.rs`).
const SEND_ALL: &str = "
    WITH input AS (
        SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::uuid[],
                             $9::text[], $10::text[])
            WITH ORDINALITY AS t (id, conversation_id, sender_id, client_id, text, img, upload, reply_to_id, file, file_upload, ord)
    ), attachable AS (
        SELECT name, owner_id, original_name, content_type, bytes FROM uploads
         WHERE name IN (SELECT upload FROM input WHERE upload IS NOT NULL
                        UNION ALL SELECT file_upload FROM input WHERE file_upload IS NOT NULL)
         FOR KEY SHARE
    ), fresh AS (
        SELECT DISTINCT ON (i.sender_id, i.client_id) i.* FROM input i
         WHERE EXISTS (SELECT 1 FROM user_conversations u
                        WHERE u.conversation_id = i.conversation_id AND u.user_id = i.sender_id)
           AND NOT EXISTS (SELECT 1 FROM messages m
                            WHERE m.sender_id = i.sender_id AND m.client_id = i.client_id)
           AND (i.img IS NULL OR EXISTS (SELECT 1 FROM attachable a
                                          WHERE a.name = i.upload AND a.owner_id = i.sender_id))
           AND (i.file IS NULL OR EXISTS (SELECT 1 FROM attachable a
                                           WHERE a.name = i.file_upload AND a.owner_id = i.sender_id))
         ORDER BY i.sender_id, i.client_id, i.ord
    ), counted AS (
        SELECT conversation_id, count(*) AS n FROM fresh GROUP BY conversation_id
    ), bump AS (
        UPDATE conversations c SET last_seq = c.last_seq + counted.n, rev = c.rev + counted.n, updated_at = now()
          FROM counted WHERE c.id = counted.conversation_id
        RETURNING c.id, c.last_seq - counted.n AS base, c.rev - counted.n AS rev_base
    ), numbered AS (
        SELECT f.*, b.base + row_number() OVER (PARTITION BY f.conversation_id ORDER BY f.ord) AS seq,
               b.rev_base + row_number() OVER (PARTITION BY f.conversation_id ORDER BY f.ord) AS rev
          FROM fresh f JOIN bump b ON b.id = f.conversation_id
    ), inserted AS (
        INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, text, img, created_at, rev, reply_to_id,
                              file, file_name, file_type, file_bytes)
        SELECT n.id, n.conversation_id, n.seq, n.sender_id, n.client_id, n.text, n.img, now(), n.rev, n.reply_to_id,
               n.file, f.original_name, f.content_type, f.bytes
          FROM numbered n LEFT JOIN attachable f ON f.name = n.file_upload
        ON CONFLICT (sender_id, client_id) DO NOTHING
        RETURNING id, conversation_id, seq, sender_id, client_id, text, img, created_at, rev, edited_at, deleted, reply_to_id,
                  file, file_name, file_type, file_bytes
    ), seen AS (
        UPDATE user_conversations u SET read_seq = s.seq
          FROM (SELECT conversation_id, sender_id, max(seq) AS seq FROM inserted GROUP BY 1, 2) s
         WHERE u.conversation_id = s.conversation_id AND u.user_id = s.sender_id
    )
    SELECT (SELECT count(*) FROM numbered) AS planned, i.*,
           CASE WHEN row_number() OVER (PARTITION BY i.conversation_id ORDER BY i.seq) = 1
                THEN (SELECT array_agg(u.user_id ORDER BY u.user_id) FROM user_conversations u
                       WHERE u.conversation_id = i.conversation_id)
           END AS members
      FROM inserted i";

async fn insert_all(pool: &PgPool, batch: &[NewMessage]) -> DbResult<Vec<Sent>> {
    let column = |f: fn(&NewMessage) -> Uuid| batch.iter().map(f).collect::<Vec<Uuid>>();
    let mut tx = pool.begin().await?;
    let rows = sqlx::query(SEND_ALL)
        .bind(batch.iter().map(|_| Uuid::new_v4()).collect::<Vec<_>>())
        .bind(column(|m| m.conversation_id.0))
        .bind(batch.iter().map(|m| m.sender_id.0).collect::<Vec<_>>())
        .bind(column(|m| m.client_id))
        .bind(batch.iter().map(|m| m.text.clone()).collect::<Vec<_>>())
        .bind(batch.iter().map(|m| m.img.clone()).collect::<Vec<_>>())
        .bind(
            batch
                .iter()
                .map(|m| upload_of(m.img.as_deref()))
                .collect::<Vec<_>>(),
        )
        .bind(
            batch
                .iter()
                .map(|m| m.reply_to.map(|r| r.0))
                .collect::<Vec<_>>(),
        )
        .bind(batch.iter().map(|m| m.file.clone()).collect::<Vec<_>>())
        .bind(
            batch
                .iter()
                .map(|m| upload_of(m.file.as_deref()))
                .collect::<Vec<_>>(),
        )
        .fetch_all(&mut *tx)
        .await?;
    if let Some(first) = rows.first() {
        // Another transaction stored one of these client_ids after the check: the seq taken
        // for it would leave a gap, so roll back and store message by message.
        if first.try_get::<i64, _>("planned")? != rows.len() as i64 {
            return Err(DbError::Conflict("messages.client_id"));
        }
    }
    let mut stored: HashMap<(i64, Uuid), Message> = HashMap::new();
    let mut members: HashMap<ConversationId, Vec<UserId>> = HashMap::new();
    for row in &rows {
        let message = message(row)?;
        if let Some(ids) = row.try_get::<Option<Vec<i64>>, _>("members")? {
            members.insert(
                message.conversation_id,
                ids.into_iter().map(UserId).collect(),
            );
        }
        stored.insert((message.sender_id.0, message.client_id), message);
    }
    let mut results = Vec::with_capacity(batch.len());
    for (new, answer) in batch.iter().zip(answers(batch, &stored)) {
        results.push(match answer {
            Some((message, created)) => Ok(Stored {
                members: (created == Created::New)
                    .then(|| members.get(&message.conversation_id).cloned())
                    .flatten(),
                message,
                created,
            }),
            None => existing(&mut tx, new).await,
        });
    }
    tx.commit().await?;
    Ok(results)
}

/// For a message the batch did not store: the client_id was used before, an upload of it is
/// gone, or the sender is not a member.
async fn existing(tx: &mut Transaction<'_, Postgres>, new: &NewMessage) -> Sent {
    let row = sqlx::query(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE sender_id = $1 AND client_id = $2"
    ))
    .bind(new.sender_id.0)
    .bind(new.client_id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = row {
        return Ok(without_members(message(&row)?, Created::Existing));
    }
    lock_uploads(tx, new).await?;
    Err(DbError::NotFound)
}

/// A message stored (or found) on a path that did not read the members.
fn without_members(message: Message, created: Created) -> Stored {
    Stored {
        message,
        created,
        members: None,
    }
}

/// The name of the upload a message's image or file URL points to.
fn upload_of(url: Option<&str>) -> Option<String> {
    url.and_then(upload_name).map(str::to_owned)
}

/// A file as the message copies it: its upload's original name, type and size.
type FileColumns = (Option<String>, Option<String>, Option<i64>);

/// Checks that the sender's uploads that `new`'s image and file name exist (`UploadGone`,
/// `FileGone`); they stay locked against the sweep of unused uploads until `tx` ends. Returns
/// the file's columns.
async fn lock_uploads(
    tx: &mut Transaction<'_, Postgres>,
    new: &NewMessage,
) -> DbResult<FileColumns> {
    if let Some(img) = &new.img {
        lock_upload(tx, img, new.sender_id)
            .await?
            .ok_or(DbError::UploadGone)?;
    }
    let Some(file) = &new.file else {
        return Ok((None, None, None));
    };
    let (name, content_type, bytes) = lock_upload(tx, file, new.sender_id)
        .await?
        .ok_or(DbError::FileGone)?;
    Ok((name, Some(content_type), Some(bytes)))
}

/// The sender's upload that `url` names, locked (`KEY SHARE`) until `tx` ends.
async fn lock_upload(
    tx: &mut Transaction<'_, Postgres>,
    url: &str,
    sender: UserId,
) -> DbResult<Option<(Option<String>, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT original_name, content_type, bytes FROM uploads
          WHERE name = $1 AND owner_id = $2 FOR KEY SHARE",
    )
    .bind(upload_name(url))
    .bind(sender.0)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The careful path for one message: checks first, and rolls back if the same client_id
/// commits meanwhile.
async fn insert_alone(pool: &PgPool, new: NewMessage) -> Sent {
    let existing = || async {
        let row = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE sender_id = $1 AND client_id = $2"
        ))
        .bind(new.sender_id.0)
        .bind(new.client_id)
        .fetch_optional(pool)
        .await?;
        row.as_ref().map(message).transpose()
    };
    if let Some(first) = existing().await? {
        return Ok(without_members(first, Created::Existing));
    }
    let mut tx = pool.begin().await?;
    let (file_name, file_type, file_bytes) = lock_uploads(&mut tx, &new).await?;
    // Only a member's row matches, so a stranger's send changes nothing.
    let numbers: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE conversations SET last_seq = last_seq + 1, rev = rev + 1, updated_at = now()
             WHERE id = $1 AND EXISTS (SELECT 1 FROM user_conversations WHERE conversation_id = $1 AND user_id = $2)
             RETURNING last_seq, rev",
        )
        .bind(new.conversation_id.0)
        .bind(new.sender_id.0)
        .fetch_optional(&mut *tx)
        .await?;
    let (seq, rev) = numbers.ok_or(DbError::NotFound)?;
    let row = sqlx::query(&format!(
        "INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, text, img, created_at, rev, reply_to_id,
                               file, file_name, file_type, file_bytes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, $9, $10, $11, $12, $13)
             ON CONFLICT (sender_id, client_id) DO NOTHING
             RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(Uuid::new_v4())
    .bind(new.conversation_id.0)
    .bind(seq)
    .bind(new.sender_id.0)
    .bind(new.client_id)
    .bind(&new.text)
    .bind(&new.img)
    .bind(rev)
    .bind(new.reply_to.map(|r| r.0))
    .bind(&new.file)
    .bind(file_name)
    .bind(file_type)
    .bind(file_bytes)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        // The same client_id committed meanwhile: roll back (and with it the seq) and answer
        // with the first message.
        tx.rollback().await?;
        let first = existing().await?.ok_or(DbError::NotFound)?;
        return Ok(without_members(first, Created::Existing));
    };
    // The sender has read what they wrote.
    sqlx::query(
        "UPDATE user_conversations SET read_seq = $3 WHERE conversation_id = $1 AND user_id = $2",
    )
    .bind(new.conversation_id.0)
    .bind(new.sender_id.0)
    .bind(seq)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(without_members(message(&row)?, Created::New))
}

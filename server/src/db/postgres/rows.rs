//! Turning PostgreSQL rows into the shared types.

use super::*;

pub(super) fn to_datetime(at: Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub(super) fn timestamp(row: &PgRow, column: &str) -> DbResult<Timestamp> {
    let at: DateTime<Utc> = row.try_get(column)?;
    Ok(Timestamp(at.timestamp_millis()))
}

pub(super) fn user(row: &PgRow) -> DbResult<User> {
    Ok(User {
        id: UserId(row.try_get("id")?),
        display_name: row.try_get("display_name")?,
        photo_url: row.try_get("photo_url")?,
    })
}

pub(super) fn user_record(row: &PgRow) -> DbResult<UserRecord> {
    Ok(UserRecord {
        id: UserId(row.try_get("id")?),
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        photo_url: row.try_get("photo_url")?,
        password_hash: PasswordHash(row.try_get("password_hash")?),
        admin: row.try_get("admin")?,
        disabled: row.try_get("disabled")?,
    })
}

pub(super) fn message(row: &PgRow) -> DbResult<Message> {
    Ok(Message {
        id: shared::MessageId(row.try_get("id")?),
        conversation_id: ConversationId(row.try_get("conversation_id")?),
        seq: row.try_get("seq")?,
        sender_id: UserId(row.try_get("sender_id")?),
        client_id: row.try_get("client_id")?,
        text: row.try_get("text")?,
        img: row.try_get("img")?,
        created_at: timestamp(row, "created_at")?,
        rev: row.try_get("rev")?,
        edited_at: row
            .try_get::<Option<DateTime<Utc>>, _>("edited_at")?
            .map(|at| Timestamp(at.timestamp_millis())),
        deleted: row.try_get("deleted")?,
        // Only a reply looks for the quote's columns (there when the query joined them).
        reply_to: match row.try_get::<Option<Uuid>, _>("reply_to_id")? {
            Some(id) => super::super::changes::reply_to(
                shared::MessageId(id),
                row.try_get("quote_seq").ok().flatten(),
                row.try_get("quote_sender").ok().flatten(),
                row.try_get("quote_text").ok().flatten(),
            ),
            None => None,
        },
        reactions: Vec::new(),
        file: file(row)?,
    })
}

/// A message's file, from the columns it copied from its upload (all set, or none).
fn file(row: &PgRow) -> DbResult<Option<shared::FileRef>> {
    let Some(url) = row.try_get::<Option<String>, _>("file")? else {
        return Ok(None);
    };
    Ok(Some(shared::FileRef {
        url,
        name: row.try_get("file_name")?,
        content_type: row.try_get("file_type")?,
        bytes: row.try_get::<i64, _>("file_bytes")?.max(0) as u64,
    }))
}

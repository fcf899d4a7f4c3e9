//! Turning SQLite rows into the shared types.

use super::*;

pub(super) fn uuid(row: &SqliteRow, column: &str) -> DbResult<Uuid> {
    let text: String = row.try_get(column)?;
    Uuid::parse_str(&text).map_err(|e| DbError::Sqlx(sqlx::Error::Decode(Box::new(e))))
}

pub(super) fn conversation_id(row: &SqliteRow, column: &str) -> DbResult<ConversationId> {
    uuid(row, column).map(ConversationId)
}

pub(super) fn user(row: &SqliteRow) -> DbResult<User> {
    Ok(User {
        id: UserId(row.try_get("id")?),
        display_name: row.try_get("display_name")?,
        photo_url: row.try_get("photo_url")?,
    })
}

pub(super) fn user_record(row: &SqliteRow) -> DbResult<UserRecord> {
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

pub(super) fn message(row: &SqliteRow) -> DbResult<Message> {
    Ok(Message {
        id: shared::MessageId(uuid(row, "id")?),
        conversation_id: conversation_id(row, "conversation_id")?,
        seq: row.try_get("seq")?,
        sender_id: UserId(row.try_get("sender_id")?),
        client_id: uuid(row, "client_id")?,
        text: row.try_get("text")?,
        img: row.try_get("img")?,
        created_at: Timestamp(row.try_get("created_at")?),
        rev: row.try_get("rev")?,
        edited_at: row.try_get::<Option<i64>, _>("edited_at")?.map(Timestamp),
        deleted: row.try_get("deleted")?,
        // Only a reply looks for the quote's columns (there when the query joined them).
        reply_to: match row.try_get::<Option<String>, _>("reply_to_id")? {
            Some(_) => super::super::changes::reply_to(
                shared::MessageId(uuid(row, "reply_to_id")?),
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
fn file(row: &SqliteRow) -> DbResult<Option<shared::FileRef>> {
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

//! Changing sent messages: edits, deletions and reactions, and catching up on them. The HTTP
//! API, the WebSocket frames and the server functions all call these, so a change made any way
//! behaves the same and reaches every open connection of every member.

use crate::auth::AuthUser;
use crate::db::Change;
use crate::error::{AppError, AppResult};
use crate::messaging::{HISTORY_DEFAULT, HISTORY_MAX};
use crate::realtime::ConnId;
use crate::state::AppState;
use shared::{validate, ConversationId, Message, MessageId};

/// Replaces the text of one's own message. The replies quoting it change with it.
pub async fn edit(
    state: &AppState,
    me: &AuthUser,
    conversation: ConversationId,
    message: MessageId,
    text: &str,
    from: Option<ConnId>,
) -> AppResult<Message> {
    validate::message_text(text).map_err(|e| AppError::field("text", e))?;
    let change = state
        .db
        .edit_message(conversation, message, me.user.id, text)
        .await?;
    announce(state, conversation, message, change, from).await
}

/// Deletes one's own message: it stays in history, emptied; its image goes. Deleting it again
/// changes nothing.
pub async fn delete(
    state: &AppState,
    me: &AuthUser,
    conversation: ConversationId,
    message: MessageId,
    from: Option<ConnId>,
) -> AppResult<Message> {
    let change = state
        .db
        .delete_message(conversation, message, me.user.id)
        .await?;
    for name in &change.dropped {
        match state.db.delete_upload_if_unused(name).await {
            Ok(true) if crate::uploads::is_stored_name(name) => {}
            Ok(_) => continue,
            // The hourly sweep deletes it later.
            Err(e) => {
                tracing::warn!(error = %e, %name, "deleting a deleted message's upload failed");
                continue;
            }
        }
        let path = state.settings.upload_dir.join(name);
        if let Err(e) = tokio::fs::remove_file(&path).await {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(error = %e, %name, "deleting a deleted message's image failed");
            }
        }
    }
    announce(state, conversation, message, change, from).await
}

/// Adds (`on`) or takes back one's reaction; doing either twice changes nothing.
pub async fn react(
    state: &AppState,
    me: &AuthUser,
    conversation: ConversationId,
    message: MessageId,
    emoji: &str,
    on: bool,
    from: Option<ConnId>,
) -> AppResult<Message> {
    // Strangers learn nothing, not even from the emoji or the limit.
    if !state.db.is_member(conversation, me.user.id).await? {
        return Err(AppError::NotFound);
    }
    let key =
        shared::emoji::key(emoji).ok_or_else(|| AppError::field("emoji", "Use one emoji."))?;
    state.auth.limits.reaction(&state.db, me.user.id).await?;
    let (db, user) = (&state.db, me.user.id);
    let change = if on {
        db.react(conversation, message, user, emoji, &key).await?
    } else {
        db.unreact(conversation, message, user, &key).await?
    };
    announce(state, conversation, message, change, from).await
}

/// New or changed messages with `rev` past `after`, ascending `rev`; and whether more follow.
pub async fn changed_after(
    state: &AppState,
    me: &AuthUser,
    conversation: ConversationId,
    after: i64,
    limit: Option<i64>,
) -> AppResult<(Vec<Message>, bool)> {
    let limit = limit.unwrap_or(HISTORY_DEFAULT);
    if !(1..=HISTORY_MAX).contains(&limit) {
        return Err(AppError::field("limit", "Use a limit from 1 to 100."));
    }
    if after < 0 {
        return Err(AppError::field("changed_after", "Use a rev number."));
    }
    if !state.db.is_member(conversation, me.user.id).await? {
        return Err(AppError::NotFound);
    }
    Ok(state.db.changed_after(conversation, after, limit).await?)
}

/// After the commit: tells every member's connections (but `from`, which its caller answers)
/// of each message the change touched, and returns `message` as it is now.
async fn announce(
    state: &AppState,
    conversation: ConversationId,
    message: MessageId,
    change: Change,
    from: Option<ConnId>,
) -> AppResult<Message> {
    let ids = if change.changed.is_empty() {
        vec![message]
    } else {
        change.changed.clone()
    };
    let current = state.db.messages_by_ids(conversation, &ids).await?;
    if !change.changed.is_empty() {
        let members = state.db.member_ids(conversation).await?;
        let skip = from.map(|conn| (conn, message));
        state.fanout.changed(&members, conversation, &current, skip);
    }
    current
        .into_iter()
        .find(|m| m.id == message)
        .ok_or(AppError::NotFound)
}

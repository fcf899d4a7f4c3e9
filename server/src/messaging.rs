//! Conversations and messages: the rules, and who hears about what. The HTTP API and the
//! WebSocket frames both call these, so a message sent either way behaves the same.

use crate::auth::AuthUser;
use crate::db::{Created, HistoryQuery, NewMessage, Stored};
use crate::error::{AppError, AppResult};
use crate::realtime::ConnId;
use crate::state::AppState;
use shared::ws::ServerMsg;
use shared::{
    validate, AroundPage, Conversation, ConversationId, CreateConversationRequest, Message,
    MessageId, UserId,
};
use uuid::Uuid;

pub const HISTORY_DEFAULT: i64 = 50;
pub const HISTORY_MAX: i64 = 100;
/// People in one group, its creator included: a large team or a class. Every member is listed
/// in the conversation itself (about 100 KB at this size).
pub const GROUP_MAX_MEMBERS: usize = 1000;

pub async fn create_conversation(
    state: &AppState,
    me: &AuthUser,
    req: CreateConversationRequest,
) -> AppResult<(Conversation, Created)> {
    let mut others: Vec<UserId> = req
        .member_ids
        .into_iter()
        .filter(|id| *id != me.user.id)
        .collect();
    others.sort();
    others.dedup();
    if others.is_empty() {
        return Err(AppError::field(
            "member_ids",
            "Choose at least one other person.",
        ));
    }
    if others.len() >= GROUP_MAX_MEMBERS {
        return Err(AppError::field(
            "member_ids",
            "A group holds at most 1,000 people.",
        ));
    }
    let title = validate::title(req.title.as_deref()).map_err(|e| AppError::field("title", e))?;
    if state.db.users_by_ids(&others).await?.len() != others.len() {
        return Err(AppError::field(
            "member_ids",
            "Some of these people do not exist.",
        ));
    }
    let (id, created) = match others.as_slice() {
        [other] => state.db.find_or_create_direct(me.user.id, *other).await?,
        _ => {
            state
                .auth
                .limits
                .create_group(&state.db, me.user.id)
                .await?;
            let id = state.db.create_group(me.user.id, &others, title.as_deref());
            (id.await?, Created::New)
        }
    };
    let conversation = state
        .db
        .conversation(id, me.user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if created == Created::New {
        state.fanout.conversation(&conversation).await;
    }
    Ok((conversation, created))
}

pub async fn conversation(
    state: &AppState,
    me: &AuthUser,
    id: ConversationId,
) -> AppResult<Conversation> {
    state
        .db
        .conversation(id, me.user.id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn history(
    state: &AppState,
    me: &AuthUser,
    id: ConversationId,
    before: Option<i64>,
    after: Option<i64>,
    limit: Option<i64>,
) -> AppResult<(Vec<Message>, bool)> {
    let limit = limit.unwrap_or(HISTORY_DEFAULT);
    if !(1..=HISTORY_MAX).contains(&limit) {
        return Err(AppError::field("limit", "Use a limit from 1 to 100."));
    }
    if before.is_some_and(|b| b < 1) || after.is_some_and(|a| a < 0) {
        return Err(AppError::field(
            "before",
            "Cursors are message seq numbers.",
        ));
    }
    if !state.db.is_member(id, me.user.id).await? {
        return Err(AppError::NotFound);
    }
    Ok(state
        .db
        .messages(
            id,
            HistoryQuery {
                before,
                after,
                limit,
            },
        )
        .await?)
}

/// The page of `limit` messages (default 50) centred on `seq`, `seq` included: half older and
/// half newer, the other side filling in near either end, so a `seq` past the newest gives the
/// newest page. For opening a conversation at one message (a search result).
pub async fn around(
    state: &AppState,
    me: &AuthUser,
    id: ConversationId,
    seq: i64,
    limit: Option<i64>,
) -> AppResult<AroundPage> {
    let limit = limit.unwrap_or(HISTORY_DEFAULT);
    if !(1..=HISTORY_MAX).contains(&limit) {
        return Err(AppError::field("limit", "Use a limit from 1 to 100."));
    }
    if seq < 1 {
        return Err(AppError::field(
            "around",
            "Use a message's seq number (1 or more).",
        ));
    }
    if !state.db.is_member(id, me.user.id).await? {
        return Err(AppError::NotFound);
    }
    let older = |limit| HistoryQuery {
        before: Some(seq.saturating_add(1)),
        after: None,
        limit,
    };
    let (mut messages, mut has_more_before) =
        state.db.messages(id, older(limit - limit / 2)).await?;
    let newer = HistoryQuery {
        before: None,
        after: Some(seq),
        limit: limit - messages.len() as i64,
    };
    let (newer, has_more_after) = state.db.messages(id, newer).await?;
    if messages.len() + newer.len() < limit as usize && has_more_before {
        // Near the newest: the older side takes the room left.
        (messages, has_more_before) = state
            .db
            .messages(id, older(limit - newer.len() as i64))
            .await?;
    }
    messages.extend(newer);
    Ok(AroundPage {
        messages,
        has_more_before,
        has_more_after,
    })
}

pub struct Outgoing {
    pub conversation_id: ConversationId,
    pub client_id: Uuid,
    pub text: Option<String>,
    pub img: Option<String>,
    /// A message of the same conversation this one answers.
    pub reply_to: Option<MessageId>,
    /// A file's URL from `POST /api/files`.
    pub file: Option<String>,
}

/// Stores a message and delivers it to every open connection of every member, except the
/// sending connection (which gets an `ack` from its caller). A repeated `client_id` returns the
/// first message and delivers nothing again.
pub async fn send(
    state: &AppState,
    me: &AuthUser,
    out: Outgoing,
    from: Option<ConnId>,
) -> AppResult<(Message, Created)> {
    let text = out.text.unwrap_or_default();
    validate::message_text(&text).map_err(|e| AppError::field("text", e))?;
    let img = out.img.filter(|url| !url.trim().is_empty());
    let file = out.file.filter(|url| !url.trim().is_empty());
    if validate::is_blank(&text) && img.is_none() && file.is_none() {
        return Err(AppError::field("text", "Write something or attach a file."));
    }
    if img.is_some() && file.is_some() {
        return Err(AppError::field(
            "file",
            "Attach an image or a file, not both.",
        ));
    }
    if let Some(url) = &img {
        check_upload(state, me.user.id, url, Attached::Image).await?;
    }
    if let Some(url) = &file {
        check_upload(state, me.user.id, url, Attached::File).await?;
    }
    if let Some(quoted) = out.reply_to {
        if let Err(refused) = check_reply(state, me, out.conversation_id, quoted).await {
            // A retry whose quote was deleted meanwhile is still answered with the first.
            return match state.db.sent_message(me.user.id, out.client_id).await? {
                Some(first) if first.conversation_id == out.conversation_id => {
                    Ok((first, Created::Existing))
                }
                _ => Err(refused),
            };
        }
    }
    let new = NewMessage {
        conversation_id: out.conversation_id,
        sender_id: me.user.id,
        client_id: out.client_id,
        text,
        img,
        reply_to: out.reply_to,
        file,
    };
    let Stored {
        mut message,
        created,
        members,
    } = state.db.store_message(new).await?;
    // The batch stores rows; a quote, or a repeat's later changes, are read back (rare).
    if created == Created::Existing || (message.reply_to.is_none() && out.reply_to.is_some()) {
        let ids = [message.id];
        let current = state.db.messages_by_ids(message.conversation_id, &ids);
        if let Some(current) = current.await?.pop() {
            message = current;
        }
    }
    if created == Created::New {
        state.metrics.message_stored();
        // After the commit: nobody hears of a message that might still be lost.
        let members = match members {
            Some(members) => members,
            None => state.db.member_ids(message.conversation_id).await?,
        };
        state.fanout.message(&members, &message, from);
        state
            .fanout
            .wrote(message.conversation_id, message.sender_id, &members);
    }
    Ok((message, created))
}

/// A reply quotes a message of its own conversation that is not deleted. Strangers are told
/// only "not found", whatever the message.
async fn check_reply(
    state: &AppState,
    me: &AuthUser,
    conversation: ConversationId,
    quoted: MessageId,
) -> AppResult<()> {
    if !state.db.is_member(conversation, me.user.id).await? {
        return Err(AppError::NotFound);
    }
    match state.db.quotable(conversation, quoted).await {
        Err(crate::db::DbError::NotFound) => Err(AppError::field(
            "reply_to",
            "Reply to a message of this conversation.",
        )),
        other => Ok(other?),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Attached {
    /// `img`: from `POST /api/uploads`.
    Image,
    /// `file`: from `POST /api/files`.
    File,
}

/// An image or a file in a message must be an upload of its kind that this server issued to
/// the sender.
async fn check_upload(
    state: &AppState,
    sender: UserId,
    url: &str,
    kind: Attached,
) -> AppResult<()> {
    let refused = || match kind {
        Attached::Image => AppError::field("img", "Attach an image you uploaded to this server."),
        Attached::File => AppError::field("file", "Attach a file you uploaded to this server."),
    };
    let name = url.strip_prefix("/uploads/").ok_or_else(refused)?;
    if name.is_empty() || name.contains(|c: char| c == '/' || c.is_control()) {
        return Err(refused());
    }
    match state.db.upload(name).await? {
        Some(upload)
            if upload.owner == sender
                && upload.original_name.is_some() == (kind == Attached::File) =>
        {
            Ok(())
        }
        _ => Err(refused()),
    }
}

/// Moves the reader's position forward and tells every member's connections (the reader's other
/// tabs update their unread counts; the others can show "Seen").
pub async fn mark_read(
    state: &AppState,
    me: &AuthUser,
    id: ConversationId,
    seq: i64,
) -> AppResult<i64> {
    if seq < 0 {
        return Err(AppError::field("seq", "Use a message seq number."));
    }
    let stored = state.db.mark_read(id, me.user.id, seq).await?;
    let members = state.db.member_ids(id).await?;
    state.fanout.frame(
        &members,
        ServerMsg::Read {
            conversation_id: id,
            user_id: me.user.id,
            seq: stored,
        },
    );
    Ok(stored)
}

/// "Ana is typing...": relayed to the other members, never stored.
pub async fn typing(state: &AppState, me: &AuthUser, id: ConversationId) -> AppResult<()> {
    let members = state.db.member_ids(id).await?;
    if !members.contains(&me.user.id) {
        return Err(AppError::NotFound);
    }
    let others: Vec<UserId> = members.into_iter().filter(|m| *m != me.user.id).collect();
    state.fanout.frame(
        &others,
        ServerMsg::Typing {
            conversation_id: id,
            user_id: me.user.id,
        },
    );
    Ok(())
}

/// Takes the caller out of a group: from now on they receive nothing of it, and the members who
/// stay see the new membership.
pub async fn leave(state: &AppState, me: &AuthUser, id: ConversationId) -> AppResult<()> {
    state.db.leave(id, me.user.id).await.map_err(|e| match e {
        crate::db::DbError::Conflict(_) => {
            AppError::field("conversation", "A direct conversation cannot be left.")
        }
        other => other.into(),
    })?;
    let members = state.db.member_ids(id).await?;
    if let Some(first) = members.first() {
        if let Some(view) = state.db.conversation(id, *first).await? {
            state.fanout.conversation(&view).await;
        }
    }
    Ok(())
}

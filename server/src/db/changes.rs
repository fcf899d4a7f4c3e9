//! Messages that change after they are sent: edits, deletions and reactions. Each change takes
//! the next number of its conversation's `rev` in the transaction that makes it, and the rules
//! (who may, what is refused) are checked inside that transaction, so no race slips past them.

use super::DbResult;
use async_trait::async_trait;
use shared::{ConversationId, Message, MessageId, Reaction, ReplyTo, UserId, REPLY_QUOTE_CHARS};
use std::collections::HashMap;
use uuid::Uuid;

/// Why a change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Only the sender edits or deletes a message.
    NotSender,
    /// The message is deleted: it cannot be edited, reacted to or quoted.
    Deleted,
    /// Blank text on a message without an image or a file.
    Blank,
    /// A new emoji past [`shared::REACTIONS_MAX`] distinct ones.
    TooManyEmoji,
}

/// What a change did.
#[derive(Debug, Default)]
pub struct Change {
    /// The messages whose `rev` it raised: the one changed, then the replies quoting it. Empty
    /// when it changed nothing (a repeated delete, reaction or unreaction).
    pub changed: Vec<MessageId>,
    /// Uploads it stopped using (a deleted message's image or file); the caller deletes those nothing
    /// else uses. Not in the change's transaction: deleting an upload row waits for sends that
    /// use it, which must not wait for the conversation lock the change holds.
    pub dropped: Vec<String>,
}

/// Every change is made by someone who is a member of `conversation` now, on a message of it;
/// anything else is `NotFound`, like an unknown message.
#[async_trait]
pub trait Changes: Send + Sync {
    async fn edit_message(
        &self,
        conversation: ConversationId,
        message: MessageId,
        editor: UserId,
        text: &str,
    ) -> DbResult<Change>;
    async fn delete_message(
        &self,
        conversation: ConversationId,
        message: MessageId,
        by: UserId,
    ) -> DbResult<Change>;
    /// `key` is the emoji's comparison form (`shared::emoji::key`), `emoji` as sent.
    async fn react(
        &self,
        conversation: ConversationId,
        message: MessageId,
        user: UserId,
        emoji: &str,
        key: &str,
    ) -> DbResult<Change>;
    async fn unreact(
        &self,
        conversation: ConversationId,
        message: MessageId,
        user: UserId,
        key: &str,
    ) -> DbResult<Change>;
    /// Those of `ids` that are messages of `conversation`, in ascending `seq`.
    async fn messages_by_ids(
        &self,
        conversation: ConversationId,
        ids: &[MessageId],
    ) -> DbResult<Vec<Message>>;
    /// Messages with `rev` > `after`, ascending `rev`, at most `limit`; and whether more follow.
    async fn changed_after(
        &self,
        conversation: ConversationId,
        after: i64,
        limit: i64,
    ) -> DbResult<(Vec<Message>, bool)>;
    /// The message `sender` sent with `client_id`, if any (a retried send is answered with it).
    async fn sent_message(&self, sender: UserId, client_id: Uuid) -> DbResult<Option<Message>>;
    /// Whether a reply may quote `message`: `NotFound` unless it is in `conversation`,
    /// `Refused(Deleted)` when it is deleted.
    async fn quotable(&self, conversation: ConversationId, message: MessageId) -> DbResult<()>;
}

/// A row of `reactions`, read in the order they were made.
pub(super) struct ReactionRow {
    pub message_id: MessageId,
    pub emoji: String,
    pub key: String,
    pub user_id: UserId,
}

/// Puts each message's reactions on it: one entry per emoji (compared by key), in the order
/// each was first used, its people in the order they chose it. `rows` ascend by `id`.
pub(super) fn attach_reactions(messages: &mut [Message], rows: Vec<ReactionRow>) {
    let mut by_message: HashMap<MessageId, Vec<(String, Reaction)>> = HashMap::new();
    for row in rows {
        let emoji = by_message.entry(row.message_id).or_default();
        match emoji.iter_mut().find(|(key, _)| *key == row.key) {
            Some((_, reaction)) => reaction.user_ids.push(row.user_id),
            None => emoji.push((
                row.key,
                Reaction {
                    emoji: row.emoji,
                    user_ids: vec![row.user_id],
                },
            )),
        }
    }
    for message in messages {
        if let Some(reactions) = by_message.remove(&message.id) {
            message.reactions = reactions.into_iter().map(|(_, r)| r).collect();
        }
    }
}

/// The quote a reply carries, from the quoted message's columns (all present or none).
pub(super) fn reply_to(
    id: MessageId,
    seq: Option<i64>,
    sender: Option<i64>,
    text: Option<String>,
) -> Option<ReplyTo> {
    Some(ReplyTo {
        id,
        seq: seq?,
        sender_id: UserId(sender?),
        text: text?.chars().take(REPLY_QUOTE_CHARS).collect(),
    })
}

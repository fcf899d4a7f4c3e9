//! Message search: the words of what was typed, found by prefix in the texts of the messages of
//! the searcher's conversations, newest first. Each backend keeps a full-text index that its
//! own triggers or expression keep in step with sends, edits and deletions.

use super::DbResult;
use async_trait::async_trait;
use shared::{ConversationId, Message, MessageId, Timestamp, UserId};

/// One page of a search.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// As typed: every word of it must begin a word of the message (in any case).
    pub text: String,
    pub searcher: UserId,
    /// Only this conversation; the caller has checked that `searcher` is a member.
    pub conversation: Option<ConversationId>,
    /// Only messages older than this one, by (`created_at`, `id`).
    pub before: Option<(Timestamp, MessageId)>,
    pub limit: i64,
}

#[async_trait]
pub trait Search: Send + Sync {
    /// Messages that are not deleted, of conversations `searcher` is a member of now, whose
    /// current text holds every word of `text` as the beginning of a word; newest first by
    /// (`created_at`, `id`), at most `limit`, and whether more follow.
    async fn search_messages(&self, query: &SearchQuery) -> DbResult<(Vec<Message>, bool)>;
}

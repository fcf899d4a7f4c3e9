//! Message search with the GIN index `messages_search` (PostgreSQL).

use super::*;

/// The words typed, split and folded exactly as the index splits and folds a message (the same
/// function), each made a prefix, all required: `'meet':* & 'été':*`. NULL when nothing typed
/// is a word, which then matches nothing.
const QUERY_WORDS: &str = "
    (SELECT string_agg('''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || ''':*', ' & ')::tsquery
       FROM unnest(message_search_words($1)))";

#[async_trait]
impl Search for PgStore {
    async fn search_messages(&self, query: &SearchQuery) -> DbResult<(Vec<Message>, bool)> {
        // A NUL cannot be stored in a text, so no message holds one.
        if query.text.contains('\0') {
            return Ok((Vec::new(), false));
        }
        // The searcher's conversations are read first, as a list: the planner then ANDs one
        // scan of the word index with one of the conversations' messages (a join would scan
        // the word index once per conversation, 5x slower for a common word at a million
        // messages). Pages follow `created_at` as the API shows it, to the millisecond, so
        // that the cursor, made of what a message shows, names a place in this order exactly.
        let rows = sqlx::query(&format!(
            "{SELECT_MESSAGES}
             WHERE message_search_words(m.text) @@ {QUERY_WORDS}
               AND m.conversation_id = ANY (ARRAY(SELECT conversation_id FROM user_conversations WHERE user_id = $2))
               AND NOT m.deleted
               AND ($3::uuid IS NULL OR m.conversation_id = $3)
               AND ($4::timestamptz IS NULL OR (date_trunc('milliseconds', m.created_at), m.id) < ($4, $5::uuid))
             ORDER BY date_trunc('milliseconds', m.created_at) DESC, m.id DESC
             LIMIT $6"
        ))
        .bind(&query.text)
        .bind(query.searcher.0)
        .bind(query.conversation.map(|c| c.0))
        .bind(query.before.map(|(at, _)| to_datetime(at)))
        .bind(query.before.map(|(_, id)| id.0))
        .bind(query.limit + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut page = rows.iter().map(message).collect::<DbResult<Vec<_>>>()?;
        let more = page.len() as i64 > query.limit;
        page.truncate(query.limit as usize);
        self.with_reactions(&mut page).await?;
        Ok((page, more))
    }
}

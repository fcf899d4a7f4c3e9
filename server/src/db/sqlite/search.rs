//! Message search with the FTS5 index `messages_search` (SQLite).

use super::*;

#[async_trait]
impl Search for SqliteStore {
    async fn search_messages(&self, query: &SearchQuery) -> DbResult<(Vec<Message>, bool)> {
        let Some(words) = fts::prefixes(&query.text) else {
            return Ok((Vec::new(), false));
        };
        // The index answers which rows hold the words; membership, deletion and the page are
        // checked on those rows, which the sort then orders.
        let rows = sqlx::query(&format!(
            "{SELECT_MESSAGES}
             JOIN user_conversations mine ON mine.conversation_id = m.conversation_id AND mine.user_id = ?2
             WHERE m.rowid IN (SELECT rowid FROM messages_search WHERE messages_search MATCH ?1)
               AND NOT m.deleted
               AND (?3 IS NULL OR m.conversation_id = ?3)
               AND (?4 IS NULL OR m.created_at < ?4 OR (m.created_at = ?4 AND m.id < ?5))
             ORDER BY m.created_at DESC, m.id DESC
             LIMIT ?6"
        ))
        .bind(words)
        .bind(query.searcher.0)
        .bind(query.conversation.map(|c| c.to_string()))
        .bind(query.before.map(|(at, _)| at.0))
        .bind(query.before.map(|(_, id)| id.0.to_string()))
        .bind(query.limit + 1)
        .fetch_all(&self.read)
        .await?;
        let mut page = rows.iter().map(message).collect::<DbResult<Vec<_>>>()?;
        let more = page.len() as i64 > query.limit;
        page.truncate(query.limit as usize);
        self.with_reactions(&mut page).await?;
        Ok((page, more))
    }
}

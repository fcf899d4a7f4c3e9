//! Message search (`GET /api/search/messages`): checks what was asked, finds the page in the
//! database and cuts a plain-text snippet around the first match of each result.

use crate::auth::AuthUser;
use crate::db::SearchQuery;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use base64::Engine;
use shared::{ConversationId, MessageId, SearchPage, SearchResult, Timestamp, SNIPPET_CHARS};

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 50;
/// Longer searches are refused: no word is that long, and every word costs an index lookup.
pub const MAX_QUERY_CHARS: usize = 200;
/// Characters of a long text shown before its first match.
const CONTEXT_BEFORE: usize = 60;

pub struct Asked {
    pub q: Option<String>,
    pub conversation_id: Option<ConversationId>,
    pub before: Option<String>,
    pub limit: Option<i64>,
}

pub async fn messages(state: &AppState, me: &AuthUser, asked: Asked) -> AppResult<SearchPage> {
    let text = asked.q.unwrap_or_default();
    if shared::validate::is_blank(&text) {
        return Err(AppError::field("q", "Type something to search for."));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::field(
            "q",
            format!("Search for at most {MAX_QUERY_CHARS} characters."),
        ));
    }
    let limit = asked.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::field(
            "limit",
            format!("Use a limit from 1 to {MAX_LIMIT}."),
        ));
    }
    let before = match asked.before.as_deref() {
        None => None,
        Some(cursor) => Some(
            read_cursor(cursor)
                .ok_or_else(|| AppError::field("before", "Pass back a `next` from a search."))?,
        ),
    };
    if let Some(id) = asked.conversation_id {
        if !state.db.is_member(id, me.user.id).await? {
            return Err(AppError::NotFound);
        }
    }
    let (messages, more) = state
        .db
        .search_messages(&SearchQuery {
            text: text.clone(),
            searcher: me.user.id,
            conversation: asked.conversation_id,
            before,
            limit,
        })
        .await?;
    let next = match messages.last() {
        Some(last) if more => Some(cursor(last.created_at, last.id)),
        _ => None,
    };
    let words = words(&text);
    let results = messages
        .into_iter()
        .map(|message| SearchResult {
            snippet: snippet(&message.text, &words),
            message,
        })
        .collect();
    Ok(SearchPage { results, next })
}

/// The place after a message in the order of results. Opaque to clients; it is not signed
/// because it only narrows a search that membership already bounds.
fn cursor(at: Timestamp, id: MessageId) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}:{}", at.0, id.0))
}

fn read_cursor(cursor: &str) -> Option<(Timestamp, MessageId)> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (at, id) = text.split_once(':')?;
    Some((Timestamp(at.parse().ok()?), MessageId(id.parse().ok()?)))
}

/// Case folding for finding a match in a snippet, as both indexes fold (final sigma included).
fn fold(c: char) -> impl Iterator<Item = char> {
    c.to_lowercase().map(|c| if c == 'ς' { 'σ' } else { c })
}

/// The words of a search, folded: runs of letters and digits.
fn words(text: &str) -> Vec<Vec<char>> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().flat_map(fold).collect())
        .collect()
}

/// Where (in characters of `text`) the first word that begins with one of `words` starts; else
/// where one of them first appears at all.
fn first_match(text: &[char], words: &[Vec<char>]) -> Option<usize> {
    // Each folded character with the index of the character of `text` it came from.
    let folded: Vec<(char, usize)> = text
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| fold(c).map(move |f| (f, i)))
        .collect();
    let matches_at = |p: usize| {
        words.iter().any(|w| {
            folded.len() - p >= w.len()
                && folded[p..p + w.len()]
                    .iter()
                    .map(|f| f.0)
                    .eq(w.iter().copied())
        })
    };
    let starts_word = |p: usize| p == 0 || !folded[p - 1].0.is_alphanumeric();
    let found = (0..folded.len())
        .find(|&p| starts_word(p) && matches_at(p))
        .or_else(|| (0..folded.len()).find(|&p| matches_at(p)))?;
    Some(folded[found].1)
}

/// `text` itself when it is short enough; otherwise [`SNIPPET_CHARS`] characters around its
/// first match, "…" marking each end where it was cut.
pub fn snippet(text: &str, words: &[Vec<char>]) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= SNIPPET_CHARS {
        return text.to_owned();
    }
    let at = first_match(&chars, words).unwrap_or(0);
    let (start, end) = if at <= CONTEXT_BEFORE {
        (0, SNIPPET_CHARS - 1)
    } else if at - CONTEXT_BEFORE + SNIPPET_CHARS - 1 >= chars.len() {
        (chars.len() - (SNIPPET_CHARS - 1), chars.len())
    } else {
        let start = at - CONTEXT_BEFORE;
        (start, start + SNIPPET_CHARS - 2)
    };
    let mut cut = String::new();
    if start > 0 {
        cut.push('…');
    }
    cut.extend(&chars[start..end]);
    if end < chars.len() {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let id = MessageId(uuid::Uuid::new_v4());
        let cursor = cursor(Timestamp(1_700_000_000_123), id);
        assert_eq!(
            read_cursor(&cursor),
            Some((Timestamp(1_700_000_000_123), id))
        );
        assert_eq!(read_cursor("nope"), None);
        assert_eq!(read_cursor(""), None);
    }

    #[test]
    fn short_texts_are_their_own_snippet() {
        assert_eq!(snippet("Let us meet", &words("meet")), "Let us meet");
    }

    #[test]
    fn long_texts_are_cut_around_the_first_word_match() {
        let text = format!("{} ΜΕΓΆΛΟΣ λόγος {}", "a".repeat(300), "b".repeat(300));
        let cut = snippet(&text, &words("μεγάλος"));
        assert_eq!(cut.chars().count(), SNIPPET_CHARS);
        assert!(cut.starts_with('…') && cut.ends_with('…'));
        assert!(cut.contains("ΜΕΓΆΛΟΣ λόγος"));

        let start = snippet(&format!("meet {}", "x".repeat(300)), &words("MEET"));
        assert!(start.starts_with("meet ") && start.ends_with('…'));
        assert_eq!(start.chars().count(), SNIPPET_CHARS);

        let end = snippet(&format!("{} été", "x".repeat(300)), &words("ÉTÉ"));
        assert!(end.starts_with('…') && end.ends_with(" été"));
        assert_eq!(end.chars().count(), SNIPPET_CHARS);
    }
}

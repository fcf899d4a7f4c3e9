//! User search text as an FTS5 query: always one quoted phrase, so nothing typed is read as
//! query syntax (`OR`, `NEAR(`, `*`, `col:`, `^`, `-` are only characters to find).

/// The phrase that finds `text` as a substring with the trigram index. `None` when it holds a
/// NUL, which SQLite would take as the end of the query ("unterminated string"): no name holds
/// one, so such a search finds no one.
pub fn phrase(text: &str) -> Option<String> {
    if text.contains('\0') {
        return None;
    }
    Some(format!("\"{}\"", text.replace('"', "\"\"")))
}

#[cfg(test)]
mod tests {
    use super::phrase;

    #[test]
    fn text_is_one_quoted_phrase() {
        assert_eq!(phrase("ana").as_deref(), Some(r#""ana""#));
        assert_eq!(phrase(r#"say "hi""#).as_deref(), Some(r#""say ""hi""""#));
        assert_eq!(phrase("a OR b*").as_deref(), Some(r#""a OR b*""#));
        assert_eq!(phrase("nul\0byte"), None);
    }
}

//! Search text as FTS5 queries: always quoted phrases, so nothing typed is read as query syntax
//! (`OR`, `NEAR(`, `*`, `col:`, `^`, `-` are only characters to find).

/// The phrase that finds `text` as a substring with the trigram index. `None` when it holds a
/// NUL, which SQLite would take as the end of the query ("unterminated string"): no name holds
/// one, so such a search finds no one.
pub fn phrase(text: &str) -> Option<String> {
    if text.contains('\0') {
        return None;
    }
    Some(format!("\"{}\"", text.replace('"', "\"\"")))
}

/// The query that finds messages holding every word of `text` as the beginning of a word: one
/// prefix phrase per piece between spaces (the index's tokenizer splits "foo-bar" into the
/// phrase "foo bar*"). `None` when no piece holds a letter or digit, or `text` holds a NUL.
pub fn prefixes(text: &str) -> Option<String> {
    let pieces: Vec<String> = text
        .split_whitespace()
        .filter(|piece| piece.chars().any(char::is_alphanumeric))
        .map(|piece| Some(format!("{}*", phrase(piece)?)))
        .collect::<Option<_>>()?;
    (!pieces.is_empty()).then(|| pieces.join(" "))
}

#[cfg(test)]
mod tests {
    use super::{phrase, prefixes};

    #[test]
    fn every_word_is_a_quoted_prefix() {
        assert_eq!(prefixes("meet").as_deref(), Some(r#""meet"*"#));
        assert_eq!(
            prefixes("  a OR b*  \"x\" ").as_deref(),
            Some(r#""a"* "OR"* "b*"* """x"""*"#)
        );
        assert_eq!(prefixes("!! ?").as_deref(), None);
        assert_eq!(prefixes("nul\0byte"), None);
    }

    #[test]
    fn text_is_one_quoted_phrase() {
        assert_eq!(phrase("ana").as_deref(), Some(r#""ana""#));
        assert_eq!(phrase(r#"say "hi""#).as_deref(), Some(r#""say ""hi""""#));
        assert_eq!(phrase("a OR b*").as_deref(), Some(r#""a OR b*""#));
        assert_eq!(phrase("nul\0byte"), None);
    }
}

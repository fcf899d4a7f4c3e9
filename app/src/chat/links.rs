//! Links in a message's text: `http` and `https` addresses become links that open in a new tab.
//! The text is written out as escaped HTML, so nothing a sender types is ever read as markup.

/// The message's text as HTML: everything escaped, addresses wrapped in `<a>`.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some((before, link, after)) = next_link(rest) {
        escape_into(&mut out, before);
        out.push_str("<a href=\"");
        escape_into(&mut out, link);
        out.push_str("\" target=\"_blank\" rel=\"noopener noreferrer\">");
        escape_into(&mut out, link);
        out.push_str("</a>");
        rest = after;
    }
    escape_into(&mut out, rest);
    out
}

/// The first address in `text`: what comes before it, the address, and what follows.
fn next_link(text: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    loop {
        let at = from + text[from..].find("http")?;
        let tail = &text[at..];
        let scheme = ["https://", "http://"]
            .into_iter()
            .find(|s| tail.starts_with(s))
            .map(str::len);
        // Only at the start of a word: "xhttp://" is not a link.
        let word_start = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || "([<\"'".contains(c));
        if let (Some(scheme), true) = (scheme, word_start) {
            let end = tail
                .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
                .unwrap_or(tail.len());
            // Punctuation that ends a sentence is not part of the address.
            let link = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'']);
            if link.len() > scheme {
                return Some((&text[..at], link, &tail[link.len()..]));
            }
        }
        from = at + 4;
    }
}

pub(super) fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::html;

    const A: &str = "target=\"_blank\" rel=\"noopener noreferrer\"";

    #[test]
    fn addresses_become_links_that_open_in_a_new_tab() {
        assert_eq!(
            html("see https://example.com/a?b=1&c=2 now"),
            format!("see <a href=\"https://example.com/a?b=1&amp;c=2\" {A}>https://example.com/a?b=1&amp;c=2</a> now")
        );
        assert_eq!(
            html("http://x.org"),
            format!("<a href=\"http://x.org\" {A}>http://x.org</a>")
        );
    }

    #[test]
    fn sentence_punctuation_stays_outside_the_link() {
        assert_eq!(
            html("(look: https://example.com/x)."),
            format!("(look: <a href=\"https://example.com/x\" {A}>https://example.com/x</a>).")
        );
    }

    #[test]
    fn other_schemes_and_bare_words_stay_text() {
        assert_eq!(html("javascript:alert(1)"), "javascript:alert(1)");
        assert_eq!(
            html("xhttps://a.b http:// https"),
            "xhttps://a.b http:// https"
        );
        assert_eq!(html("ftp://a.b"), "ftp://a.b");
    }

    #[test]
    fn markup_is_shown_as_text() {
        assert_eq!(
            html("<b>hi</b> & \"you\" 'x'"),
            "&lt;b&gt;hi&lt;/b&gt; &amp; &quot;you&quot; &#39;x&#39;"
        );
        assert_eq!(
            html("https://a.b/\"onclick=\"x"),
            format!("<a href=\"https://a.b/\" {A}>https://a.b/</a>&quot;onclick=&quot;x")
        );
        assert_eq!(
            html("https://a.b/<script>"),
            format!("<a href=\"https://a.b/\" {A}>https://a.b/</a>&lt;script&gt;")
        );
    }

    #[test]
    fn several_links_and_unicode_around_them() {
        assert_eq!(
            html("é https://a.b ü http://c.d"),
            format!("é <a href=\"https://a.b\" {A}>https://a.b</a> ü <a href=\"http://c.d\" {A}>http://c.d</a>")
        );
    }
}

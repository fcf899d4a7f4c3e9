//! Message search: the "Search messages" field, its results with the words found marked, and
//! opening a result's conversation at that message.

use super::links::escape_into;
use super::{bubble::name_of, clock_time, now_ms, Chat};
use leptos::prelude::*;
use shared::SearchResult;

/// How long typing must pause before the search goes out.
const PAUSE_MS: u32 = 250;

/// The answer for the query as typed last.
#[derive(Clone, Default)]
struct Found {
    results: Vec<SearchResult>,
    next: Option<String>,
}

#[component]
pub fn MessageSearch(chat: Chat) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Found>);
    let asked = StoredValue::new(0u32);
    // `before`: the cursor of the page to add; `None` starts a new search.
    let fetch = move |q: String, before: Option<String>| {
        let n = asked.get_value() + 1;
        asked.set_value(n);
        if q.trim().is_empty() {
            found.set(None);
            return;
        }
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            if before.is_none() {
                gloo_timers::future::TimeoutFuture::new(PAUSE_MS).await;
            }
            let mut url = format!(
                "/api/search/messages?q={}",
                js_sys::encode_uri_component(&q)
            );
            if let Some(cursor) = &before {
                url.push_str(&format!("&before={}", js_sys::encode_uri_component(cursor)));
            }
            let page = super::http::get::<shared::SearchPage>(&url).await;
            // A later query (or the same one typed on) wins.
            if asked.get_value() != n {
                return;
            }
            let page = page.unwrap_or(shared::SearchPage {
                results: Vec::new(),
                next: None,
            });
            let mut shown = match before {
                Some(_) => found.get_untracked().unwrap_or_default(),
                None => Found::default(),
            };
            shown.results.extend(page.results);
            shown.next = page.next;
            found.set(Some(shown));
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (before, PAUSE_MS);
    };
    let open = move |result: &SearchResult| {
        let m = &result.message;
        chat.open_at(m.conversation_id, m.seq);
        query.set(String::new());
        fetch(String::new(), None);
    };
    let item = move |result: SearchResult| {
        let m = &result.message;
        let title = chat
            .conversation(m.conversation_id)
            .map(|c| chat.title_of(&c))
            .unwrap_or_default();
        let who = name_of(chat, m.conversation_id, m.sender_id);
        let when = clock_time(m.created_at, now_ms());
        let text = marked(&result.snippet, &query.get_untracked());
        view! {
            <li>
                <button type="button" class="found" on:click=move |_| open(&result)>
                    <span class="found-where">
                        <span class="found-title">{title}</span>
                        <span class="found-time">{when}</span>
                    </span>
                    <span class="found-text">
                        <span class="found-who">{format!("{who}: ")}</span>
                        <span inner_html=text></span>
                    </span>
                </button>
            </li>
        }
    };
    let results = move || {
        let Found { results, next } = found.get()?;
        let more = next.map(|cursor| {
            view! {
                <li>
                    <button
                        type="button"
                        class="more"
                        on:click=move |_| fetch(query.get_untracked(), Some(cursor.clone()))
                    >
                        "More results"
                    </button>
                </li>
            }
        });
        Some(view! {
            <ul class="search-results message-results" aria-label="Search results">
                {results.is_empty().then(|| view! { <li class="empty">"No messages found."</li> })}
                {results.into_iter().map(item).collect_view()}
                {more}
            </ul>
        })
    };
    view! {
        <div class="search">
            <input
                type="search"
                aria-label="Search messages"
                placeholder="Search messages"
                autocomplete="off"
                maxlength="200"
                prop:value=move || query.get()
                on:input=move |ev| {
                    let q = event_target_value(&ev);
                    query.set(q.clone());
                    fetch(q, None);
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" && !query.read_untracked().is_empty() {
                        ev.prevent_default();
                        query.set(String::new());
                        fetch(String::new(), None);
                    }
                }
            />
            {results}
        </div>
    }
}

/// `snippet` as HTML, escaped, with every word that begins with one of the query's words in
/// `<mark>`: the server sends plain text, and the client marks what was asked for.
pub fn marked(snippet: &str, query: &str) -> String {
    let words: Vec<String> = query
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(lower)
        .collect();
    let chars: Vec<char> = snippet.chars().collect();
    let mut out = String::with_capacity(snippet.len() + 32);
    let mut i = 0;
    while i < chars.len() {
        let starts_word = is_word_char(chars[i]) && (i == 0 || !is_word_char(chars[i - 1]));
        let hit = starts_word
            .then(|| words.iter().filter_map(|w| match_len(&chars[i..], w)).max())
            .flatten();
        match hit {
            Some(n) => {
                out.push_str("<mark>");
                escape_into(&mut out, &chars[i..i + n].iter().collect::<String>());
                out.push_str("</mark>");
                i += n;
            }
            None => {
                escape_into(&mut out, chars[i].encode_utf8(&mut [0; 4]));
                i += 1;
            }
        }
    }
    out
}

/// How many of `text`'s characters, from its start, spell `word` (lower case) in any case.
fn match_len(text: &[char], word: &str) -> Option<usize> {
    let mut rest = word;
    for (n, c) in text.iter().enumerate() {
        if rest.is_empty() {
            return Some(n);
        }
        rest = rest.strip_prefix(lower(&c.to_string()).as_str())?;
    }
    rest.is_empty().then_some(text.len())
}

/// Lower case, as the browser does it (so the WASM carries no Unicode case tables).
fn lower(text: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        String::from(js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        text.to_lowercase()
    }
}

/// Letters and digits make words; anything else separates them (as the server's index does).
fn is_word_char(c: char) -> bool {
    #[cfg(feature = "hydrate")]
    {
        // ASCII without asking the browser; Unicode letters and digits by its regular expression.
        c.is_ascii_alphanumeric()
            || (!c.is_ascii()
                && js_sys::RegExp::new(r"[\p{L}\p{N}]", "u").test(c.encode_utf8(&mut [0; 4])))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        c.is_alphanumeric()
    }
}

#[cfg(all(test, not(feature = "hydrate")))]
mod tests {
    use super::marked;

    #[test]
    fn words_are_marked_by_their_beginning_in_any_case() {
        assert_eq!(
            marked("Shall we meet tomorrow?", "MEET tom"),
            "Shall we <mark>meet</mark> <mark>tom</mark>orrow?"
        );
        assert_eq!(marked("Été à Paris", "été"), "<mark>Été</mark> à Paris");
        assert_eq!(marked("Привет, мир", "прив"), "<mark>Прив</mark>ет, мир");
    }

    #[test]
    fn only_the_beginning_of_a_word_is_marked() {
        assert_eq!(
            marked("summit meeting", "mee"),
            "summit <mark>mee</mark>ting"
        );
        assert_eq!(marked("commit", "mit"), "commit");
    }

    #[test]
    fn the_text_is_escaped_and_query_syntax_is_a_separator() {
        assert_eq!(
            marked("<b>bold</b> & more", "bold OR \"more\""),
            "&lt;b&gt;<mark>bold</mark>&lt;/b&gt; &amp; <mark>more</mark>"
        );
        assert_eq!(marked("nothing", "*"), "nothing");
        assert_eq!(marked("…end of it", "end"), "…<mark>end</mark> of it");
    }
}

//! A URL per conversation: `/c/{id}` opens it, on the server and in the browser alike, and the
//! address bar follows the open conversation, so a reload keeps it and back and forward move
//! between the conversations opened.

use super::Chat;
#[cfg(feature = "hydrate")]
use leptos::prelude::*;
use shared::{Conversation, ConversationId};

pub const PREFIX: &str = "/c/";

pub fn path_of(open: Option<ConversationId>) -> String {
    match open {
        Some(id) => format!("{PREFIX}{id}"),
        None => "/".into(),
    }
}

/// What the address asks to open: `None` for the chat's own address, `Some(None)` for a
/// conversation that is not in `list` (unknown, or not the viewer's: the same to them).
/// Compared as text, so the WASM carries no UUID parser.
pub fn wanted(path: &str, list: &[Conversation]) -> Option<Option<ConversationId>> {
    let id = path.strip_prefix(PREFIX)?;
    Some(list.iter().map(|c| c.id).find(|c| c.to_string() == id))
}

/// Keeps the address bar and the open conversation in step, both ways.
pub fn follow(chat: Chat) {
    #[cfg(feature = "hydrate")]
    {
        // Opened here: a new history entry (none when the address already says so).
        Effect::new(move |_| {
            let path = path_of(chat.open.get());
            let location = window().location();
            if location.pathname().ok().as_deref() != Some(path.as_str()) {
                if let Ok(history) = window().history() {
                    let _ = history.push_state_with_url(
                        &leptos::wasm_bindgen::JsValue::NULL,
                        "",
                        Some(&path),
                    );
                }
            }
        });
        // Back and forward: open what the address now says.
        // Untyped, as the live connection's listeners are: no second event binding in the WASM.
        window_event_listener_untyped("popstate", move |_| {
            let path = window().location().pathname().unwrap_or_default();
            let wanted = wanted(&path, &chat.conversations.read_untracked());
            match wanted {
                Some(Some(id)) => chat.open_conversation(id),
                _ => chat.open.set(None),
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = chat;
}

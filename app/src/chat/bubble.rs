//! One message in the open conversation: its text or image, the message it answers, its
//! reactions, and what can be done with it (reply, react, and for one's own: edit, delete).

use super::{clock_time, now_ms, Chat, Mode, Row, Status};
use crate::components::Avatar;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use shared::{ConversationId, Message, UserId};

/// The reactions the picker offers: the ones people use most.
const COMMON: [&str; 6] = ["👍", "❤️", "😂", "😮", "😢", "🎉"];

#[component]
pub fn Bubble(chat: Chat, row: Row, seen_seq: Signal<Option<i64>>) -> impl IntoView {
    let Row { item, grouped, day } = row;
    let message = item.message.clone();
    let mine = message.sender_id == chat.me_id();
    let sender = chat
        .conversation(message.conversation_id)
        .and_then(|c| c.members.into_iter().find(|m| m.id == message.sender_id));
    let (name, photo) = sender
        .map(|s| (s.display_name, s.photo_url))
        .unwrap_or(("?".into(), None));
    let time = clock_time(message.created_at, now_ms());
    let seq = message.seq;
    let status = item.status;
    let (conversation_id, client_id) = (message.conversation_id, message.client_id);
    let state = move || match status {
        Status::Pending => Some(Either::Left("Sending...")),
        Status::Failed => Some(Either::Right(view! {
            <span class="failed">"Not sent. "</span>
            <button type="button" class="retry" on:click=move |_| chat.retry(conversation_id, client_id)>
                "Retry"
            </button>
        })),
        Status::Sent if mine && seen_seq.get() == Some(seq) => Some(Either::Left("Seen")),
        Status::Sent => None,
    };
    // Not erased: a bubble is never redrawn in place (a change gives it a new key), so the
    // code to do that need not be in the WASM.
    let body = match (message.deleted, item.mode) {
        (true, _) => EitherOf3::A(view! { <p class="deleted">"Message deleted"</p> }),
        (false, Mode::Editing) => {
            EitherOf3::B(view! { <EditField chat message=message.clone() /> })
        }
        (false, mode) => EitherOf3::C(
            view! { <Body chat message=message.clone() mine sent=status == Status::Sent mode /> },
        ),
    };
    view! {
        {day.map(|day| view! { <h3 class="day">{day}</h3> })}
        <div
            class="message"
            class:own=mine
            class:grouped=grouped
            class:pending=status == Status::Pending
            id=(status == Status::Sent).then(|| format!("m{seq}"))
            tabindex="-1"
        >
            <div class="message-info">
                <Avatar name=name.clone() photo_url=photo />
                <span class="time">{time}</span>
            </div>
            <div class="message-content">
                <span class="visually-hidden">{format!("{name}: ")}</span>
                {body}
                {mine.then(|| view! { <span class="message-state">{state}</span> })}
            </div>
        </div>
    }
}

/// What a message that was not deleted shows, and what can be done with it.
#[component]
fn Body(chat: Chat, message: Message, mine: bool, sent: bool, mode: Mode) -> impl IntoView {
    let conversation = message.conversation_id;
    let quote = message.reply_to.clone().map(|quoted| {
        let who = name_of(chat, conversation, quoted.sender_id);
        let text = if !quoted.text.is_empty() {
            quoted.text
        } else if let Some(m) = chat.shown(conversation, quoted.seq).filter(|m| !m.deleted) {
            m.file.map_or_else(|| "Image".into(), |f| f.name)
        } else {
            "Message deleted".into()
        };
        view! {
            <button type="button" class="quote" on:click=move |_| chat.show_message(conversation, quoted.seq)>
                <span class="quote-name">{who}</span>
                <span class="quote-text">{text}</span>
            </button>
        }
    });
    // Escaped text with its links (see `links`).
    let text = (!message.text.is_empty())
        .then(|| view! { <p inner_html=super::links::html(&message.text)></p> });
    let file = message.file.clone().map(|f| {
        view! { <FileCard name=f.name size=f.bytes as f64 content_type=f.content_type url=f.url /> }
    });
    let image = message.img.clone().map(|src| {
        let full = src.clone();
        view! {
            <a href=full target="_blank" rel="noopener">
                <img src=src alt="Image" loading="lazy" />
            </a>
        }
    });
    let edited = message.edited_at.map(|at| {
        view! { <span class="edited" title=format!("Edited {}", clock_time(at, now_ms()))>"(edited)"</span> }
    });
    let me = chat.me_id();
    let reactions = message
        .reactions
        .iter()
        .map(|r| {
            let names: Vec<String> = r
                .user_ids
                .iter()
                .map(|u| name_of(chat, conversation, *u))
                .collect();
            let target = message.clone();
            let emoji = r.emoji.clone();
            view! {
                <button
                    type="button"
                    class="reaction"
                    aria-label=format!("{} by {}", r.emoji, names.join(", "))
                    aria-pressed=if r.user_ids.contains(&me) { "true" } else { "false" }
                    on:click=move |_| chat.toggle_reaction(&target, &emoji)
                >
                    {format!("{} {}", r.emoji, r.user_ids.len())}
                </button>
            }
        })
        .collect_view();
    let picker = (mode == Mode::Picking).then(|| {
        COMMON
            .iter()
            .map(|emoji| {
                let target = message.clone();
                view! {
                    <button type="button" on:click=move |_| chat.toggle_reaction(&target, emoji)>
                        {*emoji}
                    </button>
                }
            })
            .collect_view()
    });
    let actions = sent.then(|| {
        let (to_reply, to_pick, to_edit, to_delete) =
            (message.clone(), message.clone(), message.clone(), message.clone());
        let picking = mode == Mode::Picking;
        view! {
            <div class="actions">
                <button type="button" on:click=move |_| {
                    chat.replying.set(Some(to_reply.clone()));
                    super::focus_composer();
                }>"Reply"</button>
                <button
                    type="button"
                    aria-expanded=if picking { "true" } else { "false" }
                    on:click=move |_| chat.set_mode(&to_pick, if picking { Mode::Reading } else { Mode::Picking })
                >
                    "React"
                </button>
                {mine.then(|| view! {
                    <button type="button" on:click=move |_| chat.set_mode(&to_edit, Mode::Editing)>"Edit"</button>
                    <button type="button" on:click=move |_| chat.delete(&to_delete)>"Delete"</button>
                })}
            </div>
            {picker.map(|p| view! { <div class="picker" role="group" aria-label="Choose a reaction">{p}</div> })}
        }
    });
    view! {
        {quote}
        {text}
        {image}
        {file}
        {edited}
        {(!message.reactions.is_empty()).then(|| view! { <div class="reactions">{reactions}</div> })}
        {actions}
    }
}

/// The text being edited in place: Enter or "Save" keeps it, Escape or "Cancel" leaves it.
#[component]
fn EditField(chat: Chat, message: Message) -> impl IntoView {
    let field = NodeRef::<leptos::html::Textarea>::new();
    let (to_save, to_leave, to_cancel) = (message.clone(), message.clone(), message.clone());
    let save = move || {
        let text = field.get_untracked().map(|f| f.value()).unwrap_or_default();
        if text == to_save.text {
            chat.set_mode(&to_save, Mode::Reading);
        } else {
            chat.edit(&to_save, text);
        }
    };
    let save_too = save.clone();
    view! {
        <div class="edit">
            <textarea
                id="editing"
                aria-label="Edit message"
                rows="2"
                maxlength="4000"
                node_ref=field
                prop:value=message.text.clone()
                on:keydown=move |ev| match ev.key().as_str() {
                    "Enter" if !ev.shift_key() && !ev.is_composing() => {
                        ev.prevent_default();
                        save();
                    }
                    "Escape" => chat.set_mode(&to_leave, Mode::Reading),
                    _ => {}
                }
            ></textarea>
            <button type="button" on:click=move |_| save_too()>"Save"</button>
            <button type="button" on:click=move |_| chat.set_mode(&to_cancel, Mode::Reading)>"Cancel"</button>
        </div>
    }
}

/// A member's name as this conversation knows it.
pub fn name_of(chat: Chat, conversation: ConversationId, user: UserId) -> String {
    chat.conversation(conversation)
        .and_then(|c| c.members.into_iter().find(|m| m.id == user))
        .map_or_else(|| "Someone".into(), |m| m.display_name)
}

/// A file as a card: its name, type and size; chosen, it downloads (the server sends every file
/// as an attachment) when it has a URL.
#[component]
pub fn FileCard(
    name: String,
    size: f64,
    #[prop(optional)] content_type: Option<String>,
    #[prop(optional)] url: Option<String>,
) -> impl IntoView {
    let meta = match content_type {
        // The type without its parameters: "text/plain", not "text/plain; charset=utf-8".
        Some(t) => format!(
            "{} · {}",
            t.split(';').next().unwrap_or_default(),
            size_text(size)
        ),
        None => size_text(size),
    };
    let inner = view! {
        <span class="file-name">{name.clone()}</span>
        <span class="file-meta">{meta}</span>
    };
    match url {
        Some(url) => {
            Either::Left(view! { <a class="file-card" href=url download=name>{inner}</a> })
        }
        None => Either::Right(view! { <span class="file-card">{inner}</span> }),
    }
}

/// "512 B", "2.5 KB", "25.0 MB": a size as people read it, in steps of 1024.
pub fn size_text(bytes: f64) -> String {
    let (unit, name) = match bytes {
        b if b < 1024.0 => return format!("{} B", b as u64),
        b if b < 1024.0 * 1024.0 => (1024.0, "KB"),
        _ => (1024.0 * 1024.0, "MB"),
    };
    // Whole tenths, so that no float formatting code goes into the WASM.
    let tenths = (bytes * 10.0 / unit).round() as u64;
    format!("{}.{} {name}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::size_text;

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(size_text(0.0), "0 B");
        assert_eq!(size_text(1023.0), "1023 B");
        assert_eq!(size_text(1024.0), "1.0 KB");
        assert_eq!(size_text(2560.0), "2.5 KB");
        assert_eq!(size_text(1024.0 * 1024.0 - 1.0), "1024.0 KB");
        assert_eq!(size_text(25.0 * 1024.0 * 1024.0), "25.0 MB");
    }
}

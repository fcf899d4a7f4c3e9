//! One message in the open conversation: its text or image, the message it answers, its
//! reactions, and what can be done with it (reply, react, and for one's own: edit, delete).

use super::{clock_time, now_ms, Chat, Item, Mode, Status};
use crate::components::{erased, Avatar};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use shared::{ConversationId, Message, UserId};

/// The reactions the picker offers: the ones people use most.
const COMMON: [&str; 6] = ["👍", "❤️", "😂", "😮", "😢", "🎉"];

#[component]
pub fn Bubble(chat: Chat, item: Item, seen_seq: Signal<Option<i64>>) -> impl IntoView {
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
        Status::Pending => Some(erased("Sending...")),
        Status::Failed => Some(erased(view! {
            <span class="failed">"Not sent. "</span>
            <button type="button" class="retry" on:click=move |_| chat.retry(conversation_id, client_id)>
                "Retry"
            </button>
        })),
        Status::Sent if mine && seen_seq.get() == Some(seq) => Some(erased("Seen")),
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
        <div
            class="message"
            class:own=mine
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
        } else if chat.shown(conversation, quoted.seq).is_some_and(|m| !m.deleted) {
            "Image".into()
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
    let text = (!message.text.is_empty()).then(|| view! { <p>{message.text.clone()}</p> });
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

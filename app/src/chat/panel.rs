//! The open conversation: its header, its messages, and the input bar.

use super::bubble::{name_of, Bubble, FileCard};
use super::{now_ms, rows, use_chat, Chat, Link, Row, Status};
use crate::components::Avatar;
use leptos::either::Either;
use leptos::html::Div;
use leptos::prelude::*;
use shared::{ConversationId, ConversationKind, User};

#[component]
pub fn ChatPanel() -> impl IntoView {
    let chat = use_chat();
    view! {
        <section class="chat" aria-label="Conversation">
            <Header chat />
            <Messages chat />
            <InputBar chat />
        </section>
    }
}

#[component]
fn Header(chat: Chat) -> impl IntoView {
    let status = move || match chat.link.get() {
        Link::Online => None,
        Link::Connecting => Some("Connecting..."),
        Link::Reconnecting => Some("Reconnecting..."),
        Link::TooMany => Some("Too many open tabs: close one, then reload this page."),
    };
    let info = move || {
        let id = chat.open.get()?;
        let conversation = chat.conversation(id)?;
        let title = chat.title_of(&conversation);
        let me = chat.me_id();
        let others: Vec<User> = conversation
            .members
            .iter()
            .filter(|m| m.id != me)
            .cloned()
            .collect();
        Some((id, conversation.kind, title, others))
    };
    view! {
        <header class="chat-info">
            {move || match info() {
                None => Either::Left(view! { <span>"Select a conversation"</span> }),
                Some((id, kind, title, others)) => {
                    let subtitle = move || {
                        if let Some(who) = typing_name(chat, id) {
                            return format!("{who} is typing...");
                        }
                        match kind {
                            ConversationKind::Direct => {
                                let online = others.first().is_some_and(|o| chat.online.get().contains(&o.id));
                                if online { "online" } else { "offline" }.to_owned()
                            }
                            ConversationKind::Group => others.iter().map(|o| o.display_name.as_str()).collect::<Vec<_>>().join(", "),
                        }
                    };
                    let (avatar_name, photo) = match kind {
                        ConversationKind::Direct => {
                            let other = chat.conversation(id).and_then(|c| c.members.into_iter().find(|m| m.id != chat.me_id()));
                            other.map(|o| (o.display_name, o.photo_url)).unwrap_or((title.clone(), None))
                        }
                        ConversationKind::Group => (title.clone(), None),
                    };
                    Either::Right(view! {
                        <button
                            type="button"
                            class="back"
                            aria-label="Back to conversations"
                            on:click=move |_| chat.open.set(None)
                        >
                            "‹"
                        </button>
                        <Avatar name=avatar_name photo_url=photo size=32 />
                        <span class="chat-title">
                            <span class="chat-name">{title}</span>
                            <span class="chat-status">{subtitle}</span>
                        </span>
                    })
                }
            }}
            {move || status().map(|s| view! { <span class="link-status" role="status">{s}</span> })}
        </header>
    }
}

fn typing_name(chat: Chat, id: ConversationId) -> Option<String> {
    let (who, until) = chat.typing.read().get(&id).copied()?;
    if until < now_ms() {
        return None;
    }
    let conversation = chat.conversation(id)?;
    conversation
        .members
        .into_iter()
        .find(|m| m.id == who)
        .map(|m| m.display_name)
}

#[component]
fn Messages(chat: Chat) -> impl IntoView {
    let log = NodeRef::<Div>::new();
    let items = move || {
        let id = chat.open.get();
        id.map(|id| {
            let threads = chat.threads.read();
            threads
                .get(&id)
                .map(|t| t.items.clone())
                .unwrap_or_default()
        })
        .unwrap_or_default()
    };
    // Whether the view is at the newest message, and so should follow new ones.
    let at_bottom = RwSignal::new(true);
    let unseen = RwSignal::new(false);
    // Set while an older page loads: the height and position to keep the view steady.
    let anchor = StoredValue::new(None::<(i32, i32)>);
    let loading_older = StoredValue::new(false);
    let loading_newer = StoredValue::new(false);
    // Set while a newer page loads below: the reader stays where they are.
    let keep_place = StoredValue::new(false);
    let newest = move || items().last().map(|i| (i.message.client_id, i.status));
    Effect::new(move |previous: Option<Option<(uuid::Uuid, Status)>>| {
        let last = newest();
        let Some(el) = log.get() else { return last };
        if let Some((height, top)) = anchor.get_value() {
            // An older page went in above: keep what the reader was looking at in place.
            el.set_scroll_top(top + el.scroll_height() - height);
            anchor.set_value(None);
        } else if previous.flatten() != last {
            let own = items()
                .last()
                .is_some_and(|i| i.message.sender_id == chat.me_id());
            // Opened at an older message: the newest is not loaded, so there is no bottom yet.
            if chat.open_is_partial() || keep_place.get_value() {
                keep_place.set_value(false);
            } else if at_bottom.get_untracked() || own {
                el.set_scroll_top(el.scroll_height());
            } else {
                unseen.set(true);
            }
        }
        last
    });
    // A newly opened conversation starts at its newest message.
    Effect::new(move |_| {
        chat.open.track();
        at_bottom.set(true);
        unseen.set(false);
    });
    let on_scroll = move |_| {
        let Some(el) = log.get_untracked() else {
            return;
        };
        let bottom = el.scroll_height() - el.scroll_top() - el.client_height() < 40;
        at_bottom.set(bottom);
        if bottom {
            unseen.set(false);
            chat.read_open();
            let id = chat.open.get_untracked();
            if let (Some(id), true) = (id, chat.open_is_partial() && !loading_newer.get_value()) {
                loading_newer.set_value(true);
                keep_place.set_value(true);
                leptos::task::spawn_local(async move {
                    if !chat.load_newer(id).await {
                        keep_place.set_value(false);
                    }
                    loading_newer.set_value(false);
                });
            }
        }
        if el.scroll_top() < 80 && !loading_older.get_value() {
            let Some(id) = chat.open.get_untracked() else {
                return;
            };
            loading_older.set_value(true);
            anchor.set_value(Some((el.scroll_height(), el.scroll_top())));
            leptos::task::spawn_local(async move {
                if !chat.load_older(id).await {
                    anchor.set_value(None);
                }
                loading_older.set_value(false);
            });
        }
    };
    let jump = move |_| {
        if let Some(el) = log.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
        unseen.set(false);
    };
    let seen_seq = Signal::derive(move || {
        let id = chat.open.get()?;
        let conversation = chat.conversation(id)?;
        if conversation.kind != ConversationKind::Direct {
            return None;
        }
        let other = conversation
            .members
            .iter()
            .find(|m| m.id != chat.me_id())?
            .id;
        let read = chat.seen.read().get(&(id, other)).copied()?;
        // "Seen" goes under the newest of my messages the other person has read, only.
        let me = chat.me_id();
        items()
            .iter()
            .filter(|i| {
                i.status == Status::Sent && i.message.sender_id == me && i.message.seq <= read
            })
            .map(|i| i.message.seq)
            .max()
    });
    view! {
        <div class="messages-wrap">
            // Focusable, so the keyboard can scroll the history.
            <div
                class="messages"
                role="log"
                aria-label="Messages"
                tabindex="0"
                node_ref=log
                on:scroll=on_scroll
            >
                <For
                    each=move || rows(items(), now_ms())
                    key=Row::key
                    children=move |row: Row| view! { <Bubble chat row seen_seq /> }
                />
            </div>
            {move || unseen.get().then(|| view! {
                <button type="button" class="new-messages" on:click=jump>
                    "New messages"
                </button>
            })}
        </div>
    }
}

/// What goes with the next message: an image (shown inline; its preview's object URL) or any
/// other file (sent as a card with its name and size).
#[derive(Clone, PartialEq)]
enum Chosen {
    Image(String),
    File { name: String, bytes: f64 },
}

/// The types the server takes as images; anything else goes as a file.
const IMAGE_TYPES: &str = "image/png,image/jpeg,image/gif,image/webp";

#[component]
fn InputBar(chat: Chat) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let file_input = NodeRef::<leptos::html::Input>::new();
    // The chosen image or file, the upload's progress, and its error.
    let chosen = RwSignal::new(None::<Chosen>);
    let progress = RwSignal::new(None::<f64>);
    let problem = RwSignal::new(None::<String>);
    let blank = move || shared::validate::is_blank(&draft.read()) && chosen.read().is_none();
    let last_typing = StoredValue::new(0.0f64);
    let clear_chosen = move || {
        if let Some(Chosen::Image(_url)) = chosen.get_untracked() {
            #[cfg(feature = "hydrate")]
            let _ = web_sys::Url::revoke_object_url(&_url);
        }
        chosen.set(None);
        if let Some(input) = file_input.get_untracked() {
            input.set_value("");
        }
    };
    let submit = move || {
        let Some(id) = chat.open.get_untracked() else {
            return;
        };
        let text = draft.get_untracked();
        if shared::validate::message_text(&text).is_err() || progress.get_untracked().is_some() {
            return;
        }
        let Some(what) = chosen.get_untracked() else {
            if !shared::validate::is_blank(&text) {
                chat.send_message(id, text, None, None);
                draft.set(String::new());
                super::ask_notification_permission();
            }
            return;
        };
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = file_input
                .get_untracked()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            else {
                return;
            };
            problem.set(None);
            progress.set(Some(0.0));
            leptos::task::spawn_local(async move {
                let on_progress = move |p| progress.set(Some(p));
                let uploaded = match what {
                    Chosen::Image(_) => super::http::upload_image(file, on_progress)
                        .await
                        .map(|url| (Some(url), None)),
                    Chosen::File { .. } => super::http::upload_file(file, on_progress)
                        .await
                        .map(|file| (None, Some(file))),
                };
                progress.set(None);
                match uploaded {
                    Ok((img, file)) => {
                        chat.send_message(id, text, img, file);
                        draft.set(String::new());
                        clear_chosen();
                    }
                    Err(message) => problem.set(Some(message)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = what;
    };
    let on_file = move |_| {
        problem.set(None);
        #[cfg(feature = "hydrate")]
        {
            let file = file_input
                .get_untracked()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0));
            if let Some(Chosen::Image(old)) = chosen.get_untracked() {
                let _ = web_sys::Url::revoke_object_url(&old);
            }
            chosen.set(file.and_then(|f| {
                if IMAGE_TYPES.split(',').any(|t| t == f.type_()) {
                    web_sys::Url::create_object_url_with_blob(&f)
                        .ok()
                        .map(Chosen::Image)
                } else {
                    Some(Chosen::File {
                        name: f.name(),
                        bytes: f.size(),
                    })
                }
            }));
        }
    };
    let on_input = move |ev| {
        draft.set(event_target_value(&ev));
        if let Some(id) = chat.open.get_untracked() {
            if now_ms() - last_typing.get_value() > 2000.0 {
                last_typing.set_value(now_ms());
                chat.typing_in(id);
            }
        }
    };
    // Enter sends; Shift+Enter starts a new line.
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        } else if ev.key() == "Escape" {
            chat.replying.set(None);
        }
    };
    let closed = move || chat.open.get().is_none() || chat.opening.get();
    view! {
        {move || {
            chosen
                .get()
                .map(|what| {
                    let (shown, remove) = match what {
                        Chosen::Image(url) => (
                            Either::Left(view! { <img src=url alt="Image to send" /> }),
                            "Remove image",
                        ),
                        Chosen::File { name, bytes } => (
                            Either::Right(view! { <FileCard name size=bytes /> }),
                            "Remove file",
                        ),
                    };
                    view! {
                        <div class="attachment">
                            {shown}
                            {move || match progress.get() {
                                Some(p) => {
                                    let percent = (p * 100.0).round() as u32;
                                    Either::Left(view! {
                                        <progress max="100" value=percent aria-label="Upload progress"></progress>
                                        <span>{format!("{percent}%")}</span>
                                    })
                                }
                                None => {
                                    Either::Right(view! {
                                        <button type="button" class="remove" on:click=move |_| clear_chosen()>
                                            {remove}
                                        </button>
                                    })
                                }
                            }}
                        </div>
                    }
                })
        }}
        {move || problem.get().map(|p| view! { <p class="form-error" role="alert">{p}</p> })}
        {move || chat.refusal.get().map(|r| view! { <p class="form-error" role="alert">{r}</p> })}
        {move || {
            let to = chat.replying.get().filter(|m| Some(m.conversation_id) == chat.open.get())?;
            let who = name_of(chat, to.conversation_id, to.sender_id);
            Some(view! {
                <div class="replying">
                    <span>{format!("Replying to {who}")}</span>
                    <button type="button" on:click=move |_| chat.replying.set(None)>"Cancel reply"</button>
                </div>
            })
        }}
        <form
            class="input-bar"
            on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }
        >
            <textarea
                id="composer"
                rows="1"
                aria-label="Message"
                placeholder="Type something..."
                maxlength="4000"
                prop:value=move || draft.get()
                on:input=on_input
                on:keydown=on_keydown
                disabled=closed
            ></textarea>
            <label class="attach">
                <span class="visually-hidden">"Attach file"</span>
                <input
                    type="file"
                    aria-label="Attach file"
                    node_ref=file_input
                    on:change=on_file
                    disabled=closed
                />
            </label>
            <button type="submit" disabled=move || blank() || closed() || progress.get().is_some()>
                "Send"
            </button>
        </form>
    }
}

//! The sidebar: own account, the user search, and the conversations, most recent first.

use super::search::MessageSearch;
use super::{clock_time, focus_composer, now_ms, use_chat, Chat};
use crate::api::{Logout, UserMatches};
use crate::components::Avatar;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use shared::{Conversation, User};

#[component]
pub fn Sidebar() -> impl IntoView {
    let chat = use_chat();
    view! {
        <aside class="sidebar" aria-label="Chats">
            <Navbar chat />
            <Search chat />
            <MessageSearch chat />
            <ConversationList chat />
        </aside>
    }
}

#[component]
fn Navbar(chat: Chat) -> impl IntoView {
    let logout = use_session().logout;
    let me = chat.me.get_value();
    view! {
        <nav class="navbar" aria-label="Account">
            <span class="logo">"LetUsChat"</span>
            <div class="user">
                <Avatar name=me.user.display_name.clone() photo_url=me.user.photo_url.clone() size=28 />
                <span class="own-name">{me.user.display_name.clone()}</span>
                {me.admin.then(|| view! { <a class="admin-link" href="/admin">"Admin"</a> })}
                // Posted by the browser itself until the page is live.
                <form
                    method="post"
                    action=Logout::url()
                    on:submit=move |ev| {
                        ev.prevent_default();
                        logout.dispatch(Logout {});
                    }
                >
                    <button type="submit" class="logout">
                        "Log out"
                    </button>
                </form>
            </div>
        </nav>
    }
}

/// Finds people by any part of their name; choosing one opens (or starts) the direct
/// conversation, and "Add to group" gathers several people for a group.
#[component]
fn Search(chat: Chat) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let picked = RwSignal::new(Vec::<User>::new());
    // The answer for the query as typed last; `None` while there is no query. A plain signal
    // rather than a resource: the list is never rendered on the server, and resources and
    // transitions cost the WASM more than this whole search.
    let found = RwSignal::new(None::<UserMatches>);
    let asked = StoredValue::new(0u32);
    let search = move |text: String| {
        query.set(text.clone());
        let n = asked.get_value() + 1;
        asked.set_value(n);
        if text.trim().is_empty() {
            found.set(None);
            return;
        }
        leptos::task::spawn_local(async move {
            let answer = super::http::people(text).await.unwrap_or_default();
            // An older query's answer that arrives late is dropped.
            if asked.get_value() == n {
                found.set(Some(answer));
            }
        });
    };
    // `by_keyboard`: the focus then moves on to the message field.
    let show = move |id, by_keyboard: bool| {
        chat.open_conversation(id);
        search(String::new());
        picked.set(Vec::new());
        if by_keyboard {
            focus_composer();
        }
    };
    let open_with = move |members: Vec<User>, title: Option<String>, by_keyboard: bool| {
        // A direct conversation already in the list opens at once, so that what is typed next
        // lands in the message field; a new one needs the server first.
        if let [other] = members.as_slice() {
            if let Some(id) = chat.direct_with(other.id) {
                return show(id, by_keyboard);
            }
        }
        chat.opening.set(true);
        leptos::task::spawn_local(async move {
            let ids = members.iter().map(|m| m.id).collect();
            let made = crate::api::open_conversation(ids, title).await;
            chat.opening.set(false);
            if let Ok(conversation) = made {
                let id = conversation.id;
                chat.upsert_conversation(conversation);
                show(id, by_keyboard);
            }
        });
    };
    let pick = move |user: User| {
        let mut p = picked.write();
        if !p.iter().any(|u| u.id == user.id) {
            p.push(user);
        }
        drop(p);
        search(String::new());
    };
    let person = move |user: User| {
        let (direct, grouped) = (user.clone(), user.clone());
        let name = user.display_name;
        view! {
            <li class="result">
                <button
                    type="button"
                    class="person"
                    on:click=move |ev| open_with(vec![direct.clone()], None, by_keyboard(&ev))
                >
                    <Avatar name=name.clone() photo_url=user.photo_url />
                    <span>{name.clone()}</span>
                </button>
                // Said in words: a bare "+" hid how groups are made.
                <button
                    type="button"
                    class="add"
                    aria-label=format!("Add to a group: {name}")
                    on:click=move |_| pick(grouped.clone())
                >
                    "Add to a group"
                </button>
            </li>
        }
    };
    let results = move || {
        let UserMatches { users, more } = found.get()?;
        Some(view! {
            <ul class="search-results" aria-label="Search results">
                {users.is_empty().then(|| view! { <li class="empty">"No one by that name."</li> })}
                {users.into_iter().map(person).collect_view()}
                {more.then(|| view! {
                    <li class="empty">"More people match: type more of the name."</li>
                })}
            </ul>
        })
    };
    view! {
        <div class="search">
            <input
                type="search"
                aria-label="Search users"
                placeholder="Find a user"
                autocomplete="off"
                prop:value=move || query.get()
                on:input=move |ev| search(event_target_value(&ev))
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    // Escape closes the results.
                    if ev.key() == "Escape" && !query.read_untracked().is_empty() {
                        ev.prevent_default();
                        search(String::new());
                    }
                }
            />
            {results}
            <GroupBuilder picked open_with />
        </div>
    }
}

/// The people gathered for a new group, an optional title, and the button that makes it.
#[component]
fn GroupBuilder(
    picked: RwSignal<Vec<User>>,
    open_with: impl Fn(Vec<User>, Option<String>, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let title = RwSignal::new(String::new());
    // Redrawn whole on each change: a few chips, and no keyed list or `Show` in the WASM.
    let chip = move |user: User| {
        let id = user.id;
        view! {
            <li>
                {user.display_name.clone()}
                <button
                    type="button"
                    aria-label=format!("Remove {}", user.display_name)
                    on:click=move |_| picked.write().retain(|u| u.id != id)
                >
                    "×"
                </button>
            </li>
        }
    };
    move || {
        let people = picked.get();
        (!people.is_empty()).then(|| {
            let enough = people.len() >= 2;
            view! {
                <div class="group-builder" role="group" aria-label="New group">
                    <ul class="chips">{people.into_iter().map(chip).collect_view()}</ul>
                    <input
                        type="text"
                        aria-label="Group title"
                        placeholder="Group title (optional)"
                        maxlength="100"
                        prop:value=move || title.get()
                        on:input=move |ev| title.set(event_target_value(&ev))
                    />
                    <button
                        type="button"
                        class="create-group"
                        disabled=!enough
                        on:click=move |ev| {
                            let name = title.get_untracked();
                            let name = (!name.trim().is_empty()).then_some(name);
                            open_with(picked.get_untracked(), name, by_keyboard(&ev));
                            title.set(String::new());
                        }
                    >
                        "Create group"
                    </button>
                </div>
            }
        })
    }
}

#[component]
fn ConversationList(chat: Chat) -> impl IntoView {
    // Effects run once the page is live: the server wrote its times in UTC.
    Effect::new(|_| super::redraw_times());
    view! {
        <ul class="chats" aria-label="Conversations">
            <For
                each=move || chat.conversations.get()
                key=|c: &Conversation| (c.id, c.updated_at, c.unread_count, c.last_message.as_ref().map(|m| (m.seq, m.rev)))
                children=move |conversation: Conversation| {
                    let id = conversation.id;
                    let title = chat.title_of(&conversation);
                    let other = conversation.members.iter().find(|m| m.id != chat.me_id()).cloned();
                    // A direct conversation shows whether the other person is online.
                    let watched = (conversation.kind == shared::ConversationKind::Direct)
                        .then(|| other.as_ref().map(|o| o.id))
                        .flatten();
                    let online = move || watched.is_some_and(|o| chat.online.get().contains(&o));
                    let (name, photo) = match (&conversation.title, other) {
                        (None, Some(o)) => (o.display_name, o.photo_url),
                        _ => (title.clone(), None),
                    };
                    let last = conversation.last_message.clone();
                    let preview = last
                        .as_ref()
                        .map(|m| match (m.deleted, m.text.is_empty(), &m.file) {
                            (true, _, _) => "Message deleted".to_owned(),
                            (false, true, Some(file)) => file.name.clone(),
                            (false, true, None) => "Image".to_owned(),
                            (false, false, _) => m.text.clone(),
                        })
                        .unwrap_or_default();
                    let time = last.map(|m| (m.created_at.as_millis(), clock_time(m.created_at, now_ms())));
                    let unread = conversation.unread_count;
                    let selected = move || chat.open.get() == Some(id);
                    view! {
                        <li class="chat-item" class:selected=selected>
                            <button
                                type="button"
                                aria-current=move || selected().then_some("true")
                                on:click=move |ev| {
                                    chat.open_conversation(id);
                                    if by_keyboard(&ev) {
                                        focus_composer();
                                    }
                                }
                            >
                                <span class="avatar-wrap">
                                    <Avatar name=name photo_url=photo />
                                    {watched
                                        .map(|_| {
                                            view! {
                                                <span class="dot" class:online=online aria-hidden="true"></span>
                                            }
                                        })}
                                </span>
                                <span class="chat-text">
                                    <span class="chat-name">
                                        {title}
                                        {move || online().then(|| view! { <span class="visually-hidden">" (online)"</span> })}
                                    </span>
                                    <span class="chat-last">{preview}</span>
                                </span>
                                <span class="chat-meta">
                                    {time.map(|(at, t)| view! { <span class="chat-time" data-at=at>{t}</span> })}
                                    {(unread > 0)
                                        .then(|| {
                                            view! {
                                                <span class="badge" role="img" aria-label=format!("{unread} unread")>
                                                    {unread}
                                                </span>
                                            }
                                        })}
                                </span>
                            </button>
                        </li>
                    }
                }
            />
        </ul>
    }
}

/// A click the keyboard made (Enter or Space on a button) rather than a pointer.
fn by_keyboard(ev: &leptos::ev::MouseEvent) -> bool {
    ev.detail() == 0
}

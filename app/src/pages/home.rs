//! The chat screen: the sidebar (navbar, search, conversations) beside the open conversation.

use super::SignedIn;
use crate::components::Avatar;
use crate::session::use_session;
use leptos::form::ActionForm;
use leptos::prelude::*;
use shared::Me;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <SignedIn children=Box::new(|me: Me| {
            view! {
                <main class="home">
                    <div class="frame">
                        <Sidebar me />
                        <ChatPanel />
                    </div>
                </main>
            }
                .into_any()
        }) />
    }
}

#[component]
fn Sidebar(me: Me) -> impl IntoView {
    view! {
        <aside class="sidebar" aria-label="Chats">
            <Navbar me />
            <div class="search">
                <input
                    type="search"
                    aria-label="Search users"
                    placeholder="Find a user"
                    autocomplete="off"
                />
            </div>
            <ul class="chats" aria-label="Conversations"></ul>
        </aside>
    }
}

#[component]
fn Navbar(me: Me) -> impl IntoView {
    let logout = use_session().logout;
    view! {
        <nav class="navbar" aria-label="Account">
            <span class="logo">"LetUsChat"</span>
            <div class="user">
                <Avatar name=me.user.display_name.clone() photo_url=me.user.photo_url.clone() size=28 />
                <span class="own-name">{me.user.display_name.clone()}</span>
                <ActionForm action=logout>
                    <button type="submit" class="logout">
                        "Log out"
                    </button>
                </ActionForm>
            </div>
        </nav>
    }
}

#[component]
fn ChatPanel() -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let blank = move || shared::validate::is_blank(&draft.read());
    view! {
        <section class="chat" aria-label="Conversation">
            <header class="chat-info">
                <span>"Select a conversation"</span>
            </header>
            <div class="messages" role="log" aria-label="Messages" aria-live="polite"></div>
            <form class="input-bar" on:submit=|ev| ev.prevent_default()>
                <input
                    type="text"
                    aria-label="Message"
                    placeholder="Type something..."
                    bind:value=draft
                />
                <label class="attach">
                    <span class="visually-hidden">"Attach image"</span>
                    <input
                        type="file"
                        accept="image/png,image/jpeg,image/gif,image/webp"
                        aria-label="Attach image"
                    />
                </label>
                <button type="submit" disabled=blank>
                    "Send"
                </button>
            </form>
        </section>
    }
}

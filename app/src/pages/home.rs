//! The chat screen: the sidebar (navbar, search, conversations) beside the open conversation.

use leptos::prelude::*;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <main class="home">
            <div class="frame">
                <Sidebar />
                <ChatPanel />
            </div>
        </main>
    }
}

#[component]
fn Sidebar() -> impl IntoView {
    view! {
        <aside class="sidebar" aria-label="Chats">
            <nav class="navbar">
                <span class="logo">"LetUsChat"</span>
            </nav>
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
                    <input type="file" accept="image/png,image/jpeg,image/gif,image/webp" aria-label="Attach image" />
                </label>
                <button type="submit" disabled=blank>
                    "Send"
                </button>
            </form>
        </section>
    }
}

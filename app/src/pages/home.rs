//! The chat screen: the sidebar (navbar, search, conversations) beside the open conversation.

use super::SignedIn;
use crate::chat::panel::ChatPanel;
use crate::chat::sidebar::Sidebar;
use crate::chat::{address, Chat};
use crate::components::{erased, SyncHydrate};
use leptos::prelude::*;
use shared::Me;

#[component]
pub fn Home() -> impl IntoView {
    SyncHydrate(
        view! { <SignedIn children=Box::new(|me: Me| erased(view! { <ChatScreen me /> })) /> },
    )
}

#[component]
fn ChatScreen(me: Me) -> impl IntoView {
    let conversations = crate::resource::load(|| (), |_| crate::api::conversations());
    view! {
        <Suspense>
            {SyncHydrate(move || {
                let me = me.clone();
                conversations
                    .get()
                    .map(move |list| view! { <Loaded me conversations=list.unwrap_or_default() /> })
            })}
        </Suspense>
    }
}

#[component]
fn Loaded(me: Me, conversations: Vec<shared::Conversation>) -> impl IntoView {
    let open = match address::wanted(&crate::address().0, &conversations) {
        // Unknown or not yours: the same page either way.
        Some(None) => return erased(super::NotFound()),
        Some(open) => open,
        None => None,
    };
    let chat = Chat::provide(me, conversations, open);
    // The tab title tells how much is unread.
    Effect::new(move |_| {
        let title = match chat.unread_total() {
            0 => "LetUsChat".to_owned(),
            n => format!("({n}) LetUsChat"),
        };
        document().set_title(&title);
    });
    erased(view! {
        <main class="home">
            <div class="frame" class:has-open=move || chat.open.get().is_some()>
                <Sidebar />
                <ChatPanel />
            </div>
        </main>
    })
}

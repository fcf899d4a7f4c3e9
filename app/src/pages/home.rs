//! The chat screen: the sidebar (navbar, search, conversations) beside the open conversation.

use crate::chat::panel::ChatPanel;
use crate::chat::sidebar::Sidebar;
use crate::chat::{address, Chat};
use crate::components::{erased, SyncHydrate};
use crate::session::use_session;
use leptos::prelude::*;
use shared::Me;

/// The chat for a signed-in visitor; anyone else goes to the sign-in page. Who is signed in and
/// their conversations load together, under one `Suspense` (each costs the WASM its code).
#[component]
pub fn Home() -> impl IntoView {
    let session = use_session();
    let conversations = crate::resource::load(|| (), |_| crate::chat::http::conversations());
    SyncHydrate(view! {
        <Suspense>
            {SyncHydrate(move || {
                let user = session.user.get()?;
                let list = conversations.get()?;
                Some(match user {
                    Ok(Some(me)) => erased(view! { <Loaded me conversations=list.unwrap_or_default() /> }),
                    _ => {
                        crate::go_to("/login");
                        erased(())
                    }
                })
            })}
        </Suspense>
    })
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

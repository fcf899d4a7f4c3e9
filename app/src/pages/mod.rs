//! One module per screen.

#[cfg(feature = "ssr")]
pub mod admin;
mod auth;
mod home;

pub use auth::{Login, Register};
pub use home::Home;

use crate::components::SyncHydrate;
use crate::session::use_session;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    SyncHydrate(view! {
        <main class="page-message">
            <h1>"Page not found"</h1>
            <p>
                <a href="/">"Back to LetUsChat"</a>
            </p>
        </main>
    })
}

/// Sends a visitor who signs in on this page on to the chat, unless `hold` says the page still
/// has work to finish first. Whoever is signed in already never sees the page: the server sends
/// them on (see the server's `site::signed_in`). Effects run only in the browser.
fn leave_when_signed_in(hold: Signal<bool>) {
    let session = use_session();
    Effect::new(move |_| {
        if matches!(session.user.get(), Some(Ok(Some(_)))) && !hold.get() {
            crate::go_to("/");
        }
    });
}

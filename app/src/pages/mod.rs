//! One module per screen.

#[cfg(feature = "ssr")]
pub mod admin;
mod auth;
mod home;

pub use auth::{Login, Register};
pub use home::Home;

use crate::components::{erased, SyncHydrate};
use crate::session::use_session;
use leptos::prelude::*;
use shared::Me;

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

/// Shows `children` to signed-in visitors and sends everyone else to the sign-in page.
#[component]
fn SignedIn(children: Box<dyn Fn(Me) -> AnyView + Send + Sync>) -> impl IntoView {
    let session = use_session();
    view! {
        <Suspense>
            {SyncHydrate(move || {
                session
                    .user
                    .get()
                    .map(|user| match user {
                        Ok(Some(me)) => children(me),
                        _ => {
                            crate::go_to("/login");
                            erased(())
                        }
                    })
            })}
        </Suspense>
    }
}

/// Shows `children` to signed-out visitors and sends signed-in ones to the chat, unless `hold`
/// says the page still has work to finish first.
#[component]
fn SignedOut(
    children: ChildrenFn,
    #[prop(into, default = Signal::from(false))] hold: Signal<bool>,
) -> impl IntoView {
    let session = use_session();
    view! {
        <Suspense>
            {SyncHydrate(move || {
                session
                    .user
                    .get()
                    .map(|user| match user {
                        Ok(Some(_)) if !hold.get() => {
                            crate::go_to("/");
                            erased(())
                        }
                        _ => children(),
                    })
            })}
        </Suspense>
    }
}

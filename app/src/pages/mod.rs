//! One module per screen.

mod home;

pub use home::Home;

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="page-message">
            <h1>"Page not found"</h1>
            <p>
                <a href="/">"Back to LetUsChat"</a>
            </p>
        </main>
    }
}

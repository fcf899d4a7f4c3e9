#![recursion_limit = "256"]
//! The LetUsChat component tree. The server renders it (`ssr`); the browser hydrates it
//! (`hydrate`) so the same markup becomes live without being redrawn.

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
mod chat;
mod components;
mod pages;
mod resource;
mod session;
mod submitted;

use leptos::prelude::*;

/// The HTML document around the app; rendered on the server only. The tab title starts as
/// "LetUsChat"; the chat screen adds the unread count once it is live.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="description" content="LetUsChat: self-hosted real-time chat." />
                <meta name="theme-color" content="#5e2f62" />
                <title>"LetUsChat"</title>
                <AutoReload options=options.clone() />
                <HydrationScripts options=options.clone() />
                <leptos_meta::HashedStylesheet options id="leptos" />
                <link rel="icon" href="/favicon.ico" />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The screens, by path. Moving between them is a page load (each is rendered on the server
/// first), so the WASM carries no client-side router.
#[component]
pub fn App() -> impl IntoView {
    session::provide();
    mark_hydrated();
    match path().as_str() {
        "/" => components::erased(pages::Home()),
        "/login" => components::erased(pages::Login()),
        "/register" => components::erased(pages::Register()),
        _ => components::erased(pages::NotFound()),
    }
}

/// The paths `App` has a screen for; any other shows "Page not found".
pub const PAGES: [&str; 3] = ["/", "/login", "/register"];

/// The path of the page being rendered: the request's on the server, the address bar's in the
/// browser.
fn path() -> String {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .map(|parts| parts.uri.path().to_owned())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        window().location().pathname().unwrap_or_default()
    }
}

/// Sends the visitor to another screen: a `302` while the server renders, a page load in the
/// browser.
pub fn go_to(path: &str) {
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(path);
    #[cfg(not(feature = "ssr"))]
    {
        let _ = window().location().assign(path);
    }
}

/// Marks `<html data-hydrated="true">` once the WASM runs, so tests and styles can tell a live
/// page from the server-rendered one. Effects run only in the browser.
fn mark_hydrated() {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}

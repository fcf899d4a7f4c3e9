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
use leptos_meta::{provide_meta_context, Meta, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app; rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options=options.clone() />
                <leptos_meta::HashedStylesheet options id="leptos" />
                <link rel="icon" href="/favicon.ico" />
                <leptos_meta::MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    session::provide();
    mark_hydrated();
    // Async rendering: a page that must send the visitor elsewhere (signed out, or already
    // signed in) answers with a real redirect instead of a flash of the wrong screen.
    view! {
        <Title text="LetUsChat" />
        <Meta name="description" content="LetUsChat: self-hosted real-time chat." />
        <Meta name="theme-color" content="#5e2f62" />
        <Router>
            {components::SyncHydrate(view! {
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::Home ssr=SsrMode::Async />
                    <Route path=path!("/login") view=pages::Login ssr=SsrMode::Async />
                    <Route path=path!("/register") view=pages::Register ssr=SsrMode::Async />
                </Routes>
            })}
        </Router>
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

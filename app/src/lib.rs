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
                // The admin page is plain HTML and forms: it loads no WASM.
                {(address().0 != pages::admin::PATH)
                    .then(|| view! { <HydrationScripts options=options.clone() /> })}
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
    provide_form_error();
    session::provide();
    mark_hydrated();
    match address().0.as_str() {
        "/" => components::erased(pages::Home()),
        path if path.starts_with(chat::address::PREFIX) => components::erased(pages::Home()),
        "/login" => components::erased(pages::Login()),
        "/register" => components::erased(pages::Register()),
        #[cfg(feature = "ssr")]
        pages::admin::PATH => components::erased(pages::admin::Admin()),
        _ => components::erased(pages::NotFound()),
    }
}

/// The paths `App` has a screen for; any other shows "Page not found".
pub const PAGES: [&str; 5] = ["/", "/c/{id}", "/login", "/register", "/admin"];

/// The path and query string (without `?`) of the page being rendered: the request's on the
/// server, the address bar's in the browser.
fn address() -> (String, String) {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .map(|parts| {
                let query = parts.uri.query().unwrap_or_default();
                (parts.uri.path().to_owned(), query.to_owned())
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let location = window().location();
        let search = location.search().unwrap_or_default();
        let query = search.strip_prefix('?').unwrap_or(&search).to_owned();
        (location.pathname().unwrap_or_default(), query)
    }
}

/// A form posted without the WASM that failed comes back to its page with the error in the
/// query (`__path`, `__err`); the form's action shows it, on the server and once hydrated.
fn provide_form_error() {
    let (_, query) = address();
    if let (Some(path), Some(err)) = (param(&query, "__path"), param(&query, "__err")) {
        provide_context(leptos::server::ServerActionError::new(&path, &err));
    }
}

/// The decoded value of `name` in a query string.
fn param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
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

#[cfg(test)]
mod tests {
    use super::param;

    #[test]
    fn query_parameters_are_found_and_decoded() {
        let query = "__path=%2Fapi%2Ffn%2Flogin&__err=eyJj%3D%3D&q=a+b%zz";
        assert_eq!(param(query, "__path").as_deref(), Some("/api/fn/login"));
        assert_eq!(param(query, "__err").as_deref(), Some("eyJj=="));
        assert_eq!(param(query, "q").as_deref(), Some("a b%zz"));
        assert_eq!(param(query, "__pat"), None);
        assert_eq!(param("", "q"), None);
        assert_eq!(param("q=%", "q").as_deref(), Some("%"));
    }
}

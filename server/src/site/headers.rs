//! The security headers of the site: a Content-Security-Policy per page that lets run only the
//! scripts Leptos marked with that response's nonce and our own WebAssembly, and headers that
//! keep other sites from framing the chat or reading where a visitor came from.

use axum::http::{header, HeaderName, HeaderValue};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// A page's policy. Scripts: ours (the nonce), loading our files, compiling our WASM. Styles:
/// our stylesheet, plus `style` attributes (avatars size and colour themselves with them; no
/// `<style>` element is allowed). Images: ours, the stylesheet's `data:` icons, and `blob:`
/// previews of a file being sent. Connections (fetch and the WebSocket): this origin only.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// For every response that is not a page (files, errors): nothing may run in it or frame it.
const DEFAULT_POLICY: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Sets the page's policy from the nonce Leptos made for this render; runs in the context of
/// every page render, so each response carries its own nonce.
pub fn provide_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The headers every response of `router` gets unless it set its own.
pub fn add_to<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    router
        .layer(set(header::CONTENT_SECURITY_POLICY, DEFAULT_POLICY))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        // `same-origin`, not `no-referrer`: a form posted without the WASM is sent back to the
        // page it came from, which the server learns from the Referer.
        .layer(set(header::REFERRER_POLICY, "same-origin"))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
}

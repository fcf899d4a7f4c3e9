//! Cross-site request forgery guard for every state-changing request (API, server functions,
//! uploads): a browser says where a request comes from (`Sec-Fetch-Site`, or `Origin`), and
//! only our own pages may change anything. Clients that send neither (bots, scripts, curl)
//! carry no ambient browser credentials, so they pass.

use crate::error::AppError;
use axum::extract::Request;
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn guard(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !same_origin(request.headers()) {
        return AppError::Forbidden("Requests from other sites are not accepted.").into_response();
    }
    next.run(request).await
}

/// `false` only when the browser tells us the request comes from another site.
pub fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    match headers.get(ORIGIN) {
        None => true,
        Some(origin) => {
            let host = headers.get(HOST).and_then(|h| h.to_str().ok());
            let origin_host = origin
                .to_str()
                .ok()
                .and_then(|o| o.split_once("://"))
                .map(|(_, rest)| rest.trim_end_matches('/'));
            matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn only_our_own_pages_pass() {
        assert!(same_origin(&headers(&[])));
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        let ours = [
            ("origin", "http://chat.example:3000"),
            ("host", "chat.example:3000"),
        ];
        assert!(same_origin(&headers(&ours)));
        assert!(!same_origin(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "chat.example")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "null"),
            ("host", "chat.example")
        ])));
    }
}

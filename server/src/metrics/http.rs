//! Every HTTP request: timed into `letuschat_http_request_duration_seconds` and logged in one
//! INFO line. Both name the route template (`/api/conversations/{id}/messages`), never the
//! path, so ids neither multiply the series nor fill the logs; a request no route matched
//! (static files, not-found pages, and paths nested services answer) is `unmatched`.

use super::Metrics;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct Labels {
    method: &'static str,
    route: String,
    status: &'static str,
}

/// The outermost layer: times the request and reads the route the router left on the response.
pub async fn observe(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let response = next.run(req).await;
    let elapsed = started.elapsed();
    let route = response
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let status = response.status();
    metrics
        .http
        .get_or_create(&Labels {
            method: method_label(&method),
            route: route.to_owned(),
            status: status_class(status.as_u16()),
        })
        .observe(elapsed.as_secs_f64());
    tracing::info!(
        method = %method,
        route,
        status = status.as_u16(),
        duration_ms = elapsed.as_micros() as f64 / 1000.0,
        "request"
    );
    response
}

/// A route layer: the template is known only once a route matched, inside the router.
pub async fn remember_route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(req).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Methods a client invents are one series, not one each.
fn method_label(method: &Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_stay_few() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(status_class(101), "1xx");
        assert_eq!(status_class(204), "2xx");
        assert_eq!(status_class(429), "4xx");
        assert_eq!(status_class(503), "5xx");
    }
}

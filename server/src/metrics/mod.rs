//! What an operator watches: `/metrics` in the Prometheus text format, served on an address of
//! its own (`LETUSCHAT_METRICS_ADDR`) so that it is never exposed with the app. The counters
//! cost an atomic add where they count; what the server already knows (open WebSockets, frames
//! delivered, database pools) is read when Prometheus asks (see `live`).

pub mod http;
mod live;

use crate::db::notify::PgBus;
use crate::db::Db;
use crate::realtime::Hub;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::fmt::Write;
use std::sync::Arc;
use std::time::Duration;

/// Bucket bounds in seconds, from a quarter of a millisecond (an ack on an idle server) to ten
/// seconds (a request that is stuck).
const BUCKETS: [f64; 15] = [
    0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// Why a request or frame was turned away by a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// Too many sign-in attempts from one address or at one account.
    SignIn,
    /// Too many wrong guesses at the current password when changing it.
    PasswordChange,
    SignUp,
    /// A WebSocket sent frames faster than its limit.
    WsFrames,
    /// A person already held as many WebSockets as they may.
    WsConnections,
    /// Too many uploads by one person in an hour.
    Upload,
    /// Too many groups made by one person in an hour.
    Group,
    /// Too many reactions added or taken back by one person in a minute.
    Reaction,
}

impl Refusal {
    const ALL: [Refusal; 8] = [
        Refusal::SignIn,
        Refusal::PasswordChange,
        Refusal::SignUp,
        Refusal::WsFrames,
        Refusal::WsConnections,
        Refusal::Upload,
        Refusal::Group,
        Refusal::Reaction,
    ];

    fn name(self) -> &'static str {
        match self {
            Refusal::SignIn => "sign_in",
            Refusal::PasswordChange => "password_change",
            Refusal::SignUp => "sign_up",
            Refusal::WsFrames => "ws_frames",
            Refusal::WsConnections => "ws_connections",
            Refusal::Upload => "upload",
            Refusal::Group => "group",
            Refusal::Reaction => "reaction",
        }
    }
}

impl EncodeLabelValue for Refusal {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
        encoder.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RefusalLabels {
    kind: Refusal,
}

pub struct Metrics {
    registry: Registry,
    messages_stored: Counter,
    ack_latency: Histogram,
    http: Family<http::Labels, Histogram, fn() -> Histogram>,
    refusals: Family<RefusalLabels, Counter>,
}

impl Metrics {
    pub fn new(hub: Arc<Hub>, db: Db, bus: Option<Arc<PgBus>>) -> Self {
        let mut registry = Registry::with_prefix("letuschat");
        let messages_stored = Counter::default();
        registry.register(
            "messages_stored",
            "Messages stored by this process (repeats of a client_id not counted)",
            messages_stored.clone(),
        );
        let ack_latency = histogram();
        registry.register_with_unit(
            "ack_latency",
            "From reading a WebSocket send frame to writing its ack",
            Unit::Seconds,
            ack_latency.clone(),
        );
        let http = Family::new_with_constructor(histogram as fn() -> Histogram);
        registry.register_with_unit(
            "http_request_duration",
            "From receiving an HTTP request to sending its response headers, by method, route template and status class",
            Unit::Seconds,
            http.clone(),
        );
        let refusals = Family::<RefusalLabels, Counter>::default();
        // Every kind shows from the start, at 0: a rate over a missing series is no rate.
        for kind in Refusal::ALL {
            let _ = refusals.get_or_create(&RefusalLabels { kind });
        }
        registry.register(
            "rate_limited",
            "Requests and frames refused by a limit, by kind",
            refusals.clone(),
        );
        registry.register_collector(Box::new(live::Live { hub, db, bus }));
        Metrics {
            registry,
            messages_stored,
            ack_latency,
            http,
            refusals,
        }
    }

    pub fn message_stored(&self) {
        self.messages_stored.inc();
    }

    pub fn acked(&self, after: Duration) {
        self.ack_latency.observe(after.as_secs_f64());
    }

    pub fn refused(&self, kind: Refusal) {
        self.refusals.get_or_create(&RefusalLabels { kind }).inc();
    }

    /// Everything, in the Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// `/metrics` and nothing else, for the metrics address.
pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || async move {
            (
                [(
                    header::CONTENT_TYPE,
                    prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
                )],
                metrics.render(),
            )
                .into_response()
        }),
    )
}

//! `/metrics`: off unless asked for, on an address of its own, and counting what happened.

use crate::auth::{login, register};
use crate::helpers::{both, spawn_app, spawn_app_with, Backend, TestApp};
use crate::ws_client::{connect, connect_with};
use serde_json::{json, Value};
use shared::ws::{ClientMsg, ServerMsg};
use shared::ConversationId;
use std::collections::BTreeMap;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// One sample of the text format: its name, its labels, its value.
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

struct Scrape(Vec<Sample>);

impl Scrape {
    /// Reads the Prometheus text format (version 0.0.4), failing on any line it cannot read.
    fn parse(text: &str) -> Self {
        let samples = text
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| {
                let (series, value) = line.rsplit_once(' ').expect("a value");
                let value = match value {
                    "+Inf" => f64::INFINITY,
                    v => v.parse().unwrap_or_else(|_| panic!("a number: {line}")),
                };
                let (name, labels) = match series.split_once('{') {
                    None => (series, BTreeMap::new()),
                    Some((name, rest)) => {
                        let rest = rest.strip_suffix('}').expect("labels end with }");
                        let labels = rest
                            .split("\",")
                            .map(|pair| {
                                let (k, v) = pair.split_once("=\"").expect("label=\"value\"");
                                (k.to_owned(), v.trim_end_matches('"').to_owned())
                            })
                            .collect();
                        (name, labels)
                    }
                };
                Sample {
                    name: name.to_owned(),
                    labels,
                    value,
                }
            })
            .collect();
        Scrape(samples)
    }

    /// The value of the one sample named `name` with exactly `labels`.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let found: Vec<&Sample> = self
            .0
            .iter()
            .filter(|s| s.name == name && s.labels == want)
            .collect();
        match found.as_slice() {
            [one] => one.value,
            _ => panic!("{} samples of {name} {labels:?}", found.len()),
        }
    }

    fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sample> {
        self.0.iter().filter(move |s| s.name == name)
    }

    fn refused(&self, kind: &str) -> f64 {
        self.value("letuschat_rate_limited_total", &[("kind", kind)])
    }

    /// How many requests the HTTP histogram saw for one label set.
    fn requests(&self, method: &str, route: &str, status: &str) -> f64 {
        self.value(
            "letuschat_http_request_duration_seconds_count",
            &[("method", method), ("route", route), ("status", status)],
        )
    }
}

async fn spawn_watched(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| {
        s.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
        // A second socket of one person is refused, to see it counted.
        s.ws_per_user = 1;
    })
    .await
}

async fn scrape(app: &TestApp) -> Scrape {
    let addr = app.metrics_addr.expect("metrics are on");
    let response = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    Scrape::parse(&response.text().await.unwrap())
}

/// Polls until `metric` reads `value` (sockets close on their own tasks).
async fn settles(app: &TestApp, metric: &str, value: f64) -> Scrape {
    for _ in 0..100 {
        let now = scrape(app).await;
        if now.value(metric, &[]) == value {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{metric} never reached {value}");
}

both!(spawn_watched => counts_what_happened);

async fn counts_what_happened(app: TestApp) {
    let start = scrape(&app).await;
    for metric in [
        "letuschat_websockets_open",
        "letuschat_messages_stored_total",
        "letuschat_deliveries_total",
        "letuschat_ack_latency_seconds_count",
    ] {
        assert_eq!(start.value(metric, &[]), 0.0, "{metric}");
    }
    for kind in [
        "sign_in",
        "sign_up",
        "password_change",
        "ws_frames",
        "ws_connections",
    ] {
        assert_eq!(start.refused(kind), 0.0, "{kind} shows from the start");
    }

    let (_, ana_token) = register(&app, "Ana", "ana@example.com").await;
    let (bob, bob_token) = register(&app, "Bob", "bob@example.com").await;
    let conversation: Value = app
        .client
        .post(app.at("/api/conversations"))
        .bearer_auth(&ana_token)
        .json(&json!({"member_ids": [bob["id"]]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let conversation_id: ConversationId =
        serde_json::from_value(conversation["id"].clone()).unwrap();
    let history = app
        .client
        .get(app.at(&format!("/api/conversations/{conversation_id}/messages")))
        .bearer_auth(&bob_token)
        .send()
        .await
        .unwrap();
    assert_eq!(history.status(), 200);

    let mut ana_ws = connect(&app, &ana_token).await;
    let mut bob_ws = connect(&app, &bob_token).await;
    let open = scrape(&app).await;
    assert_eq!(open.value("letuschat_websockets_open", &[]), 2.0);
    assert_eq!(open.value("letuschat_deliveries_total", &[]), 0.0);

    // Ana's first message: Bob's socket gets it and, as she has now written there, her presence.
    let send = |client_id, text: &str| ClientMsg::Send {
        client_id,
        conversation_id,
        text: Some(text.into()),
        img: None,
        reply_to: None,
        file: None,
    };
    let first = uuid::Uuid::new_v4();
    for (client_id, text) in [
        (first, "hello"),
        (uuid::Uuid::new_v4(), "again"),
        (first, "hello"),
    ] {
        ana_ws.send(&send(client_id, text)).await;
        assert!(matches!(ana_ws.next().await, ServerMsg::Ack { .. }));
    }
    for _ in 0..2 {
        assert!(matches!(
            bob_ws.next_event().await,
            ServerMsg::Message { .. }
        ));
    }
    // The ack's latency is counted once its frame is written, which may be just after Ana reads it.
    let sent = settles(&app, "letuschat_ack_latency_seconds_count", 3.0).await;
    assert_eq!(
        sent.value("letuschat_messages_stored_total", &[]),
        2.0,
        "a repeated client_id stores nothing"
    );
    assert_eq!(
        sent.value("letuschat_deliveries_total", &[]),
        3.0,
        "two messages and one presence frame to Bob; the sender's socket is acked instead"
    );
    let acks = sent.value("letuschat_ack_latency_seconds_count", &[]);
    assert_eq!(acks, 3.0, "the repeat is acked with the stored message");
    assert_eq!(
        sent.value("letuschat_ack_latency_seconds_bucket", &[("le", "+Inf")]),
        acks
    );
    assert!(sent.value("letuschat_ack_latency_seconds_sum", &[]) > 0.0);
    let buckets: Vec<f64> = sent
        .named("letuschat_ack_latency_seconds_bucket")
        .map(|s| s.value)
        .collect();
    assert!(buckets.len() > 2, "{buckets:?}");
    assert!(
        buckets.windows(2).all(|w| w[0] <= w[1]),
        "cumulative: {buckets:?}"
    );

    // One socket a person here: Ana's second is refused.
    let mut second = connect_with(&app, &[("authorization", format!("Bearer {ana_token}"))])
        .await
        .expect("upgraded, then closed");
    assert_eq!(second.closed().await, Some(CloseCode::from(4003)));

    // Ten wrong passwords are checked; the two after them are refused.
    for n in 0..12 {
        let status = login(&app, "bob@example.com", "wrong password")
            .await
            .status();
        assert_eq!(status, if n < 10 { 401 } else { 429 }, "attempt {n}");
    }

    drop(bob_ws);
    settles(&app, "letuschat_websockets_open", 1.0).await;
    drop(ana_ws);
    let end = settles(&app, "letuschat_websockets_open", 0.0).await;
    assert_eq!(end.refused("sign_in"), 2.0);
    assert_eq!(end.refused("ws_connections"), 1.0);
    for kind in ["sign_up", "password_change", "ws_frames"] {
        assert_eq!(end.refused(kind), 0.0, "{kind}");
    }
    assert_eq!(
        end.value("letuschat_deliveries_total", &[]),
        3.0,
        "Ana going away reaches nobody: Bob has gone"
    );

    // Route templates, never paths with ids; status classes.
    assert_eq!(end.requests("POST", "/api/auth/register", "2xx"), 2.0);
    assert_eq!(end.requests("POST", "/api/conversations", "2xx"), 1.0);
    assert_eq!(
        end.requests("GET", "/api/conversations/{id}/messages", "2xx"),
        1.0
    );
    assert_eq!(end.requests("GET", "/ws", "1xx"), 3.0);
    assert_eq!(end.requests("POST", "/api/auth/login", "4xx"), 12.0);
    let counts: Vec<&Sample> = end
        .named("letuschat_http_request_duration_seconds_count")
        .collect();
    assert_eq!(
        counts.iter().map(|s| s.value).sum::<f64>(),
        2.0 + 1.0 + 1.0 + 3.0 + 12.0,
        "every request once, /metrics itself not among them"
    );
    assert!(
        counts
            .iter()
            .all(|s| !s.labels["route"].contains(&conversation_id.to_string())),
        "no ids in labels"
    );

    // Each pool the store keeps, with its connections in use and idle.
    let pools: Vec<&str> = match app.backend {
        Backend::Sqlite => vec!["write", "read"],
        Backend::Postgres => vec!["main", "bus"],
    };
    let mut seen: Vec<String> = end
        .named("letuschat_db_connections")
        .map(|s| s.labels["pool"].clone())
        .collect();
    seen.dedup();
    assert_eq!(seen, pools);
    for pool in pools {
        let in_use = end.value(
            "letuschat_db_connections",
            &[("pool", pool), ("state", "in_use")],
        );
        let idle = end.value(
            "letuschat_db_connections",
            &[("pool", pool), ("state", "idle")],
        );
        assert!(in_use >= 0.0 && idle >= 0.0, "{pool}");
        assert!(
            in_use + idle >= 1.0,
            "{pool} has served: a connection is open"
        );
        if pool == "write" {
            assert_eq!(in_use + idle, 1.0, "SQLite has one writer");
        }
    }
}

#[tokio::test]
async fn metrics_are_off_unless_asked_for() {
    let app = spawn_app(Backend::Sqlite).await;
    assert_eq!(app.metrics_addr, None, "nothing listens");
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 404);
    let body = response.text().await.unwrap();
    assert!(!body.contains("# TYPE"), "{body}");
}

#[tokio::test]
async fn the_two_addresses_serve_their_own_things_only() {
    let mut app = spawn_watched(Backend::Sqlite).await;
    let metrics_addr = app.metrics_addr.expect("on when set");
    assert_ne!(metrics_addr, app.addr);
    assert_eq!(app.get("/metrics").await.status(), 404, "not on the app");
    for path in ["/", "/healthz", "/api/me", "/ws", "/login"] {
        let response = reqwest::get(format!("http://{metrics_addr}{path}"))
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path} is the app's");
    }
    assert_eq!(app.get("/healthz").await.status(), 200);
    let metrics = scrape(&app).await;
    assert_eq!(metrics.requests("GET", "/healthz", "2xx"), 1.0);
    assert_eq!(
        metrics.requests("GET", "unmatched", "4xx"),
        1.0,
        "the app's 404 for /metrics"
    );

    // It stops with the server.
    app.stop().await;
    assert!(
        tokio::net::TcpStream::connect(metrics_addr).await.is_err(),
        "nothing listens once stopped"
    );
}

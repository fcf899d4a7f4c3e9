//! The binary's log lines: JSON for collectors when asked, one line per request and per
//! WebSocket, and the watching settings checked at start-up.

use crate::process::{register_at, server, terminate};
use crate::ws_client::connect_to;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The running binary and every line it writes, as they come.
struct Logged {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Logged {
    fn start(cwd: &std::path::Path, env: &[(&str, &str)]) -> Self {
        let mut child = server(cwd, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn server");
        let (tx, lines) = mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let out = tx.clone();
        std::thread::spawn(move || {
            stdout
                .lines()
                .map_while(Result::ok)
                .for_each(|l| drop(out.send(l)))
        });
        std::thread::spawn(move || {
            stderr
                .lines()
                .map_while(Result::ok)
                .for_each(|l| drop(tx.send(l)))
        });
        Logged {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads lines until one has the message `message` (or starts with it, for a message
    /// ending in a space) and passes `also`; returns it.
    fn wait_for(&mut self, message: &str, also: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {message:?} line among {:#?}", self.seen));
            self.seen.push(line.clone());
            let json: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            let text = json["message"].as_str().unwrap_or_default();
            let matches = if message.ends_with(' ') {
                text.starts_with(message)
            } else {
                text == message
            };
            if matches && also(&json) {
                return json;
            }
        }
    }

    /// Stops the server and returns every line it wrote.
    fn stop(mut self) -> Vec<String> {
        assert!(terminate(&mut self.child).success());
        self.seen.extend(self.lines.iter());
        self.seen
    }
}

fn field<'a>(line: &'a Value, name: &str) -> &'a Value {
    line.get(name)
        .unwrap_or_else(|| panic!("no {name} in {line}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_a_line() {
    let cwd = tempfile::tempdir().unwrap();
    let mut server = Logged::start(
        cwd.path(),
        &[
            ("LETUSCHAT_ADDR", "127.0.0.1:0"),
            ("LETUSCHAT_METRICS_ADDR", "127.0.0.1:0"),
            ("LETUSCHAT_LOG_FORMAT", "json"),
            ("LETUSCHAT_BCRYPT_COST", "4"),
        ],
    );
    let listening = server.wait_for("listening on ", |_| true);
    assert_eq!(field(&listening, "level"), "INFO");
    let message = listening["message"].as_str().unwrap();
    let base = message["listening on ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();

    let response = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(response.status(), 200);
    let request = server.wait_for("request", |line| line["route"] == "/readyz");
    assert_eq!(field(&request, "level"), "INFO");
    assert_eq!(field(&request, "method"), "GET");
    assert_eq!(field(&request, "status"), 200);
    assert!(field(&request, "duration_ms")
        .as_f64()
        .is_some_and(|ms| ms >= 0.0));

    // A WebSocket: a line when it opens and one when it closes, with why and for how long.
    let (id, token) = register_at(&base, "ana").await;
    let ws = connect_to(base.trim_start_matches("http://"), &token).await;
    let opened = server.wait_for("websocket open", |_| true);
    assert_eq!(field(&opened, "user"), &Value::from(id));
    drop(ws);
    let closed = server.wait_for("websocket closed", |_| true);
    assert_eq!(field(&closed, "user"), &Value::from(id));
    assert_eq!(field(&closed, "reason"), "client left");
    assert!(field(&closed, "duration_ms").as_u64().is_some());

    let all = server.stop();
    for line in &all {
        let parsed: Result<Value, _> = serde_json::from_str(line);
        assert!(
            parsed.is_ok_and(|v| v.is_object()),
            "not a JSON object: {line}"
        );
    }
}

/// Exits 2 with one line on standard error naming the variable.
fn refused_at_start(env: &[(&str, &str)], naming: &str) {
    let cwd = tempfile::tempdir().unwrap();
    let output = server(cwd.path(), env).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{env:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].contains(naming), "names {naming}: {stderr}");
}

#[test]
fn bad_watching_settings_stop_start_up_with_one_line() {
    for bad in ["9100", "localhost:9100", "yes"] {
        refused_at_start(&[("LETUSCHAT_METRICS_ADDR", bad)], "LETUSCHAT_METRICS_ADDR");
    }
    for bad in ["JSON", "logfmt", " "] {
        refused_at_start(&[("LETUSCHAT_LOG_FORMAT", bad)], "LETUSCHAT_LOG_FORMAT");
    }
}

#[test]
fn a_metrics_address_in_use_stops_start_up_with_one_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let cwd = tempfile::tempdir().unwrap();
    let output = server(
        cwd.path(),
        &[
            ("LETUSCHAT_ADDR", "127.0.0.1:0"),
            ("LETUSCHAT_METRICS_ADDR", &addr),
        ],
    )
    .output()
    .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        lines[0].contains("LETUSCHAT_METRICS_ADDR") && lines[0].contains(&addr),
        "{stderr}"
    );
}

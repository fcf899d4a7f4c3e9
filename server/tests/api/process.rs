//! The `server` binary itself: start-up with no configuration, bad settings, signals.

use crate::helpers::{Backend, TestDatabase};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn server(cwd: &std::path::Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Starts the binary and waits for its "listening on" line; returns the child and base URL.
fn start(cmd: &mut Command) -> (Child, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn server");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if let Some(url) = line.split("listening on ").nth(1) {
                let _ = tx.send(url.split_whitespace().next().unwrap_or_default().to_owned());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(url) => (child, url),
        Err(_) => {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "server did not start: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "server ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn get(url: &str) -> reqwest::Response {
    reqwest::get(url).await.expect("request")
}

#[tokio::test]
async fn starts_with_no_configuration_and_stops_on_sigterm() {
    let cwd = tempfile::tempdir().unwrap();
    // Only the port is chosen, so that a running dev server does not collide with the test.
    let (mut child, url) = start(&mut server(
        cwd.path(),
        &[("LETUSCHAT_ADDR", "127.0.0.1:0")],
    ));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(get(&format!("{url}/readyz")).await.status(), 200);
    assert!(
        cwd.path().join("data/letuschat.db").is_file(),
        "SQLite file made under data/"
    );
    assert!(cwd.path().join("uploads").is_dir(), "upload folder made");
    let secret = cwd.path().join("data/jwt_secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let kept = std::fs::read_to_string(&secret).unwrap();
    let status = terminate(&mut child);
    assert!(status.success(), "graceful stop exits 0, got {status}");

    // A second start keeps the same secret (sessions survive restarts) and the same database.
    let (mut child, url) = start(&mut server(
        cwd.path(),
        &[("LETUSCHAT_ADDR", "127.0.0.1:0")],
    ));
    assert_eq!(get(&format!("{url}/healthz")).await.status(), 200);
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), kept);
    assert!(terminate(&mut child).success());
}

#[tokio::test]
async fn serves_postgres_when_database_url_says_so() {
    let database = TestDatabase::new(Backend::Postgres).await;
    let server::config::DatabaseUrl::Postgres(url) = &database.url else {
        unreachable!()
    };
    let cwd = tempfile::tempdir().unwrap();
    let (mut child, base) = start(&mut server(
        cwd.path(),
        &[
            ("LETUSCHAT_ADDR", "127.0.0.1:0"),
            ("DATABASE_URL", url.expose()),
        ],
    ));
    let body: serde_json::Value = get(&format!("{base}/readyz")).await.json().await.unwrap();
    assert_eq!(body["database"], "postgres");
    assert!(
        !cwd.path().join("data/letuschat.db").exists(),
        "no SQLite file when PostgreSQL is chosen"
    );
    assert!(terminate(&mut child).success());
}

fn fails_with_one_line(env: &[(&str, &str)], naming: &str) {
    let cwd = tempfile::tempdir().unwrap();
    let output = server(cwd.path(), env).output().unwrap();
    assert!(!output.status.success(), "must exit non-zero");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one clear line, got: {stderr}");
    assert!(lines[0].contains(naming), "names {naming}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !stderr.contains("hunter2"),
        "passwords never printed: {stderr}"
    );
}

#[test]
fn a_bad_database_url_stops_start_up_with_one_line() {
    fails_with_one_line(
        &[("DATABASE_URL", "mysql://root:hunter2@localhost/chat")],
        "DATABASE_URL",
    );
    fails_with_one_line(&[("DATABASE_URL", "letuschat.db")], "DATABASE_URL");
    fails_with_one_line(&[("LETUSCHAT_ADDR", "not an address")], "LETUSCHAT_ADDR");
    fails_with_one_line(&[("LETUSCHAT_JWT_SECRET", "short")], "LETUSCHAT_JWT_SECRET");
}

#[test]
fn an_unreachable_database_stops_start_up_with_one_line() {
    fails_with_one_line(
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")],
        "postgres database",
    );
}

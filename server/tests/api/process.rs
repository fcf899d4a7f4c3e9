//! The `server` binary itself: start-up with no configuration, bad settings, signals.

use crate::helpers::{Backend, TestDatabase};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The debug binary, which serves the site from disk: it is given a stand-in.
pub fn server(cwd: &std::path::Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LEPTOS_SITE_ROOT", crate::helpers::fake_site());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Starts the binary and waits for its "listening on" line; returns the child and base URL.
pub fn start(cmd: &mut Command) -> (Child, String) {
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

pub fn terminate(child: &mut Child) -> std::process::ExitStatus {
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

/// The signal handlers exist before the server says it listens: a SIGTERM sent at once (a
/// supervisor stopping a service it just started) is a graceful stop, not a kill.
#[test]
fn a_sigterm_at_once_after_start_is_a_graceful_stop() {
    let cwd = tempfile::tempdir().unwrap();
    for _ in 0..5 {
        let (mut child, _) = start(&mut server(
            cwd.path(),
            &[("LETUSCHAT_ADDR", "127.0.0.1:0")],
        ));
        let status = terminate(&mut child);
        assert!(status.success(), "graceful stop exits 0, got {status}");
    }
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
fn a_missing_site_stops_start_up_with_one_line() {
    fails_with_one_line(
        &[("LEPTOS_SITE_ROOT", "/nowhere/site")],
        "/nowhere/site/pkg/letuschat.js is missing",
    );
    // No settings at all, in an empty folder: the default site folder is not there, and the
    // server says so before it writes anything (no database, no data folder).
    let cwd = tempfile::tempdir().unwrap();
    let output = server(cwd.path(), &[])
        .env_remove("LEPTOS_SITE_ROOT")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("target/site/pkg/letuschat.js is missing")
            && stderr.contains("cargo leptos build")
            && stderr.contains("LEPTOS_SITE_ROOT"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(cwd.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing written: {left:?}");
}

#[test]
fn an_unreachable_database_stops_start_up_with_one_line() {
    fails_with_one_line(
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")],
        "postgres database",
    );
}

/// The server is killed with SIGKILL in the middle of a stream of sends, then restarted: every
/// acknowledged message is there, in a gap-free order, and retrying the unacknowledged ones with
/// their client ids completes the conversation without a duplicate.
async fn nothing_acked_is_lost_to_kill_9(backend: Backend) {
    const TOTAL: usize = 120;
    const WINDOW: usize = 10;
    use crate::ws_client::connect_to;
    use shared::ws::{ClientMsg, ServerMsg};
    use std::collections::{BTreeMap, BTreeSet};

    let database = TestDatabase::new(backend).await;
    let url = database_url(&database);
    let cwd = tempfile::tempdir().unwrap();
    let env = [
        ("LETUSCHAT_ADDR", "127.0.0.1:0"),
        ("DATABASE_URL", url.as_str()),
        ("LETUSCHAT_BCRYPT_COST", "4"),
    ];
    let (mut child, base) = start(&mut server(cwd.path(), &env));
    let mut tokens = Vec::new();
    for name in ["ana", "bob"] {
        tokens.push(register_at(&base, name).await);
    }
    let conversation_id = shared::ConversationId(
        direct_at(&base, &tokens[0].1, tokens[1].0)
            .await
            .parse()
            .unwrap(),
    );

    let host = base.trim_start_matches("http://").to_owned();
    let mut ws = connect_to(&host, &tokens[0].1).await;
    let sends: Vec<ClientMsg> = (0..TOTAL)
        .map(|i| ClientMsg::Send {
            client_id: uuid::Uuid::new_v4(),
            conversation_id,
            text: Some(format!("message {i}")),
            img: None,
            reply_to: None,
            file: None,
        })
        .collect();
    // Like a real client: a window of sends in flight, the next going out as acks come back.
    // The server is killed part-way, with a full window unacknowledged.
    let mut acked = BTreeMap::new();
    let mut next = 0;
    while acked.len() < 40 {
        while next - acked.len() < WINDOW {
            ws.send(&sends[next]).await;
            next += 1;
        }
        match ws.next_event().await {
            ServerMsg::Ack { client_id, message } => {
                acked.insert(client_id, message.seq);
            }
            other => panic!("{other:?}"),
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    drop(ws);

    let (mut child, base) = start(&mut server(cwd.path(), &env));
    let history = |base: String, token: String| async move {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page: shared::MessagePage = reqwest::Client::new()
                .get(format!(
                    "{base}/api/conversations/{conversation_id}/messages?after={after}&limit=100"
                ))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            after = page.messages.last().map_or(after, |m| m.seq);
            all.extend(page.messages);
            if !page.has_more {
                return all;
            }
        }
    };
    let stored = history(base.clone(), tokens[1].1.clone()).await;
    let seqs: Vec<i64> = stored.iter().map(|m| m.seq).collect();
    assert_eq!(
        seqs,
        (1..=stored.len() as i64).collect::<Vec<_>>(),
        "gap-free after the crash"
    );
    let stored_ids: BTreeMap<uuid::Uuid, i64> =
        stored.iter().map(|m| (m.client_id, m.seq)).collect();
    for (client_id, seq) in &acked {
        assert_eq!(
            stored_ids.get(client_id),
            Some(seq),
            "acked message {client_id} kept as acked"
        );
    }
    // The client retries everything it has no ack for; the server keeps one of each.
    let mut ws = connect_to(base.trim_start_matches("http://"), &tokens[0].1).await;
    let unacked: Vec<&ClientMsg> = sends
        .iter()
        .filter(
            |f| matches!(f, ClientMsg::Send { client_id, .. } if !acked.contains_key(client_id)),
        )
        .collect();
    let mut retried = BTreeSet::new();
    let mut next = 0;
    while retried.len() < unacked.len() {
        while next < unacked.len() && next - retried.len() < WINDOW {
            ws.send(unacked[next]).await;
            next += 1;
        }
        match ws.next_event().await {
            ServerMsg::Ack { client_id, .. } => {
                retried.insert(client_id);
            }
            other => panic!("{other:?}"),
        }
    }
    let stored = history(base.clone(), tokens[1].1.clone()).await;
    assert_eq!(stored.len(), sends.len(), "every message exactly once");
    assert_eq!(
        stored.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (1..=TOTAL as i64).collect::<Vec<i64>>()
    );
    assert!(terminate(&mut child).success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_acked_is_lost_to_kill_9_on_sqlite() {
    nothing_acked_is_lost_to_kill_9(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_acked_is_lost_to_kill_9_on_postgres() {
    nothing_acked_is_lost_to_kill_9(Backend::Postgres).await;
}

/// Two server processes on one PostgreSQL database: people connected to different processes
/// still hear each other, and a sign-out on one closes sockets on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_postgres_deliver_each_others_events() {
    use crate::ws_client::connect_to;
    use serde_json::{json, Value};
    use shared::ws::{ClientMsg, ServerMsg};
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

    let database = TestDatabase::new(Backend::Postgres).await;
    let server::config::DatabaseUrl::Postgres(url) = &database.url else {
        unreachable!()
    };
    let cwd = tempfile::tempdir().unwrap();
    // One data folder: both processes sign tokens with the same generated key.
    let env = [
        ("LETUSCHAT_ADDR", "127.0.0.1:0"),
        ("DATABASE_URL", url.expose()),
        ("LETUSCHAT_BCRYPT_COST", "4"),
    ];
    let (mut first, base_a) = start(&mut server(cwd.path(), &env));
    let (mut second, base_b) = start(&mut server(cwd.path(), &env));
    let client = reqwest::Client::new();
    let mut people = Vec::new();
    for (name, base) in [("ana", &base_a), ("bob", &base_b)] {
        people.push(register_at(base, name).await);
    }
    let host = |base: &str| base.trim_start_matches("http://").to_owned();
    let mut ana = connect_to(&host(&base_a), &people[0].1).await;
    let mut bob = connect_to(&host(&base_b), &people[1].1).await;

    // A conversation made through A is announced to Bob on B.
    let conversation: Value = client
        .post(format!("{base_a}/api/conversations"))
        .bearer_auth(&people[0].1)
        .json(&json!({"member_ids": [people[1].0]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let conversation_id: shared::ConversationId =
        serde_json::from_value(conversation["id"].clone()).unwrap();
    assert!(matches!(
        ana.next_event().await,
        ServerMsg::Conversation { .. }
    ));
    assert!(
        matches!(bob.next_event().await, ServerMsg::Conversation { conversation } if conversation.id == conversation_id)
    );

    // A message sent on A reaches Bob on B; Bob's read on B reaches Ana on A.
    let client_id = uuid::Uuid::new_v4();
    ana.send(&ClientMsg::Send {
        client_id,
        conversation_id,
        text: Some("across".into()),
        img: None,
        reply_to: None,
        file: None,
    })
    .await;
    let acked = match ana.next_event().await {
        ServerMsg::Ack { message, .. } => message,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        bob.next_event().await,
        ServerMsg::Message {
            message: acked.clone()
        }
    );
    bob.send(&ClientMsg::Read {
        conversation_id,
        seq: acked.seq,
    })
    .await;
    assert!(matches!(bob.next_event().await, ServerMsg::Read { .. }));
    assert_eq!(
        ana.next_event().await,
        ServerMsg::Read {
            conversation_id,
            user_id: shared::UserId(people[1].0),
            seq: acked.seq
        }
    );
    bob.send(&ClientMsg::Typing { conversation_id }).await;
    assert!(matches!(ana.next_event().await, ServerMsg::Typing { .. }));

    // Signing Bob out through A closes his socket on B.
    let response = client
        .post(format!("{base_a}/api/auth/logout"))
        .bearer_auth(&people[1].1)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let me = client
        .get(format!("{base_b}/api/me"))
        .bearer_auth(&people[1].1)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401, "revoked everywhere");
    assert_eq!(bob.closed().await, Some(CloseCode::from(4001)));

    assert!(terminate(&mut first).success());
    assert!(terminate(&mut second).success());
}

/// The `DATABASE_URL` a server process is given for `database`.
pub fn database_url(database: &TestDatabase) -> String {
    match &database.url {
        server::config::DatabaseUrl::Sqlite(url) => url.clone(),
        server::config::DatabaseUrl::Postgres(url) => url.expose().to_owned(),
    }
}

/// Starts a direct conversation over HTTP at `base`, as the holder of `token`, with `other`;
/// returns its id.
pub async fn direct_at(base: &str, token: &str, other: i64) -> String {
    let conversation: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/conversations"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "member_ids": [other] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    conversation["id"].as_str().unwrap().to_owned()
}

/// Signs `name` up on the server at `base`; returns the user id and token.
pub async fn register_at(base: &str, name: &str) -> (i64, String) {
    let body = serde_json::json!({
        "display_name": name,
        "email": format!("{name}@example.com"),
        "password": "correct horse battery",
    });
    let response: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/auth/register"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = response["user"]["id"].as_i64().unwrap();
    (id, response["token"].as_str().unwrap().to_owned())
}

//! The `server` command line: usage, and the operator's tools against a real database while the
//! server runs.

use crate::helpers::{Backend, TestDatabase};
use crate::process::{direct_at, register_at, server, start, terminate};
use crate::ws_client::connect_to;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn run(cwd: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let output = server(cwd, env).args(args).output().expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn help_version_and_usage_errors() {
    let cwd = tempfile::tempdir().unwrap();
    let (code, out, _) = run(cwd.path(), &[], &["--help"]);
    assert_eq!(code, 0);
    for command in [
        "serve",
        "migrate",
        "backup",
        "seed-users",
        "admin",
        "users",
        "LETUSCHAT_",
    ] {
        assert!(out.contains(command), "--help names {command}: {out}");
    }
    let (code, out, _) = run(cwd.path(), &[], &["--version"]);
    assert_eq!((code, out.starts_with("server ")), (0, true));
    for bad in [
        &["bogus"][..],
        &["seed-users", "many"],
        &["admin", "promote", "a@b.c"],
        &["backup"],
    ] {
        let (code, _, err) = run(cwd.path(), &[], bad);
        assert_eq!(code, 2, "{bad:?}");
        assert!(err.contains("--help"), "{bad:?}: {err}");
    }
    assert!(
        std::fs::read_dir(cwd.path()).unwrap().next().is_none(),
        "a usage error touches nothing"
    );
}

/// Admins and disabled accounts from the command line, while the server runs on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_grant_admin_and_disable_accounts_while_serving() {
    let cwd = tempfile::tempdir().unwrap();
    let env = [
        ("LETUSCHAT_ADDR", "127.0.0.1:0"),
        ("LETUSCHAT_BCRYPT_COST", "4"),
    ];
    let (mut child, base) = start(&mut server(cwd.path(), &env));
    let (_, _ana) = register_at(&base, "ana").await;
    let (_, bob) = register_at(&base, "bob").await;
    let host = base.trim_start_matches("http://").to_owned();
    let mut bob_ws = connect_to(&host, &bob).await;

    let (code, out, err) = run(cwd.path(), &env, &["admin", "grant", "bob@example.com"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("now an admin"));
    let client = reqwest::Client::new();
    let me: Value = client
        .get(format!("{base}/api/me"))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["admin"], true);

    let (code, _, err) = run(cwd.path(), &env, &["users", "disable", "bob@example.com"]);
    assert_eq!(code, 0, "{err}");
    let (_, listed, _) = run(cwd.path(), &env, &["users", "list"]);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(lines[0].contains("ana@example.com") && lines[0].ends_with("admin"));
    assert!(lines[1].contains("bob@example.com") && lines[1].ends_with("admin,disabled"));
    let login = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"email": "bob@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403);
    // The server hears of it at its next presence round (every 10 s).
    assert_eq!(
        bob_ws.closed_within(Duration::from_secs(15)).await,
        Some(CloseCode::from(4001))
    );
    let (code, _, err) = run(
        cwd.path(),
        &env,
        &["users", "disable", "nobody@example.com"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("nobody@example.com"), "{err}");
    assert!(terminate(&mut child).success());
}

/// A backup taken while messages are being sent holds every message acknowledged before it
/// started, in a database that opens and checks out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_holds_every_acknowledged_message() {
    let cwd = tempfile::tempdir().unwrap();
    let env = [
        ("LETUSCHAT_ADDR", "127.0.0.1:0"),
        ("LETUSCHAT_BCRYPT_COST", "4"),
    ];
    let (mut child, base) = start(&mut server(cwd.path(), &env));
    let (_, ana) = register_at(&base, "ana").await;
    let (bob_id, _) = register_at(&base, "bob").await;
    let client = reqwest::Client::new();
    let path = format!(
        "{base}/api/conversations/{}/messages",
        direct_at(&base, &ana, bob_id).await
    );
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (acked, stop, client, path, ana) = (
            acked.clone(),
            stop.clone(),
            client.clone(),
            path.clone(),
            ana.clone(),
        );
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let sent = client
                    .post(&path)
                    .bearer_auth(&ana)
                    .json(
                        &json!({"client_id": uuid::Uuid::new_v4(), "text": format!("message {n}")}),
                    )
                    .send()
                    .await
                    .unwrap();
                assert_eq!(sent.status(), 201);
                let message: Value = sent.json().await.unwrap();
                acked.lock().unwrap().push(message["seq"].as_i64().unwrap());
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = acked.lock().unwrap().clone();
    assert!(before.len() > 5, "messages were being sent");
    let file = cwd.path().join("backup.db");
    let (code, out, err) = run(cwd.path(), &env, &["backup", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("backed up"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.await.unwrap();
    let (again, _, err) = run(cwd.path(), &env, &["backup", file.to_str().unwrap()]);
    assert_eq!(again, 1, "an existing file is never overwritten");
    assert!(err.contains("already exists"));
    assert!(terminate(&mut child).success());

    use sqlx::Connection;
    let mut copy = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut copy)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let seqs: Vec<i64> = sqlx::query_scalar("SELECT seq FROM messages ORDER BY seq")
        .fetch_all(&mut copy)
        .await
        .unwrap();
    for seq in &before {
        assert!(
            seqs.contains(seq),
            "message {seq} was acknowledged before the backup"
        );
    }
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "no gaps");
}

#[tokio::test]
async fn postgres_backups_are_left_to_pg_dump_and_migrate_runs_alone() {
    let database = TestDatabase::new(Backend::Postgres).await;
    let server::config::DatabaseUrl::Postgres(url) = &database.url else {
        unreachable!()
    };
    let cwd = tempfile::tempdir().unwrap();
    let env = [("DATABASE_URL", url.expose())];
    let (code, out, err) = run(cwd.path(), &env, &["migrate"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("up to date"));
    let (code, _, err) = run(cwd.path(), &env, &["backup", "copy.dump"]);
    assert_eq!(code, 1);
    assert!(err.contains("pg_dump"), "{err}");
}

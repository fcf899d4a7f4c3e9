//! Catch-up on changes survives a crash: the server binary is killed with SIGKILL in the middle
//! of a stream of edits and reactions, restarted, and `changed_after` returns every change that
//! was answered with success, each once, in rev order; numbering goes on without reuse.

use crate::helpers::{Backend, TestDatabase};
use crate::process::{database_url, direct_at, register_at, server, start, terminate};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MESSAGES: usize = 24;
const WORKERS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Done {
    Edit(usize),
    React(usize),
}

async fn all_changes(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    c: &str,
    after: i64,
) -> Vec<Value> {
    let mut all = Vec::new();
    let mut rev = after;
    loop {
        let page: Value = client
            .get(format!(
                "{base}/api/conversations/{c}/messages?changed_after={rev}&limit=7"
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let messages = page["messages"].as_array().unwrap().clone();
        rev = messages.last().map_or(rev, |m| m["rev"].as_i64().unwrap());
        all.extend(messages);
        if page["has_more"] == false {
            return all;
        }
    }
}

async fn changed_after_survives_kill_9(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let url = database_url(&database);
    let cwd = tempfile::tempdir().unwrap();
    let env = [
        ("LETUSCHAT_ADDR", "127.0.0.1:0"),
        ("DATABASE_URL", url.as_str()),
        ("LETUSCHAT_BCRYPT_COST", "4"),
    ];
    let (mut child, base) = start(&mut server(cwd.path(), &env));
    let client = reqwest::Client::new();
    let (_, ana) = register_at(&base, "ana").await;
    let (bob_id, bob) = register_at(&base, "bob").await;
    let c = direct_at(&base, &ana, bob_id).await;
    let mut ids = Vec::new();
    for i in 0..MESSAGES {
        let sent: Value = client
            .post(format!("{base}/api/conversations/{c}/messages"))
            .bearer_auth(&ana)
            .json(&json!({"client_id": uuid::Uuid::new_v4(), "text": format!("m{i}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(sent["id"].as_str().unwrap().to_owned());
    }
    let start_rev = MESSAGES as i64;

    // Workers edit (as Ana) and react (as Bob) until the server dies under them.
    let done = Arc::new(Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for w in 0..WORKERS {
        let (client, base, c, ana, bob, ids, done) = (
            client.clone(),
            base.clone(),
            c.clone(),
            ana.clone(),
            bob.clone(),
            ids.clone(),
            done.clone(),
        );
        workers.push(tokio::spawn(async move {
            for i in (w..MESSAGES).step_by(WORKERS) {
                let path = format!("{base}/api/conversations/{c}/messages/{}", ids[i]);
                let edit = client
                    .patch(&path)
                    .bearer_auth(&ana)
                    .json(&json!({"text": format!("edit {i}")}))
                    .send()
                    .await;
                match edit {
                    Ok(r) if r.status() == 200 => done.lock().unwrap().push(Done::Edit(i)),
                    _ => return,
                }
                let react = client
                    .put(format!("{path}/reactions/%F0%9F%91%8D"))
                    .bearer_auth(&bob)
                    .send()
                    .await;
                match react {
                    Ok(r) if r.status() == 204 => done.lock().unwrap().push(Done::React(i)),
                    _ => return,
                }
            }
        }));
    }
    while done.lock().unwrap().len() < 2 * MESSAGES / 3 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    for worker in workers {
        worker.await.unwrap();
    }
    let done = done.lock().unwrap().clone();

    let (mut child, base) = start(&mut server(cwd.path(), &env));
    let changes = all_changes(&client, &base, &bob, &c, start_rev).await;
    let revs: Vec<i64> = changes.iter().map(|m| m["rev"].as_i64().unwrap()).collect();
    assert!(
        revs.windows(2).all(|w| w[0] < w[1]),
        "ascending, each once: {revs:?}"
    );
    assert!(revs.iter().all(|r| *r > start_rev));
    let by_id: BTreeMap<&str, &Value> = changes
        .iter()
        .map(|m| (m["id"].as_str().unwrap(), m))
        .collect();
    for change in &done {
        let (i, ok) = match *change {
            Done::Edit(i) => (
                i,
                by_id
                    .get(ids[i].as_str())
                    .is_some_and(|m| m["text"] == format!("edit {i}")),
            ),
            Done::React(i) => (
                i,
                by_id.get(ids[i].as_str()).is_some_and(|m| {
                    m["reactions"] == json!([{"emoji": "👍", "user_ids": [bob_id]}])
                }),
            ),
        };
        assert!(
            ok,
            "{change:?} was answered, so catch-up has it: {:?}",
            by_id.get(ids[i].as_str())
        );
    }
    // Numbering goes on past the highest rev: no number is given twice.
    let view: Value = client
        .get(format!("{base}/api/conversations/{c}"))
        .bearer_auth(&ana)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let highest = revs.last().copied().unwrap_or(start_rev);
    assert!(view["rev"].as_i64().unwrap() >= highest);
    let edited: Value = client
        .patch(format!("{base}/api/conversations/{c}/messages/{}", ids[0]))
        .bearer_auth(&ana)
        .json(&json!({"text": "after the crash"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        edited["rev"].as_i64().unwrap(),
        view["rev"].as_i64().unwrap() + 1
    );
    assert!(terminate(&mut child).success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_after_survives_kill_9_on_sqlite() {
    changed_after_survives_kill_9(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_after_survives_kill_9_on_postgres() {
    changed_after_survives_kill_9(Backend::Postgres).await;
}

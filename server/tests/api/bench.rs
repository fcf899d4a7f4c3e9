//! What the benchmarks rely on: seeding many people at once, and the load generator itself,
//! which must account for every message it sends (figures are reported, never asserted here).

use crate::helpers::{both, spawn_app, TestApp};
use crate::storage::{new_user, store, Fixture};
use loadgen::client::Api;
use std::time::Duration;

both!(store => seeding_adds_only_who_is_missing);
both!(spawn_app => loadgen_accounts_for_every_message, loadgen_holds_idle_connections);

async fn seeding_adds_only_who_is_missing(f: Fixture) {
    f.db.create_user(new_user("seed-1@seed.invalid", "Taken Already"))
        .await
        .unwrap();
    let batch: Vec<_> = (0..5)
        .map(|i| new_user(&format!("SEED-{i}@seed.invalid"), &shared::seed::name(i)))
        .collect();
    assert_eq!(f.db.create_users(&batch).await.unwrap(), 4);
    assert_eq!(f.db.create_users(&batch).await.unwrap(), 0);
    let found =
        f.db.search_users(
            &shared::validate::search_key(&shared::seed::name(3)),
            shared::UserId(0),
            5,
        )
        .await
        .unwrap();
    assert_eq!(found[0].display_name, shared::seed::name(3));
    let kept =
        f.db.user_by_email("seed-1@seed.invalid")
            .await
            .unwrap()
            .unwrap();
    assert_eq!(kept.display_name, "Taken Already");
}

async fn loadgen_accounts_for_every_message(app: TestApp) {
    let api = Api::new(&app.at("")).await.unwrap();
    let people = loadgen::users::register(&api, "t", 6).await.unwrap();
    let room = loadgen::fanout::prepare(&api, &people, 4, 3).await.unwrap();
    let r = loadgen::fanout::run(
        std::slice::from_ref(&api),
        &room,
        200.0,
        Duration::from_secs(1),
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    assert_eq!((r.sent, r.acked), (200, 200));
    // Two other members see each message, and its sender gets the ack.
    assert_eq!(r.deliveries, 200 * 3);
    assert_eq!(
        (r.lost, r.duplicated, r.errors),
        (0, 0, 0),
        "{:?}",
        r.first_error
    );
    // At this rate nobody is let go and nothing needs catching up or resending.
    assert_eq!((r.late, r.let_go, r.resent), (0, 0, 0));
    assert!(r.reached_everyone);
    assert_eq!(r.delivery.count, 400);
    assert_eq!(r.ack.count, 200);
}

/// Two processes on one PostgreSQL database, the people connected to them in turn: most copies
/// cross from one process to the other, and every one is still accounted for.
#[tokio::test]
async fn loadgen_accounts_across_two_processes() {
    let first = spawn_app(crate::helpers::Backend::Postgres).await;
    let second = first.twin().await;
    let servers = [
        Api::new(&first.at("")).await.unwrap(),
        Api::new(&second.at("")).await.unwrap(),
    ];
    let people = loadgen::users::register(&servers[0], "two", 8)
        .await
        .unwrap();
    let room = loadgen::fanout::prepare(&servers[0], &people, 4, 4)
        .await
        .unwrap();
    let r = loadgen::fanout::run(
        &servers,
        &room,
        100.0,
        Duration::from_secs(1),
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    assert_eq!((r.sent, r.acked), (100, 100));
    // Three members and the ack each, live or (on a loaded machine) caught up from history.
    assert_eq!(r.deliveries + r.late, 100 * 4, "{r:?}");
    assert_eq!(
        (r.lost, r.duplicated, r.errors),
        (0, 0, 0),
        "{:?}",
        r.first_error
    );
    assert!(r.reached_everyone);
}

async fn loadgen_holds_idle_connections(app: TestApp) {
    let api = Api::new(&app.at("")).await.unwrap();
    let people = loadgen::users::register(&api, "i", 3).await.unwrap();
    let pid = loadgen::proc::listening_pid(api.addr().port());
    // The server runs inside this test process.
    assert_eq!(pid, Some(std::process::id()));
    let r = loadgen::idle::run(&api, &people, 30, 1000, pid)
        .await
        .unwrap();
    assert_eq!((r.connections, r.failed, r.processes), (30, 0, 1));
    assert!(r.server_rss_held_bytes > 0);
}

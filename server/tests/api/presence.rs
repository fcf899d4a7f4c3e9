//! Presence across server processes and the bus between them: storage on both databases, then
//! two servers on one PostgreSQL database.

use crate::conversations::{get, person, say, start};
use crate::helpers::{both, spawn_app, Backend};
use crate::storage::{store, users, Fixture};
use crate::ws_client::connect;
use serde_json::Value;
use server::db::NewMessage;
use shared::ws::{ClientMsg, ServerMsg};
use shared::{ConversationId, Timestamp, UserId};
use sqlx::Connection;
use std::time::Duration;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use uuid::Uuid;

both!(store => who_sees_whom_follows_who_has_written, presence_is_counted_across_processes);

async fn who_sees_whom_follows_who_has_written(f: Fixture) {
    let u = users(&f.db, 3).await;
    let (ana, bob, eve) = (u[0], u[1], u[2]);
    let group = f.db.create_group(eve, &[ana, bob], None).await.unwrap();
    for user in [ana, bob, eve] {
        assert!(f.db.presence_audience(user).await.unwrap().is_empty());
        assert!(f.db.presence_visible(user).await.unwrap().is_empty());
    }
    write(&f, group, eve).await;
    let mut audience = f.db.presence_audience(eve).await.unwrap();
    audience.sort();
    assert_eq!(audience, vec![ana, bob], "Eve wrote: the group may see her");
    assert_eq!(f.db.presence_visible(ana).await.unwrap(), vec![eve]);
    assert!(
        f.db.presence_visible(eve).await.unwrap().is_empty(),
        "nobody else wrote"
    );
    assert!(f.db.presence_audience(ana).await.unwrap().is_empty());
}

async fn write(f: &Fixture, conversation: ConversationId, sender: UserId) {
    f.db.insert_message(NewMessage {
        conversation_id: conversation,
        sender_id: sender,
        client_id: Uuid::new_v4(),
        text: "hi".into(),
        img: None,
        reply_to: None,
        file: None,
    })
    .await
    .unwrap();
}

async fn presence_is_counted_across_processes(f: Fixture) {
    let u = users(&f.db, 2).await;
    let (ana, bob) = (u[0], u[1]);
    let now = chrono::Utc::now().timestamp_millis();
    let (one, two, crashed) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let live_after = Timestamp(now - 30_000);
    for origin in [one, two] {
        f.db.process_alive(origin, Timestamp(now)).await.unwrap();
    }
    f.db.process_alive(crashed, Timestamp(now - 60_000))
        .await
        .unwrap();
    assert!(!f.db.presence_join(one, ana, live_after).await.unwrap());
    assert!(
        f.db.presence_join(two, ana, live_after).await.unwrap(),
        "on one already"
    );
    assert!(!f.db.presence_join(crashed, bob, live_after).await.unwrap());
    assert_eq!(
        f.db.online_among(&[ana, bob], live_after).await.unwrap(),
        vec![ana],
        "a process not seen for a while does not count"
    );
    assert!(
        f.db.presence_leave(one, ana, live_after).await.unwrap(),
        "still on two"
    );
    assert!(
        !f.db.presence_leave(two, ana, live_after).await.unwrap(),
        "gone"
    );
    assert!(f
        .db
        .online_among(&[ana], live_after)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(f.db.sweep_processes(live_after).await.unwrap(), vec![bob]);
    assert!(f.db.sweep_processes(live_after).await.unwrap().is_empty());
    f.db.forget_process(one).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_on_two_processes_is_online_until_the_last_tab_closes() {
    let first = spawn_app(Backend::Postgres).await;
    let second = first.twin().await;
    let (_, ana_token) = person(&first, "Ana").await;
    let (bob, bob_token) = person(&first, "Bob").await;
    let conversation = start(&first, &ana_token, &[bob], None).await;
    say(&first, &bob_token, &conversation, "hi").await;
    let mut ana_ws = connect(&first, &ana_token).await;
    let bob_here = connect(&first, &bob_token).await;
    assert_eq!(next_presence(&mut ana_ws).await, (UserId(bob), true));
    let bob_there = connect(&second, &bob_token).await;
    drop(bob_here);
    ana_ws.expect_silence(Duration::from_millis(500)).await;
    drop(bob_there);
    assert_eq!(
        next_presence(&mut ana_ws).await,
        (UserId(bob), false),
        "offline once the tab on the other process closes"
    );
    // Someone connecting to the other process learns who is online on this one.
    let _bob_back = connect(&first, &bob_token).await;
    assert_eq!(next_presence(&mut ana_ws).await, (UserId(bob), true));
    let mut ana_there = crate::ws_client::connect_to(&second.addr.to_string(), &ana_token).await;
    assert_eq!(next_presence(&mut ana_there).await, (UserId(bob), true));
}

/// The bus between the processes goes down while a message is sent: the other process's
/// clients are told to reconnect and catch up (1013) or get the message late, never nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_published_while_the_bus_is_down_are_not_silently_missed() {
    let first = spawn_app(Backend::Postgres).await;
    let second = first.twin().await;
    let (_, ana_token) = person(&first, "Ana").await;
    let (bob, bob_token) = person(&first, "Bob").await;
    let conversation = start(&first, &ana_token, &[bob], None).await;
    let mut ana_ws = connect(&first, &ana_token).await;
    let mut bob_ws = crate::ws_client::connect_to(&second.addr.to_string(), &bob_token).await;
    // Let both listeners settle on the channel.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let name = first.database.pg_name().expect("a PostgreSQL database");
    let mut admin = sqlx::PgConnection::connect(&crate::helpers::admin_url())
        .await
        .unwrap();
    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .execute(&mut admin)
        .await
        .unwrap();
    let cut = sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = $1 AND (query LIKE 'LISTEN%' OR query LIKE '%pg_notify%')",
    )
    .bind(name)
    .execute(&mut admin)
    .await;

    // Ana's own process lost its listener too, so her socket may be told to catch up (1013)
    // before her message is acknowledged: like the browser, she reconnects and sends it again
    // under the same client_id, which stores it once.
    let send = ClientMsg::Send {
        client_id: Uuid::new_v4(),
        conversation_id: ConversationId(conversation.parse().unwrap()),
        text: Some("while the bus is down".into()),
        img: None,
        reply_to: None,
        file: None,
    };
    ana_ws.send(&send).await;
    let mut tries = 1;
    let acked = loop {
        assert!(tries <= 20, "acknowledged within 20 tries");
        match ana_ws.next_or_close().await {
            Ok(ServerMsg::Ack { message, .. }) => break message,
            // The database refused it for now (its connections are being cut): not acked,
            // so not stored; try again.
            Ok(ServerMsg::Error { code, .. }) => {
                assert_eq!(code, "internal", "only the database refusing it for now");
                tokio::time::sleep(Duration::from_millis(200)).await;
                ana_ws.send(&send).await;
                tries += 1;
            }
            Ok(_) => continue,
            Err(code) => {
                assert_eq!(code, Some(CloseCode::from(1013)), "told to catch up");
                ana_ws = connect(&first, &ana_token).await;
                ana_ws.send(&send).await;
                tries += 1;
            }
        }
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .execute(&mut admin)
        .await
        .unwrap();
    assert!(cut.unwrap().rows_affected() >= 2, "listeners were cut");

    let heard = loop {
        match tokio::time::timeout(Duration::from_secs(15), bob_ws.next_or_close()).await {
            Ok(Ok(ServerMsg::Message { message })) => break Some(message),
            Ok(Ok(_)) => continue,
            Ok(Err(code)) => {
                assert_eq!(code, Some(CloseCode::from(1013)), "told to catch up");
                break None;
            }
            Err(_) => panic!("Bob heard nothing: the message was silently missed"),
        }
    };
    let message = match heard {
        Some(message) => message,
        None => {
            // What the browser does after 1013: reconnect and ask for what came since.
            let page: Value = get(
                &second,
                &bob_token,
                &format!("/api/conversations/{conversation}/messages?after=0"),
            )
            .await
            .json()
            .await
            .unwrap();
            serde_json::from_value(page["messages"][0].clone()).unwrap()
        }
    };
    assert_eq!(message, acked);
}

async fn next_presence(ws: &mut crate::ws_client::WsClient) -> (UserId, bool) {
    loop {
        if let ServerMsg::Presence { user_id, online } = ws.next().await {
            return (user_id, online);
        }
    }
}

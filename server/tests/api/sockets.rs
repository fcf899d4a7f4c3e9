//! The life of a WebSocket: how many one person may hold, silence, and a session that ends
//! while the socket is open.

use crate::auth::{me, register};
use crate::helpers::{both, spawn_app_with, Backend, TestApp};
use crate::ws_client::{connect, connect_with};
use server::auth::token::{Claims, Keys};
use shared::ws::{ClientMsg, ServerMsg};
use shared::UserId;
use std::time::Duration;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use uuid::Uuid;

async fn app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| {
        s.ws_per_user = 3;
        s.ws_idle = Duration::from_secs(2);
    })
    .await
}

both!(app => one_person_holds_a_bounded_number_of_sockets, a_silent_client_is_let_go_and_a_live_one_kept, a_socket_ends_with_its_session);

async fn one_person_holds_a_bounded_number_of_sockets(app: TestApp) {
    let (_, token) = register(&app, "Ana", "ana@example.com").await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(connect(&app, &token).await);
    }
    let bearer = [("authorization", format!("Bearer {token}"))];
    let mut fourth = connect_with(&app, &bearer).await.expect("upgraded");
    assert_eq!(
        fourth.closed().await,
        Some(CloseCode::from(4003)),
        "the close code says why"
    );
    // Someone else is not affected, and a closed socket makes room again.
    let (_, bob) = register(&app, "Bob", "bob@example.com").await;
    let _bob = connect(&app, &bob).await;
    drop(open.pop());
    let mut again = None;
    for _ in 0..50 {
        let mut ws = connect_with(&app, &bearer).await.expect("upgraded");
        match ws.next_or_close().await {
            Ok(ServerMsg::Ready { .. }) => {
                again = Some(ws);
                break;
            }
            // The server may not have seen the dropped socket go yet.
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    assert!(again.is_some(), "room again once a socket closed");
}

async fn a_silent_client_is_let_go_and_a_live_one_kept(app: TestApp) {
    let (_, token) = register(&app, "Ana", "ana@example.com").await;
    let mut silent = connect(&app, &token).await;
    let mut live = connect(&app, &token).await;
    // The live client keeps reading, so it answers the server's pings; the silent one does
    // not read at all, so it answers nothing.
    live.expect_silence(Duration::from_secs(5)).await;
    assert_eq!(silent.closed().await, Some(CloseCode::Policy));
    live.send(&ClientMsg::Ping).await;
    assert_eq!(live.next().await, ServerMsg::Pong, "still open after 5 s");
}

async fn a_socket_ends_with_its_session(app: TestApp) {
    let (user, _) = register(&app, "Ana", "ana@example.com").await;
    let user = UserId(user["id"].as_i64().unwrap());
    let token = short_session(&app, user, 3).await;
    assert_eq!(me(&app, &token).await.status(), 200);
    let mut ws = connect(&app, &token).await;
    // Reading keeps it alive past the idle limit; the session's end closes it.
    let started = std::time::Instant::now();
    let code = loop {
        match ws.next_or_close().await {
            Ok(_) => continue,
            Err(code) => break code,
        }
    };
    assert_eq!(code, Some(CloseCode::from(4001)));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "not before it ends"
    );
    assert_eq!(me(&app, &token).await.status(), 401);
}

/// A token for a new session of `user` that ends in `secs` seconds.
async fn short_session(app: &TestApp, user: UserId, secs: i64) -> String {
    let secret = server::secret::load_or_create(&app.data_dir()).expect("the server's key");
    let session = Uuid::new_v4();
    let now = chrono::Utc::now();
    let expires = now.timestamp() + secs;
    app.db()
        .create_session(session, user, shared::Timestamp(expires * 1000))
        .await
        .unwrap();
    Keys::new(&secret).issue(&Claims {
        sub: user.0.to_string(),
        sid: session,
        iat: now.timestamp(),
        exp: expires,
    })
}

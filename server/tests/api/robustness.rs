//! The WebSocket channel under stress and abuse: who may connect, bad and oversized frames,
//! floods, readers that stop reading, revoked sessions and shutdown.

use crate::conversations::{get, person, post, say, start};
use crate::helpers::{both, spawn_app, TestApp};
use crate::ws_client::{connect, connect_with};
use serde_json::{json, Value};
use shared::ws::{ClientMsg, ServerMsg};
use shared::UserId;
use std::time::Duration;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;

both!(spawn_app =>
    upgrades_need_a_valid_session_and_our_origin,
    bad_frames_get_errors_and_the_connection_lives,
    oversized_frames_and_floods_close_the_connection,
    logout_and_password_changes_close_sockets,
    shutdown_closes_sockets_with_1001,
    a_reader_that_stops_reading_is_let_go_and_catches_up,
);

async fn upgrades_need_a_valid_session_and_our_origin(app: TestApp) {
    let (_, token) = person(&app, "Ana").await;
    assert_eq!(connect_with(&app, &[]).await.err(), Some(401));
    let user: Value = get(&app, &token, "/api/me").await.json().await.unwrap();
    for (what, bad) in crate::auth::forged_tokens(&app, &user, &token) {
        let bearer = [("authorization", format!("Bearer {bad}"))];
        assert_eq!(connect_with(&app, &bearer).await.err(), Some(401), "{what}");
        let cookie = [("cookie", format!("letuschat_session={bad}"))];
        assert_eq!(
            connect_with(&app, &cookie).await.err(),
            Some(401),
            "{what} as a cookie"
        );
    }
    for bad in ["a.b.c", &format!("{token}x")] {
        assert_eq!(
            connect_with(&app, &[("authorization", format!("Bearer {bad}"))])
                .await
                .err(),
            Some(401),
            "{bad}"
        );
    }
    let foreign = [
        ("authorization", format!("Bearer {token}")),
        ("origin", "https://evil.example".to_owned()),
    ];
    assert_eq!(connect_with(&app, &foreign).await.err(), Some(403));
    let ours = [
        ("authorization", format!("Bearer {token}")),
        ("origin", app.url.clone()),
    ];
    assert!(connect_with(&app, &ours).await.is_ok());
    // A revoked token no longer opens a socket.
    post(&app, &token, "/api/auth/logout", json!({})).await;
    assert_eq!(
        connect_with(&app, &[("authorization", format!("Bearer {token}"))])
            .await
            .err(),
        Some(401)
    );
}

async fn bad_frames_get_errors_and_the_connection_lives(app: TestApp) {
    let (_, token) = person(&app, "Ana").await;
    let mut ws = connect(&app, &token).await;
    let frames = [
        WsMessage::text("not json"),
        WsMessage::text(r#"{"type":"shout"}"#),
        WsMessage::text(r#"{"type":"send","text":"no ids"}"#),
        WsMessage::text(r#"{"type":"read","conversation_id":"not-a-uuid","seq":1}"#),
        WsMessage::binary(vec![1, 2, 3]),
    ];
    for frame in frames {
        ws.send_raw(frame.clone()).await;
        match ws.next_event().await {
            ServerMsg::Error {
                code,
                client_id: None,
                ..
            } => assert!(code == "bad_frame" || code == "unsupported", "{code}"),
            other => panic!("{frame:?} -> {other:?}"),
        }
    }
    ws.send(&ClientMsg::Ping).await;
    assert_eq!(ws.next_event().await, ServerMsg::Pong, "still alive");
}

async fn oversized_frames_and_floods_close_the_connection(app: TestApp) {
    let (_, token) = person(&app, "Ana").await;
    let mut ws = connect(&app, &token).await;
    ws.send_raw(WsMessage::text("x".repeat(70 * 1024))).await;
    assert_ne!(ws.closed().await, Some(CloseCode::Normal));
    let mut flood = connect(&app, &token).await;
    for _ in 0..1000 {
        flood.send_raw(WsMessage::text(r#"{"type":"ping"}"#)).await;
    }
    let (mut pongs, mut limited) = (0, 0);
    let code = loop {
        match flood.next_or_close().await {
            Ok(ServerMsg::Pong) => pongs += 1,
            Ok(ServerMsg::Error { code, .. }) if code == "rate_limited" => limited += 1,
            Ok(other) => panic!("{other:?}"),
            Err(code) => break code,
        }
    };
    assert!(pongs >= 200, "a burst is answered: {pongs}");
    assert!(limited > 0, "a flood is slowed down first");
    assert_eq!(code, Some(CloseCode::Policy), "then cut off");
}

async fn logout_and_password_changes_close_sockets(app: TestApp) {
    let (_, token) = person(&app, "Ana").await;
    let second: Value = post(
        &app,
        "",
        "/api/auth/login",
        json!({"email": "ana@example.com", "password": "correct horse battery"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let second = second["token"].as_str().unwrap().to_owned();
    let mut first_ws = connect(&app, &token).await;
    let mut second_ws = connect(&app, &second).await;
    post(&app, &token, "/api/auth/logout", json!({})).await;
    assert_eq!(first_ws.closed().await, Some(CloseCode::from(4001)));
    second_ws.send(&ClientMsg::Ping).await;
    assert_eq!(
        second_ws.next_event().await,
        ServerMsg::Pong,
        "the other session is untouched"
    );
    let change =
        json!({"password": {"current": "correct horse battery", "new": "another long passphrase"}});
    let response = app
        .client
        .patch(app.at("/api/me"))
        .bearer_auth(&second)
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(second_ws.closed().await, Some(CloseCode::from(4002)));
}

async fn shutdown_closes_sockets_with_1001(mut app: TestApp) {
    let (_, token) = person(&app, "Ana").await;
    let mut ws = connect(&app, &token).await;
    app.stop().await;
    assert_eq!(ws.closed().await, Some(CloseCode::Away));
}

/// A member whose client stops reading is let go once its queue is full, while another member
/// keeps receiving at full speed; when it comes back, the history holds everything it missed.
async fn a_reader_that_stops_reading_is_let_go_and_catches_up(app: TestApp) {
    let (_, ana_token) = person(&app, "Ana").await;
    let (bob, bob_token) = person(&app, "Bob").await;
    let (cy, cy_token) = person(&app, "Cy").await;
    let conversation = start(&app, &ana_token, &[bob, cy], Some("Busy")).await;
    // Bob's socket has a tiny receive window and is never read.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(app.addr).await.unwrap();
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "ws://{}/ws",
            app.addr
        ))
        .unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {bob_token}").parse().unwrap(),
    );
    let (stalled, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .unwrap();
    let mut cy_ws = connect(&app, &cy_token).await;
    // The server registers a socket just after its 101 answer, so allow it a moment.
    let registered = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while !app.hub().is_online(UserId(bob)) {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    });
    assert!(registered.await.is_ok(), "Bob's socket is registered");

    // Ana posts over HTTP (as a bot would, without a frame budget); Cy keeps up throughout.
    // 16 KB frames (4,000 four-byte characters): enough to fill the kernel's buffers and the
    // connection's queue many times over.
    let text = "😀".repeat(4000);
    let total = 600;
    for sent in 1..=total {
        say(&app, &ana_token, &conversation, &text).await;
        if sent % 50 == 0 {
            let mut seen = 0;
            while seen < 50 {
                if let ServerMsg::Message { .. } = cy_ws.next_event().await {
                    seen += 1;
                }
            }
        }
    }
    // Bob is let go: first from the queue, then (his writes stalled) his connection ends.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while app.hub().is_online(UserId(bob)) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stalled reader was never let go"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(stalled);
    // Back again, Bob catches up on everything over HTTP.
    let mut after = 0;
    let mut caught_up = 0;
    loop {
        let page: Value = get(
            &app,
            &bob_token,
            &format!("/api/conversations/{conversation}/messages?after={after}&limit=100"),
        )
        .await
        .json()
        .await
        .unwrap();
        let messages = page["messages"].as_array().unwrap();
        caught_up += messages.len();
        after = messages
            .last()
            .map_or(after, |m| m["seq"].as_i64().unwrap());
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(caught_up, total);
    let mut bob_again = connect(&app, &bob_token).await;
    say(&app, &ana_token, &conversation, "welcome back").await;
    assert!(
        matches!(bob_again.next_event().await, ServerMsg::Message { message } if message.seq == total as i64 + 1)
    );
}

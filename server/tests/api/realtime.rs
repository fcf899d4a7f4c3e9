//! The WebSocket channel with real clients: delivery, acks, idempotency, order, presence,
//! typing, reads and the non-member rule.

use crate::conversations::{get, person, post, say, start};
use crate::helpers::{both, spawn_app, TestApp};
use crate::ws_client::{connect, connect_with};
use serde_json::{json, Value};
use shared::ws::{ClientMsg, ServerMsg, PROTOCOL_VERSION};
use shared::{ConversationId, UserId};
use std::collections::BTreeMap;
use std::time::Duration;
use uuid::Uuid;

fn cid(id: &str) -> ConversationId {
    ConversationId(id.parse().unwrap())
}

fn send(conversation: &str, text: &str) -> (Uuid, ClientMsg) {
    let client_id = Uuid::new_v4();
    let msg = ClientMsg::Send {
        client_id,
        conversation_id: cid(conversation),
        text: Some(text.into()),
        img: None,
        reply_to: None,
        file: None,
    };
    (client_id, msg)
}

both!(spawn_app =>
    ready_says_who_and_which_protocol,
    a_message_reaches_every_tab_of_every_member_once,
    a_repeated_client_id_makes_one_message,
    twenty_concurrent_senders_leave_no_gaps,
    messages_sent_over_http_are_pushed_too,
    new_conversations_are_announced,
    reads_and_typing_reach_the_right_people,
    presence_follows_the_last_tab,
    outsiders_get_errors_for_every_frame_and_nothing_is_written,
    leaving_a_group_stops_delivery,
    presence_shows_once_someone_has_written,
);

async fn ready_says_who_and_which_protocol(app: TestApp) {
    let (ana, token) = person(&app, "Ana").await;
    let mut ws = connect_with(&app, &[("authorization", format!("Bearer {token}"))])
        .await
        .unwrap();
    match ws.next().await {
        ServerMsg::Ready { user, protocol } => {
            assert_eq!(
                (user.user.id, user.email.as_str(), protocol),
                (UserId(ana), "ana@example.com", PROTOCOL_VERSION)
            );
        }
        other => panic!("{other:?}"),
    }
    ws.send(&ClientMsg::Ping).await;
    assert_eq!(ws.next().await, ServerMsg::Pong);
    // The cookie works as well as the bearer token.
    let mut by_cookie = connect_with(&app, &[("cookie", format!("letuschat_session={token}"))])
        .await
        .unwrap();
    assert!(matches!(by_cookie.next().await, ServerMsg::Ready { .. }));
}

async fn a_message_reaches_every_tab_of_every_member_once(app: TestApp) {
    let (ana, ana_token) = person(&app, "Ana").await;
    let (bob, bob_token) = person(&app, "Bob").await;
    let conversation = start(&app, &ana_token, &[bob], None).await;
    let mut ana_tab1 = connect(&app, &ana_token).await;
    let mut ana_tab2 = connect(&app, &ana_token).await;
    let mut bob_tab = connect(&app, &bob_token).await;
    let (client_id, frame) = send(&conversation, "hello");
    ana_tab1.send(&frame).await;
    let acked = match ana_tab1.next_event().await {
        ServerMsg::Ack {
            client_id: acked_id,
            message,
        } => {
            assert_eq!(acked_id, client_id);
            message
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        (acked.seq, acked.sender_id, acked.text.as_str()),
        (1, UserId(ana), "hello")
    );
    for tab in [&mut ana_tab2, &mut bob_tab] {
        assert_eq!(
            tab.next_event().await,
            ServerMsg::Message {
                message: acked.clone()
            }
        );
    }
    for tab in [&mut ana_tab1, &mut ana_tab2, &mut bob_tab] {
        tab.expect_silence(Duration::from_millis(200)).await;
    }
    let history: Value = get(
        &app,
        &bob_token,
        &format!("/api/conversations/{conversation}/messages"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(history["messages"][0]["id"], json!(acked.id));
}

async fn a_repeated_client_id_makes_one_message(app: TestApp) {
    let (_, ana_token) = person(&app, "Ana").await;
    let (bob, bob_token) = person(&app, "Bob").await;
    let conversation = start(&app, &ana_token, &[bob], None).await;
    let mut ana = connect(&app, &ana_token).await;
    let mut bob_ws = connect(&app, &bob_token).await;
    let (_, frame) = send(&conversation, "once");
    ana.send(&frame).await;
    let first = ana.next_event().await;
    ana.send(&frame).await;
    assert_eq!(
        ana.next_event().await,
        first,
        "acked again with the first message"
    );
    assert!(matches!(
        bob_ws.next_event().await,
        ServerMsg::Message { .. }
    ));
    bob_ws.expect_silence(Duration::from_millis(300)).await;
    let history: Value = get(
        &app,
        &ana_token,
        &format!("/api/conversations/{conversation}/messages"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(history["messages"].as_array().unwrap().len(), 1);
}

async fn twenty_concurrent_senders_leave_no_gaps(app: TestApp) {
    let mut people = Vec::new();
    for i in 0..20 {
        people.push(person(&app, &format!("Sender {i}")).await);
    }
    let others: Vec<i64> = people[1..].iter().map(|(id, _)| *id).collect();
    let conversation = start(&app, &people[0].1, &others, Some("Crowd")).await;
    let per_sender = 5;
    let total = 20 * per_sender;
    // Everyone is connected before anyone speaks: what is sent earlier is history, not push.
    let mut sockets = Vec::new();
    for (_, token) in &people {
        sockets.push(connect(&app, token).await);
    }
    let mut tasks = Vec::new();
    for mut ws in sockets {
        let conversation = conversation.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..per_sender {
                ws.send(&send(&conversation, &format!("{i}")).1).await;
            }
            // Every member sees every message exactly once: as acks for their own, as
            // deliveries for the others'.
            let mut seen = BTreeMap::new();
            while seen.len() < total {
                match ws.next_event().await {
                    ServerMsg::Ack { message, .. } | ServerMsg::Message { message } => {
                        assert!(
                            seen.insert(message.seq, message.id).is_none(),
                            "seq {} twice",
                            message.seq
                        );
                    }
                    other => panic!("{other:?}"),
                }
            }
            ws.expect_silence(Duration::from_millis(200)).await;
            seen
        }));
    }
    let mut views = Vec::new();
    for task in tasks {
        views.push(task.await.unwrap());
    }
    let expected: Vec<i64> = (1..=total as i64).collect();
    for view in &views {
        assert_eq!(
            view.keys().copied().collect::<Vec<_>>(),
            expected,
            "gap-free"
        );
        assert_eq!(view, &views[0], "the same message at each seq for everyone");
    }
}

async fn messages_sent_over_http_are_pushed_too(app: TestApp) {
    let (_, ana_token) = person(&app, "Ana").await;
    let (bob, bob_token) = person(&app, "Bob").await;
    let conversation = start(&app, &ana_token, &[bob], None).await;
    let mut ana = connect(&app, &ana_token).await;
    let mut bob_ws = connect(&app, &bob_token).await;
    let sent = say(&app, &ana_token, &conversation, "from a script").await;
    for ws in [&mut ana, &mut bob_ws] {
        match ws.next_event().await {
            ServerMsg::Message { message } => assert_eq!(json!(message.id), sent["id"]),
            other => panic!("{other:?}"),
        }
    }
}

async fn new_conversations_are_announced(app: TestApp) {
    let (_, ana_token) = person(&app, "Ana").await;
    let (bob, bob_token) = person(&app, "Bob").await;
    let mut bob_ws = connect(&app, &bob_token).await;
    let mut ana_ws = connect(&app, &ana_token).await;
    let conversation = start(&app, &ana_token, &[bob], None).await;
    for ws in [&mut ana_ws, &mut bob_ws] {
        match ws.next_event().await {
            ServerMsg::Conversation { conversation: c } => assert_eq!(c.id, cid(&conversation)),
            other => panic!("{other:?}"),
        }
    }
    // Finding it again announces nothing.
    start(&app, &bob_token, &[bob - 1], None).await;
    bob_ws.expect_silence(Duration::from_millis(200)).await;
}

async fn reads_and_typing_reach_the_right_people(app: TestApp) {
    let (ana, ana_token) = person(&app, "Ana").await;
    let (bob, bob_token) = person(&app, "Bob").await;
    let conversation = start(&app, &ana_token, &[bob], None).await;
    say(&app, &ana_token, &conversation, "one").await;
    say(&app, &ana_token, &conversation, "two").await;
    let mut ana_ws = connect(&app, &ana_token).await;
    let mut bob_tab1 = connect(&app, &bob_token).await;
    let mut bob_tab2 = connect(&app, &bob_token).await;
    bob_tab1
        .send(&ClientMsg::Read {
            conversation_id: cid(&conversation),
            seq: 2,
        })
        .await;
    let read = ServerMsg::Read {
        conversation_id: cid(&conversation),
        user_id: UserId(bob),
        seq: 2,
    };
    for ws in [&mut bob_tab1, &mut bob_tab2, &mut ana_ws] {
        assert_eq!(ws.next_event().await, read);
    }
    let view: Value = get(
        &app,
        &bob_token,
        &format!("/api/conversations/{conversation}"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(view["unread_count"], 0);
    ana_ws
        .send(&ClientMsg::Typing {
            conversation_id: cid(&conversation),
        })
        .await;
    let typing = ServerMsg::Typing {
        conversation_id: cid(&conversation),
        user_id: UserId(ana),
    };
    assert_eq!(bob_tab1.next_event().await, typing);
    assert_eq!(bob_tab2.next_event().await, typing);
    // Throttled, and never echoed to the typist.
    ana_ws
        .send(&ClientMsg::Typing {
            conversation_id: cid(&conversation),
        })
        .await;
    ana_ws.expect_silence(Duration::from_millis(200)).await;
    bob_tab1.expect_silence(Duration::from_millis(200)).await;
}

async fn presence_follows_the_last_tab(app: TestApp) {
    let (_, ana_token) = person(&app, "Ana").await;
    let (bob, bob_token) = person(&app, "Bob").await;
    let conversation = start(&app, &ana_token, &[bob], None).await;
    say(&app, &bob_token, &conversation, "hi").await;
    let mut ana_ws = connect(&app, &ana_token).await;
    let bob_tab1 = connect(&app, &bob_token).await;
    assert_eq!(
        ana_ws.next().await,
        ServerMsg::Presence {
            user_id: UserId(bob),
            online: true
        }
    );
    let bob_tab2 = connect(&app, &bob_token).await;
    drop(bob_tab1);
    ana_ws.expect_silence(Duration::from_millis(300)).await;
    drop(bob_tab2);
    assert_eq!(
        ana_ws.next().await,
        ServerMsg::Presence {
            user_id: UserId(bob),
            online: false
        }
    );
    // Someone connecting learns who is already online.
    let _bob_again = connect(&app, &bob_token).await;
    assert_eq!(
        ana_ws.next().await,
        ServerMsg::Presence {
            user_id: UserId(bob),
            online: true
        }
    );
}

async fn outsiders_get_errors_for_every_frame_and_nothing_is_written(app: TestApp) {
    let (_, ana_token) = person(&app, "Ana").await;
    let (bob, bob_token) = person(&app, "Bob").await;
    let (_, eve_token) = person(&app, "Eve").await;
    let conversation = start(&app, &ana_token, &[bob], None).await;
    let mut bob_ws = connect(&app, &bob_token).await;
    let mut eve = connect(&app, &eve_token).await;
    let unknown = Uuid::new_v4().to_string();
    for target in [conversation.as_str(), unknown.as_str()] {
        let (client_id, frame) = send(target, "let me in");
        eve.send(&frame).await;
        assert_eq!(
            eve.next_event().await,
            ServerMsg::Error {
                code: "not_found".into(),
                message: "Not found.".into(),
                client_id: Some(client_id)
            }
        );
        for frame in [
            ClientMsg::Read {
                conversation_id: cid(target),
                seq: 1,
            },
            ClientMsg::Typing {
                conversation_id: cid(target),
            },
        ] {
            eve.send(&frame).await;
            assert_eq!(
                eve.next_event().await,
                ServerMsg::Error {
                    code: "not_found".into(),
                    message: "Not found.".into(),
                    client_id: None
                }
            );
        }
    }
    bob_ws.expect_silence(Duration::from_millis(200)).await;
    let history: Value = get(
        &app,
        &ana_token,
        &format!("/api/conversations/{conversation}/messages"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(history["messages"], json!([]));
}

/// Someone who leaves a group hears nothing more of it, at once, and can do nothing in it; the
/// others see the new membership.
async fn leaving_a_group_stops_delivery(app: TestApp) {
    let (_, ana_token) = person(&app, "Ana").await;
    let (bob, _) = person(&app, "Bob").await;
    let (cy, cy_token) = person(&app, "Cy").await;
    let group = start(&app, &ana_token, &[bob, cy], Some("Trio")).await;
    let direct = start(&app, &ana_token, &[cy], None).await;
    let mut ana = connect(&app, &ana_token).await;
    let mut cy_ws = connect(&app, &cy_token).await;
    let left = post(
        &app,
        &cy_token,
        &format!("/api/conversations/{group}/leave"),
        json!({}),
    )
    .await;
    assert_eq!(left.status(), 204);
    match ana.next_event().await {
        ServerMsg::Conversation { conversation } => {
            assert_eq!(
                conversation
                    .members
                    .iter()
                    .map(|m| m.id)
                    .collect::<Vec<_>>()
                    .len(),
                2
            );
        }
        other => panic!("{other:?}"),
    }
    say(&app, &ana_token, &group, "without Cy").await;
    cy_ws.expect_silence(Duration::from_millis(300)).await;
    assert_eq!(
        get(&app, &cy_token, &format!("/api/conversations/{group}"))
            .await
            .status(),
        404
    );
    let (client_id, frame) = send(&group, "let me back");
    cy_ws.send(&frame).await;
    assert!(
        matches!(cy_ws.next_event().await, ServerMsg::Error { code, client_id: Some(c), .. } if code == "not_found" && c == client_id)
    );
    let again = post(
        &app,
        &cy_token,
        &format!("/api/conversations/{group}/leave"),
        json!({}),
    )
    .await;
    assert_eq!(again.status(), 404);
    let direct_leave = post(
        &app,
        &cy_token,
        &format!("/api/conversations/{direct}/leave"),
        json!({}),
    )
    .await;
    assert_eq!(direct_leave.status(), 422);
}

/// People who just got a conversation together learn at once whether the other is online.
/// You see a person's presence once they have written in a conversation you share; being put
/// into a group, or sent a first message, shows nothing of you.
async fn presence_shows_once_someone_has_written(app: TestApp) {
    let (ana, ana_token) = person(&app, "Ana").await;
    let (bob, bob_token) = person(&app, "Bob").await;
    let (_, eve_token) = person(&app, "Eve").await;
    let mut ana_ws = connect(&app, &ana_token).await;
    let mut eve_ws = connect(&app, &eve_token).await;
    // Eve puts Ana and Bob into groups and writes there: she learns nothing of them.
    for _ in 0..3 {
        let group = start(&app, &eve_token, &[ana, bob], Some("Watching")).await;
        say(&app, &eve_token, &group, "hello?").await;
    }
    let direct = start(&app, &ana_token, &[bob], None).await;
    let mut bob_ws = connect(&app, &bob_token).await;
    // Ana writes to Bob: Bob may now see Ana (online), Ana still sees nothing of Bob.
    let (_, frame) = send(&direct, "hi Bob");
    ana_ws.send(&frame).await;
    // (Bob sees Eve: she wrote in groups he is in.)
    assert!(presence_of(&mut bob_ws, UserId(ana)).await);
    // Bob answers: from his first message there, Ana sees him.
    let (_, frame) = send(&direct, "hi Ana");
    bob_ws.send(&frame).await;
    assert!(presence_of(&mut ana_ws, UserId(bob)).await);
    drop(bob_ws);
    assert!(!presence_of(&mut ana_ws, UserId(bob)).await);
    // Eve never heard of Ana or Bob, who have written nothing in her groups.
    drop(ana_ws);
    tokio::time::sleep(Duration::from_millis(300)).await;
    eve_ws.send(&ClientMsg::Ping).await;
    loop {
        match eve_ws.next().await {
            ServerMsg::Pong => break,
            ServerMsg::Presence { user_id, .. } => panic!("Eve saw {user_id:?}'s presence"),
            _ => {}
        }
    }
}

/// The next presence frame about `user` (others are skipped): whether they are online.
async fn presence_of(ws: &mut crate::ws_client::WsClient, user: UserId) -> bool {
    loop {
        let (who, online) = next_presence(ws).await;
        if who == user {
            return online;
        }
    }
}

async fn next_presence(ws: &mut crate::ws_client::WsClient) -> (UserId, bool) {
    loop {
        if let ServerMsg::Presence { user_id, online } = ws.next().await {
            return (user_id, online);
        }
    }
}

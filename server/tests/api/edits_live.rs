//! Messages that change, live: `message_changed` reaches every open connection of every member
//! (across server processes on PostgreSQL), the WebSocket change frames are acked like `send`,
//! and concurrent changes from several connections leave every tab in the same state.

use crate::conversations::{get, person, say, start};
use crate::edits::{history, message_path, patch, put, reaction_path};
use crate::helpers::{both, spawn_app, Backend, TestApp};
use crate::ws_client::{connect, WsClient};
use serde_json::{json, Value};
use shared::ws::{ClientMsg, ServerMsg};
use shared::{ConversationId, Message, MessageId};
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

both!(spawn_app =>
    changes_reach_every_tab_and_the_changer_is_acked,
    change_frames_are_refused_like_their_http_twins,
    concurrent_changes_leave_every_tab_in_the_same_state,
);

fn ids(conversation: &str, message: &Value) -> (ConversationId, MessageId) {
    (
        ConversationId(conversation.parse().unwrap()),
        MessageId(message["id"].as_str().unwrap().parse().unwrap()),
    )
}

/// The next frame other than presence, typing and conversation announcements (which may
/// arrive from another process after the connection opened).
async fn next(ws: &mut WsClient) -> ServerMsg {
    loop {
        match ws.next_event().await {
            ServerMsg::Typing { .. } | ServerMsg::Conversation { .. } => continue,
            other => return other,
        }
    }
}

fn changed(frame: ServerMsg) -> Message {
    match frame {
        ServerMsg::MessageChanged { message } => message,
        other => panic!("expected message_changed, got {other:?}"),
    }
}

async fn changes_reach_every_tab_and_the_changer_is_acked(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let mut tabs = vec![
        connect(&app, &ana).await,
        connect(&app, &ana).await,
        connect(&app, &bob).await,
    ];
    let m = say(&app, &ana, &c, "hello").await;
    for tab in tabs.iter_mut() {
        assert!(matches!(next(tab).await, ServerMsg::Message { .. }));
    }
    let (conversation_id, message_id) = ids(&c, &m);

    // An edit over the WebSocket: acked to its connection, pushed to every other one.
    let client_id = Uuid::new_v4();
    tabs[0]
        .send(&ClientMsg::Edit {
            client_id,
            conversation_id,
            message_id,
            text: "hello, edited".into(),
        })
        .await;
    match next(&mut tabs[0]).await {
        ServerMsg::Ack {
            client_id: acked,
            message,
        } => {
            assert_eq!(acked, client_id);
            assert_eq!((message.text.as_str(), message.rev), ("hello, edited", 2));
        }
        other => panic!("{other:?}"),
    }
    for tab in tabs[1..].iter_mut() {
        let message = changed(next(tab).await);
        assert_eq!((message.text.as_str(), message.rev), ("hello, edited", 2));
        assert!(message.edited_at.is_some());
    }

    // A reaction over HTTP: every connection hears, the changer's own tabs included.
    let response = put(&app, &bob, &reaction_path(&c, &m, "🎉")).await;
    assert_eq!(response.status(), 204);
    for tab in tabs.iter_mut() {
        let message = changed(next(tab).await);
        assert_eq!(message.reactions.len(), 1);
        assert_eq!(message.rev, 3);
    }
    // A repeat changes nothing and tells nobody.
    put(&app, &bob, &reaction_path(&c, &m, "🎉")).await;
    tabs[2].expect_silence(Duration::from_millis(300)).await;

    // Reactions and deletion over the WebSocket.
    let client_id = Uuid::new_v4();
    tabs[2]
        .send(&ClientMsg::Unreact {
            client_id,
            conversation_id,
            message_id,
            emoji: "🎉".into(),
        })
        .await;
    assert!(
        matches!(next(&mut tabs[2]).await, ServerMsg::Ack { message, .. } if message.reactions.is_empty() && message.rev == 4)
    );
    for tab in tabs[..2].iter_mut() {
        assert_eq!(changed(next(tab).await).rev, 4);
    }
    tabs[1]
        .send(&ClientMsg::Delete {
            client_id: Uuid::new_v4(),
            conversation_id,
            message_id,
        })
        .await;
    assert!(matches!(next(&mut tabs[1]).await, ServerMsg::Ack { message, .. } if message.deleted));
    for i in [0, 2] {
        let message = changed(next(&mut tabs[i]).await);
        assert!(message.deleted && message.text.is_empty() && message.rev == 5);
    }
}

async fn change_frames_are_refused_like_their_http_twins(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let (_, eve) = person(&app, "Eve").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let m = say(&app, &ana, &c, "mine").await;
    let (conversation_id, message_id) = ids(&c, &m);
    let mut bob_ws = connect(&app, &bob).await;
    let mut eve_ws = connect(&app, &eve).await;
    let cases = [
        (
            false,
            ClientMsg::Edit {
                client_id: Uuid::new_v4(),
                conversation_id,
                message_id,
                text: "yours?".into(),
            },
            "forbidden",
        ),
        (
            false,
            ClientMsg::React {
                client_id: Uuid::new_v4(),
                conversation_id,
                message_id,
                emoji: "ok".into(),
            },
            "validation_failed",
        ),
        (
            true,
            ClientMsg::React {
                client_id: Uuid::new_v4(),
                conversation_id,
                message_id,
                emoji: "👍".into(),
            },
            "not_found",
        ),
        (
            true,
            ClientMsg::Delete {
                client_id: Uuid::new_v4(),
                conversation_id,
                message_id,
            },
            "not_found",
        ),
        (
            false,
            ClientMsg::Send {
                client_id: Uuid::new_v4(),
                conversation_id,
                text: Some("re".into()),
                img: None,
                reply_to: Some(MessageId(Uuid::new_v4())),
                file: None,
            },
            "validation_failed",
        ),
    ];
    for (stranger, frame, code) in cases {
        let ws = if stranger { &mut eve_ws } else { &mut bob_ws };
        let sent = match &frame {
            ClientMsg::Edit { client_id, .. }
            | ClientMsg::React { client_id, .. }
            | ClientMsg::Delete { client_id, .. }
            | ClientMsg::Send { client_id, .. } => *client_id,
            _ => unreachable!(),
        };
        ws.send(&frame).await;
        match next(ws).await {
            ServerMsg::Error {
                code: got,
                client_id,
                ..
            } => assert_eq!((got.as_str(), client_id), (code, Some(sent)), "{frame:?}"),
            other => panic!("{frame:?}: {other:?}"),
        }
    }
    // A reply over the WebSocket carries its quote in the ack.
    let client_id = Uuid::new_v4();
    bob_ws
        .send(&ClientMsg::Send {
            client_id,
            conversation_id,
            text: Some("re".into()),
            img: None,
            reply_to: Some(message_id),
            file: None,
        })
        .await;
    match next(&mut bob_ws).await {
        ServerMsg::Ack { message, .. } => {
            assert_eq!(message.reply_to.unwrap().text, "mine");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(history(&app, &ana, &c).await[0]["text"], "mine");
}

/// What one tab shows: each message at the highest rev it heard of.
#[derive(Default)]
struct Tab {
    messages: HashMap<MessageId, Message>,
}

impl Tab {
    fn apply(&mut self, message: Message) {
        let keep = self
            .messages
            .get(&message.id)
            .is_none_or(|held| held.rev < message.rev);
        if keep {
            self.messages.insert(message.id, message);
        }
    }
}

/// Four connections (two people, two tabs each) edit and react at once; when it is over, every
/// tab shows exactly what history says.
async fn concurrent_changes_leave_every_tab_in_the_same_state(app: TestApp) {
    const ROUNDS: usize = 12;
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let mut clients = Vec::new();
    for token in [&ana, &ana, &bob, &bob] {
        clients.push(connect(&app, token).await);
    }
    let mut sent = Vec::new();
    for i in 0..3 {
        sent.push(say(&app, &ana, &c, &format!("m{i}")).await);
    }
    let emoji = ["👍", "❤️", "😂"];
    let mut tasks = Vec::new();
    for (n, mut ws) in clients.into_iter().enumerate() {
        let frames: Vec<ClientMsg> = (0..ROUNDS)
            .map(|r| {
                let (conversation_id, message_id) = ids(&c, &sent[(n + r) % sent.len()]);
                let client_id = Uuid::new_v4();
                let emoji = emoji[(n + r) % emoji.len()].to_owned();
                match (n < 2, r % 3) {
                    // Ana's tabs edit her messages in turn.
                    (true, 0) => ClientMsg::Edit {
                        client_id,
                        conversation_id,
                        message_id,
                        text: format!("edit {n}.{r}"),
                    },
                    (_, 2) => ClientMsg::Unreact {
                        client_id,
                        conversation_id,
                        message_id,
                        emoji,
                    },
                    _ => ClientMsg::React {
                        client_id,
                        conversation_id,
                        message_id,
                        emoji,
                    },
                }
            })
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut tab = Tab::default();
            for frame in &frames {
                ws.send(frame).await;
            }
            let mut acks = 0;
            // Every frame acked, then until the others' changes stop arriving.
            while acks < frames.len() {
                match next(&mut ws).await {
                    ServerMsg::Ack { message, .. } => {
                        acks += 1;
                        tab.apply(message);
                    }
                    ServerMsg::Message { message } | ServerMsg::MessageChanged { message } => {
                        tab.apply(message)
                    }
                    other => panic!("{other:?}"),
                }
            }
            while let Some(frame) = ws.next_within(Duration::from_millis(1500)).await {
                match frame {
                    ServerMsg::Message { message } | ServerMsg::MessageChanged { message } => {
                        tab.apply(message)
                    }
                    other => panic!("{other:?}"),
                }
            }
            tab
        }));
    }
    let mut tabs = Vec::new();
    for task in tasks {
        tabs.push(task.await.unwrap());
    }
    // Every tab went quiet: the changes have all committed.
    let truth: Vec<Message> =
        serde_json::from_value(Value::Array(history(&app, &bob, &c).await)).unwrap();
    for (n, tab) in tabs.iter().enumerate() {
        for message in &truth {
            assert_eq!(tab.messages.get(&message.id), Some(message), "tab {n}");
        }
    }
    let conversation: Value = get(&app, &ana, &format!("/api/conversations/{c}"))
        .await
        .json()
        .await
        .unwrap();
    let highest = truth.iter().map(|m| m.rev).max().unwrap();
    assert_eq!(conversation["rev"], highest);
}

/// Two processes on one PostgreSQL database: a change made on one reaches a member connected
/// to the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_changed_crosses_processes_on_postgres() {
    let first = spawn_app(Backend::Postgres).await;
    let second = first.twin().await;
    let (_, ana) = person(&first, "Ana").await;
    let (bob_id, bob) = person(&first, "Bob").await;
    let c = start(&first, &ana, &[bob_id], None).await;
    let mut bob_ws = connect(&second, &bob).await;
    let m = say(&first, &ana, &c, "across").await;
    match next(&mut bob_ws).await {
        ServerMsg::Message { .. } => {}
        other => panic!("{other:?}"),
    }
    let edited = patch(
        &first,
        &ana,
        &message_path(&c, &m),
        json!({"text": "across, edited"}),
    )
    .await;
    assert_eq!(edited.status(), 200);
    let message = changed(next(&mut bob_ws).await);
    assert_eq!(message.text, "across, edited");
    put(&first, &ana, &reaction_path(&c, &m, "👍")).await;
    assert_eq!(changed(next(&mut bob_ws).await).reactions.len(), 1);
}

//! The live channel in the browser: one WebSocket per tab, reconnected with backoff and jitter,
//! with a catch-up after each reconnect so that nothing is missing and nothing shows twice.

use super::Chat;

#[cfg(not(feature = "hydrate"))]
pub fn start(_chat: Chat) {}

#[cfg(feature = "hydrate")]
pub fn start(chat: Chat) {
    use super::Link;
    use futures::channel::mpsc;
    use futures::{FutureExt, SinkExt, StreamExt};
    use gloo_net::websocket::{futures::WebSocket, Message};
    use leptos::prelude::*;

    let (tx, mut rx) = mpsc::unbounded();
    chat.outbox.set_value(Some(tx));
    leptos::task::spawn_local(async move {
        let mut attempt: u32 = 0;
        let mut first = true;
        loop {
            let Ok(socket) = WebSocket::open(&socket_url()) else {
                chat.link.set(Link::Reconnecting);
                backoff(&mut attempt).await;
                continue;
            };
            let (mut write, mut read) = socket.split();
            loop {
                futures::select! {
                    incoming = read.next().fuse() => match incoming {
                        Some(Ok(Message::Text(text))) => match read_frame(&text) {
                            Some(Frame::Ready) => {
                                attempt = 0;
                                chat.link.set(Link::Online);
                                if !first {
                                    chat.catch_up().await;
                                }
                                first = false;
                            }
                            Some(Frame::Other(frame)) => chat.apply(*frame),
                            None => {}
                        },
                        Some(Ok(Message::Bytes(_))) => {}
                        Some(Err(_)) | None => break,
                    },
                    outgoing = rx.next() => match outgoing {
                        Some(frame) => {
                            let text = serde_json::to_string(&frame).expect("client frames serialise");
                            if write.send(Message::Text(text)).await.is_err() {
                                break;
                            }
                        }
                        None => return,
                    },
                }
            }
            chat.link.set(Link::Reconnecting);
            backoff(&mut attempt).await;
        }
    });
}

/// `ws://` or `wss://` on the page's own host: the session cookie goes along.
#[cfg(feature = "hydrate")]
fn socket_url() -> String {
    let location = leptos::prelude::window().location();
    let scheme = if location.protocol().as_deref() == Ok("https:") {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{}/ws", location.host().unwrap_or_default())
}

/// Waits longer after each failed attempt (up to 30 s), with jitter so that many clients
/// dropped together do not all come back at the same moment.
#[cfg(feature = "hydrate")]
async fn backoff(attempt: &mut u32) {
    let base = (500.0 * 2f64.powi((*attempt).min(6) as i32)).min(30_000.0);
    let wait = base * (0.5 + js_sys::Math::random());
    *attempt += 1;
    gloo_timers::future::TimeoutFuture::new(wait as u32).await;
}

#[derive(Debug, PartialEq)]
enum Frame {
    Ready,
    Other(Box<shared::ws::ServerMsg>),
}

/// Reads a server frame in two passes, its `type` and then the fields that type has. Deriving
/// `Deserialize` for the tagged `ServerMsg` would buffer every frame into serde's generic
/// `Content` first, which costs the WASM a second copy of the deserializer of every type a frame
/// can carry. `None` for what this client does not know (newer servers may send more).
fn read_frame(text: &str) -> Option<Frame> {
    use serde::Deserialize;
    use shared::ws::ServerMsg;
    use shared::{Conversation, ConversationId, Message, UserId};
    use uuid::Uuid;

    #[derive(Deserialize)]
    struct Tag<'a> {
        #[serde(rename = "type")]
        kind: &'a str,
    }
    #[derive(Deserialize)]
    struct Carries<T> {
        #[serde(alias = "conversation")]
        message: T,
        #[serde(default)]
        client_id: Option<Uuid>,
    }
    #[derive(Deserialize)]
    struct About {
        #[serde(default)]
        conversation_id: Option<ConversationId>,
        #[serde(default)]
        user_id: Option<UserId>,
        #[serde(default)]
        online: bool,
        #[serde(default)]
        seq: i64,
    }
    #[derive(Deserialize)]
    struct Failure {
        code: String,
        #[serde(default)]
        client_id: Option<Uuid>,
    }

    fn parse<'a, T: Deserialize<'a>>(text: &'a str) -> Option<T> {
        // From bytes, as server-function answers are read: one reader per type in the WASM.
        serde_json::from_slice(text.as_bytes()).ok()
    }
    let frame = match parse::<Tag>(text)?.kind {
        "ready" => return Some(Frame::Ready),
        "pong" => ServerMsg::Pong,
        "message" => ServerMsg::Message {
            message: parse::<Carries<Message>>(text)?.message,
        },
        "ack" => {
            let ack = parse::<Carries<Message>>(text)?;
            ServerMsg::Ack {
                client_id: ack.client_id?,
                message: ack.message,
            }
        }
        "conversation" => ServerMsg::Conversation {
            conversation: parse::<Carries<Conversation>>(text)?.message,
        },
        kind @ ("typing" | "presence" | "read") => {
            let about = parse::<About>(text)?;
            let user_id = about.user_id?;
            match kind {
                "presence" => ServerMsg::Presence {
                    user_id,
                    online: about.online,
                },
                "typing" => ServerMsg::Typing {
                    conversation_id: about.conversation_id?,
                    user_id,
                },
                _ => ServerMsg::Read {
                    conversation_id: about.conversation_id?,
                    user_id,
                    seq: about.seq,
                },
            }
        }
        "error" => {
            let failure = parse::<Failure>(text)?;
            ServerMsg::Error {
                code: failure.code,
                message: String::new(),
                client_id: failure.client_id,
            }
        }
        _ => return None,
    };
    Some(Frame::Other(Box::new(frame)))
}

#[cfg(test)]
mod tests {
    use super::{read_frame, Frame};
    use shared::ws::ServerMsg;

    const MESSAGE: &str = r#"{"id":"6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d10","conversation_id":"0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11","seq":3,"sender_id":7,"client_id":"9a1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d10","text":"hi","img":null,"created_at":"2026-11-24T01:02:03.456Z"}"#;

    /// Whatever the derived `ServerMsg` reads, `read_frame` reads the same (less error texts).
    #[test]
    fn frames_read_as_the_shared_type_reads_them() {
        let conversation = format!(
            r#"{{"id":"0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11","kind":"direct","title":null,"members":[{{"id":7,"display_name":"Ana","photo_url":null}}],"last_message":{MESSAGE},"unread_count":1,"updated_at":"2026-11-24T01:02:03.456Z","read_positions":[{{"user_id":7,"seq":3}}]}}"#
        );
        let frames = [
            format!(r#"{{"type":"message","message":{MESSAGE}}}"#),
            format!(r#"{{"type":"ack","client_id":"9a1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d10","message":{MESSAGE}}}"#),
            format!(r#"{{"type":"conversation","conversation":{conversation}}}"#),
            r#"{"type":"typing","conversation_id":"0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11","user_id":7}"#.into(),
            r#"{"type":"presence","user_id":7,"online":true}"#.into(),
            r#"{"type":"presence","online":false,"user_id":8}"#.into(),
            r#"{"type":"read","conversation_id":"0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11","user_id":7,"seq":3}"#.into(),
            r#"{"type":"error","code":"not_found","message":"","client_id":null}"#.into(),
            r#"{"type":"pong"}"#.into(),
        ];
        for text in frames {
            let expected: ServerMsg = serde_json::from_str(&text).unwrap();
            assert_eq!(
                read_frame(&text),
                Some(Frame::Other(Box::new(expected))),
                "{text}"
            );
        }
    }

    #[test]
    fn ready_unknown_and_broken_frames() {
        let ready = r#"{"type":"ready","user":{"id":7,"display_name":"Ana","photo_url":null,"email":"a@b.co"},"protocol":1}"#;
        assert_eq!(read_frame(ready), Some(Frame::Ready));
        assert_eq!(read_frame(r#"{"type":"shout","loud":true}"#), None);
        assert_eq!(read_frame(r#"{"type":"message"}"#), None);
        assert_eq!(read_frame("not json"), None);
    }
}

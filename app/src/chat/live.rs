//! The live channel in the browser: one WebSocket per tab, reconnected with backoff and jitter,
//! with a catch-up after each reconnect so that nothing is missing and nothing shows twice.
//! A cut network often closes nothing, so the browser's offline event and a heartbeat (a ping
//! that gets no frame back in time) end a socket too; a close that ends the session leads to the
//! sign-in page instead of another attempt.

use super::Chat;
use shared::ws::CloseCode;

/// How often the client pings, and how long after a ping it waits for any frame before it takes
/// the socket for dead.
#[cfg(feature = "hydrate")]
const PING_EVERY_MS: u32 = 20_000;
#[cfg(feature = "hydrate")]
const ANSWER_WITHIN_MS: u32 = 10_000;

#[cfg(not(feature = "hydrate"))]
pub fn start(_chat: Chat) {}

#[cfg(feature = "hydrate")]
pub fn start(chat: Chat) {
    use super::Link;
    use futures::channel::mpsc;
    use futures::{FutureExt, StreamExt};
    use gloo_net::websocket::futures::WebSocket;
    use leptos::prelude::*;

    let (tx, mut outbox) = mpsc::unbounded();
    chat.outbox.set_value(Some(tx));
    // The browser's word on the network: `true` when it comes back, `false` when it goes.
    let (network_tx, mut network) = mpsc::unbounded();
    for (event, online) in [("online", true), ("offline", false)] {
        let network_tx = network_tx.clone();
        window_event_listener_untyped(event, move |_| {
            let _ = network_tx.unbounded_send(online);
        });
    }
    let logout = crate::session::use_session().logout;
    leptos::task::spawn_local(async move {
        let mut attempt: u32 = 0;
        let mut first = true;
        let mut online = true;
        loop {
            if !online {
                // Nothing to try until the browser says the network is back.
                while network.next().await == Some(false) {}
                online = true;
            }
            let end = match WebSocket::open(&socket_url()) {
                Ok(socket) => {
                    let counts = (&mut first, &mut attempt);
                    connection(chat, socket, counts, &mut outbox, &mut network).await
                }
                Err(_) => End::Closed {
                    code: None,
                    ready: false,
                },
            };
            let step = match end {
                End::Done => return,
                End::Offline => {
                    online = false;
                    Next::Reconnect
                }
                End::Closed { code, ready } => match next_step(code) {
                    // Refused at the upgrade (as when the session ended while this tab was
                    // away): ask whether this browser is still signed in before trying again.
                    Next::Reconnect if !ready && matches!(super::http::me().await, Ok(None)) => {
                        Next::SignIn(CloseCode::SignedOut)
                    }
                    step => step,
                },
            };
            match step {
                Next::Reconnect => chat.link.set(Link::Reconnecting),
                Next::SignIn(why) => {
                    // This tab's own "Log out" moves the page on by itself.
                    if !logout.pending().get_untracked() && logout.version().get_untracked() == 0 {
                        crate::go_to(&super::ended::ended_path(why));
                    }
                    return;
                }
                Next::Stop => {
                    chat.link.set(Link::TooMany);
                    return;
                }
            }
            if online {
                // The network coming back cuts the wait short; its going makes it pointless.
                futures::select! {
                    () = backoff(&mut attempt).fuse() => {}
                    change = network.next() => online = change != Some(false),
                }
            }
        }
    });
}

/// Why one socket ended.
#[cfg(feature = "hydrate")]
enum End {
    /// Closed by the server (with its close code), lost, or found dead; `ready` once the server
    /// had accepted it.
    Closed { code: Option<u16>, ready: bool },
    /// The browser went offline.
    Offline,
    /// The chat is gone: nothing more to send.
    Done,
}

/// One socket, from opening to its end. `first` until a socket has been ready (later ones catch
/// up); `attempt` counts failed tries for the backoff.
#[cfg(feature = "hydrate")]
async fn connection(
    chat: Chat,
    socket: gloo_net::websocket::futures::WebSocket,
    (first, attempt): (&mut bool, &mut u32),
    outbox: &mut futures::channel::mpsc::UnboundedReceiver<shared::ws::ClientMsg>,
    network: &mut futures::channel::mpsc::UnboundedReceiver<bool>,
) -> End {
    use super::Link;
    use futures::{FutureExt, SinkExt, StreamExt};
    use gloo_net::websocket::{Message, WebSocketError};
    use gloo_timers::future::TimeoutFuture;
    use leptos::prelude::*;
    use shared::ws::ClientMsg;

    let (mut write, mut read) = socket.split();
    let mut ready = false;
    // Set from a ping until the next frame arrives; the timer then gives the deadline.
    let mut waiting = false;
    let mut timer = TimeoutFuture::new(PING_EVERY_MS).fuse();
    loop {
        let frame = futures::select! {
            incoming = read.next().fuse() => {
                match incoming {
                    Some(Ok(Message::Text(text))) => match read_frame(&text) {
                        Some(Frame::Ready) => {
                            ready = true;
                            *attempt = 0;
                            chat.link.set(Link::Online);
                            if !*first {
                                chat.catch_up().await;
                            }
                            *first = false;
                        }
                        Some(Frame::Other(frame)) => chat.apply(*frame),
                        None => {}
                    },
                    Some(Ok(Message::Bytes(_))) => {}
                    // An error event; the close event with its code follows.
                    Some(Err(WebSocketError::ConnectionError)) => continue,
                    Some(Err(WebSocketError::ConnectionClose(close))) => {
                        return End::Closed { code: Some(close.code), ready };
                    }
                    Some(Err(_)) | None => return End::Closed { code: None, ready },
                }
                // Any frame shows the socket alive.
                if waiting {
                    waiting = false;
                    timer = TimeoutFuture::new(PING_EVERY_MS).fuse();
                }
                continue;
            }
            outgoing = outbox.next() => match outgoing {
                Some(frame) => frame,
                None => return End::Done,
            },
            () = timer => {
                if waiting {
                    return End::Closed { code: None, ready };
                }
                ClientMsg::Ping
            }
            change = network.next() => match change {
                Some(false) => return End::Offline,
                // Back online: the socket may not have survived; find out now.
                _ => ClientMsg::Ping,
            },
        };
        if matches!(frame, ClientMsg::Ping) {
            if waiting {
                continue;
            }
            waiting = true;
            timer = TimeoutFuture::new(ANSWER_WITHIN_MS).fuse();
        }
        // Client frames always serialise; `expect` would bring a Debug formatter into the WASM.
        let text = serde_json::to_string(&frame).unwrap_or_default();
        if write.send(Message::Text(text)).await.is_err() {
            return End::Closed { code: None, ready };
        }
    }
}

/// What the client does once a socket has closed with `code` (`None`: it had none, as when the
/// network went or the socket was found dead).
#[derive(Debug, PartialEq)]
enum Next {
    Reconnect,
    /// The session is over: sign in again, told why.
    SignIn(CloseCode),
    /// Trying again would be refused the same way.
    Stop,
}

fn next_step(code: Option<u16>) -> Next {
    match code.and_then(CloseCode::from_code) {
        Some(why) if why.ends_session() => Next::SignIn(why),
        Some(CloseCode::TooManyConnections) => Next::Stop,
        _ => Next::Reconnect,
    }
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
        message: String,
        #[serde(default)]
        client_id: Option<Uuid>,
    }

    fn parse<'a, T: Deserialize<'a>>(text: &'a str) -> Option<T> {
        // As server-function answers are read: one reader per type in the WASM.
        shared::json::from_slice(text.as_bytes()).ok()
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
        "message_changed" => ServerMsg::MessageChanged {
            message: parse::<Carries<Message>>(text)?.message,
        },
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
                message: failure.message,
                client_id: failure.client_id,
            }
        }
        _ => return None,
    };
    Some(Frame::Other(Box::new(frame)))
}

#[cfg(test)]
mod tests {
    use super::{next_step, read_frame, Frame, Next};
    use shared::ws::{CloseCode, ServerMsg};

    #[test]
    fn a_close_code_decides_what_comes_next() {
        assert_eq!(next_step(Some(4001)), Next::SignIn(CloseCode::SignedOut));
        assert_eq!(
            next_step(Some(4002)),
            Next::SignIn(CloseCode::PasswordChanged)
        );
        assert_eq!(next_step(Some(4003)), Next::Stop);
        // Lost, found dead, the server stopping or letting a slow socket go: try again.
        for code in [
            None,
            Some(1000),
            Some(1001),
            Some(1006),
            Some(1008),
            Some(1013),
            Some(4999),
        ] {
            assert_eq!(next_step(code), Next::Reconnect, "{code:?}");
        }
    }

    const MESSAGE: &str = r#"{"id":"6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d10","conversation_id":"0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11","seq":3,"sender_id":7,"client_id":"9a1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d10","text":"hi","img":null,"created_at":"2026-11-24T01:02:03.456Z"}"#;

    /// Whatever the derived `ServerMsg` reads, `read_frame` reads the same.
    #[test]
    fn frames_read_as_the_shared_type_reads_them() {
        let conversation = format!(
            r#"{{"id":"0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11","kind":"direct","title":null,"members":[{{"id":7,"display_name":"Ana","photo_url":null}}],"last_message":{MESSAGE},"unread_count":1,"updated_at":"2026-11-24T01:02:03.456Z","read_positions":[{{"user_id":7,"seq":3}}]}}"#
        );
        let changed = r#"{"id":"6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d10","conversation_id":"0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11","seq":4,"sender_id":7,"client_id":"9a1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d11","text":"hello","img":null,"created_at":"2026-11-24T01:02:03.456Z","rev":9,"edited_at":"2026-11-24T01:05:00.000Z","deleted":false,"reply_to":{"id":"6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d10","seq":3,"sender_id":8,"text":"hi"},"reactions":[{"emoji":"\ud83d\udc4d","user_ids":[7,8]}],"file":null}"#;
        let frames = [
            format!(r#"{{"type":"message","message":{MESSAGE}}}"#),
            format!(r#"{{"type":"message_changed","message":{changed}}}"#),
            format!(r#"{{"type":"ack","client_id":"9a1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d10","message":{MESSAGE}}}"#),
            format!(r#"{{"type":"conversation","conversation":{conversation}}}"#),
            r#"{"type":"typing","conversation_id":"0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11","user_id":7}"#.into(),
            r#"{"type":"presence","user_id":7,"online":true}"#.into(),
            r#"{"type":"presence","online":false,"user_id":8}"#.into(),
            r#"{"type":"read","conversation_id":"0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11","user_id":7,"seq":3}"#.into(),
            r#"{"type":"error","code":"not_found","message":"","client_id":null}"#.into(),
            r#"{"type":"error","code":"validation_failed","message":"text: Write something.","client_id":"9a1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d10"}"#.into(),
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

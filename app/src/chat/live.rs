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
    use shared::ws::ServerMsg;

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
                        Some(Ok(Message::Text(text))) => {
                            let Ok(frame) = serde_json::from_str::<ServerMsg>(&text) else { continue };
                            if matches!(frame, ServerMsg::Ready { .. }) {
                                attempt = 0;
                                chat.link.set(Link::Online);
                                if !first {
                                    chat.catch_up().await;
                                }
                                first = false;
                            }
                            chat.apply(frame);
                        }
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

//! One WebSocket connection: says `ready`, answers the client's frames, forwards what the hub
//! queues for it, keeps the line alive with pings, and closes politely (1001 when the server
//! stops, 1008 for abuse, 4001 when the session is revoked).

use super::frames::{self, Client, Step};
use super::limiter::RateLimiter;
use crate::auth::AuthUser;
use crate::realtime::hub::{serialize, Outbound, Registration};
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use shared::ws::{CloseCode, ServerMsg, PROTOCOL_VERSION};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How often the server pings, and how long a silent client is kept.
const PING_EVERY: Duration = Duration::from_secs(25);
const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// A write that cannot finish in this time means a client that stopped reading.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a closing connection waits for the client's Close.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

pub async fn run(socket: WebSocket, state: AppState, me: AuthUser) {
    let (registration, outbound) = state.hub.register(me.user.id, me.session);
    let user = me.user.id;
    let mut conn = Connection {
        client: Client::new(state.clone(), me, registration.id),
        registration,
        limiter: RateLimiter::new(),
    };
    if conn.registration.first {
        state.fanout.announce_presence(user, true).await;
    }
    let reason = conn.serve(socket, outbound).await;
    tracing::debug!(%user, reason, "websocket closed");
    if conn.registration.close() {
        state.fanout.announce_presence(user, false).await;
    }
}

struct Connection {
    client: Client,
    registration: Registration,
    limiter: RateLimiter,
}

impl Connection {
    async fn serve(
        &mut self,
        socket: WebSocket,
        mut outbound: mpsc::Receiver<Outbound>,
    ) -> &'static str {
        let (mut sink, mut stream) = socket.split();
        let state = &self.client.state;
        let ready = ServerMsg::Ready {
            user: self.client.me.user.me(),
            protocol: PROTOCOL_VERSION,
        };
        let present = state.fanout.present_contacts(self.client.me.user.id).await;
        for msg in std::iter::once(ready).chain(present) {
            if write(&mut sink, Message::Text(serialize(&msg)))
                .await
                .is_err()
            {
                return "write failed";
            }
        }
        let stopping = state.shutdown.clone();
        let stopping = stopping.wait();
        tokio::pin!(stopping);
        let mut ping =
            tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
        let mut last_heard = Instant::now();
        // A hub event taken from the queue while writing a run of frames, not yet handled.
        let mut pending: Option<Outbound> = None;
        loop {
            let next = if let Some(queued) = pending.take() {
                outbound_step(Some(queued))
            } else {
                tokio::select! {
                incoming = stream.next() => {
                    let Some(Ok(message)) = incoming else { return "client left" };
                    last_heard = Instant::now();
                    match message {
                        Message::Text(text) => self.on_text(&text).await,
                        Message::Binary(_) => Step::Reply(frames::error("unsupported", "Send JSON text frames.", None)),
                        Message::Close(_) => {
                            // Send the Close reply tungstenite queued: the handshake completes.
                            let _ = tokio::time::timeout(CLOSE_WAIT, sink.close()).await;
                            return "client left";
                        }
                        Message::Ping(_) | Message::Pong(_) => Step::Nothing,
                    }
                }
                queued = outbound.recv() => outbound_step(queued),
                _ = ping.tick() => {
                    if last_heard.elapsed() > IDLE_LIMIT {
                        Step::Close(CloseCode::Policy, "idle")
                    } else {
                        Step::Ping
                    }
                }
                _ = &mut stopping => Step::Close(CloseCode::GoingAway, CloseCode::GoingAway.reason()),
                }
            };
            let result = match next {
                Step::Nothing => Ok(()),
                Step::Send(frame) => write_run(&mut sink, frame, &mut outbound, &mut pending).await,
                Step::Reply(msg) => write(&mut sink, Message::Text(serialize(&msg))).await,
                Step::Ping => write(&mut sink, Message::Ping(Default::default())).await,
                Step::Close(code, reason) => {
                    let frame = CloseFrame {
                        code: code.code(),
                        reason: Utf8Bytes::from_static(reason),
                    };
                    if write(&mut sink, Message::Close(Some(frame))).await.is_ok() {
                        // The closing handshake: read until the client's Close, so that
                        // frames still on their way do not turn the close into a reset.
                        let _ = tokio::time::timeout(CLOSE_WAIT, async {
                            while let Some(Ok(message)) = stream.next().await {
                                if matches!(message, Message::Close(_)) {
                                    break;
                                }
                            }
                        })
                        .await;
                    }
                    return reason;
                }
            };
            if result.is_err() {
                return "write failed";
            }
        }
    }

    async fn on_text(&mut self, text: &str) -> Step {
        if !self.limiter.allow() {
            return if self.limiter.flooding() {
                Step::Close(CloseCode::Policy, "too many frames")
            } else {
                Step::Reply(frames::error(
                    "rate_limited",
                    "Slow down: too many frames.",
                    None,
                ))
            };
        }
        match serde_json::from_str(text) {
            Ok(frame) => self.client.handle(frame).await,
            Err(e) => Step::Reply(frames::error(
                "bad_frame",
                &format!("That frame is not valid: {e}"),
                None,
            )),
        }
    }
}

fn outbound_step(queued: Option<Outbound>) -> Step {
    match queued {
        Some(Outbound::Frame(frame)) => Step::Send(frame),
        Some(Outbound::Close(code)) => Step::Close(code, code.reason()),
        // Let go by the hub: too slow to keep up.
        None => Step::Close(CloseCode::TryAgain, CloseCode::TryAgain.reason()),
    }
}

/// Frames written with one flush at most: under load, one system call carries many.
const RUN: usize = 64;

/// Writes `first` and the frames already queued behind it, then flushes once. A close found in
/// the queue is left in `pending`.
async fn write_run<S>(
    sink: &mut S,
    first: Utf8Bytes,
    outbound: &mut mpsc::Receiver<Outbound>,
    pending: &mut Option<Outbound>,
) -> Result<(), ()>
where
    S: futures_util::Sink<Message> + Unpin,
{
    tokio::time::timeout(WRITE_TIMEOUT, async {
        sink.feed(Message::Text(first)).await.map_err(drop)?;
        for _ in 1..RUN {
            match outbound.try_recv() {
                Ok(Outbound::Frame(frame)) => {
                    sink.feed(Message::Text(frame)).await.map_err(drop)?
                }
                Ok(other) => {
                    *pending = Some(other);
                    break;
                }
                Err(_) => break,
            }
        }
        sink.flush().await.map_err(drop)
    })
    .await
    .map_err(drop)?
}

async fn write<S>(sink: &mut S, message: Message) -> Result<(), ()>
where
    S: futures_util::Sink<Message> + Unpin,
{
    match tokio::time::timeout(WRITE_TIMEOUT, sink.send(message)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

//! One WebSocket connection: says `ready`, answers the client's frames, forwards what the hub
//! queues for it, keeps the line alive with pings, and closes politely (1001 when the server
//! stops, 1008 for abuse, 4001 when the session is revoked).

use super::frames;
use super::hub::{serialize, Outbound, Registration};
use crate::auth::AuthUser;
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use shared::ws::{ServerMsg, PROTOCOL_VERSION};
use shared::ConversationId;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How often the server pings, and how long a silent client is kept.
const PING_EVERY: Duration = Duration::from_secs(25);
const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// A write that cannot finish in this time means a client that stopped reading.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a closing connection waits for the client's Close.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

pub const CLOSE_GOING_AWAY: u16 = 1001;
pub const CLOSE_POLICY: u16 = 1008;
pub const CLOSE_TRY_AGAIN: u16 = 1013;

pub async fn run(socket: WebSocket, state: AppState, me: AuthUser) {
    let (registration, outbound) = state.hub.register(me.user.id, me.session);
    let mut conn = Connection {
        state: state.clone(),
        me,
        registration,
        limiter: RateLimiter::new(),
        typing: HashMap::new(),
    };
    if conn.registration.first {
        frames::announce_presence(&conn.state, conn.me.user.id, true).await;
    }
    let reason = conn.serve(socket, outbound).await;
    tracing::debug!(user = %conn.me.user.id, reason, "websocket closed");
    let user = conn.me.user.id;
    if conn.registration.close() {
        frames::announce_presence(&state, user, false).await;
    }
}

pub struct Connection {
    pub state: AppState,
    pub me: AuthUser,
    pub registration: Registration,
    limiter: RateLimiter,
    /// When this connection last relayed `typing`, per conversation.
    pub typing: HashMap<ConversationId, Instant>,
}

impl Connection {
    async fn serve(
        &mut self,
        socket: WebSocket,
        mut outbound: mpsc::Receiver<Outbound>,
    ) -> &'static str {
        let (mut sink, mut stream) = socket.split();
        let ready = ServerMsg::Ready {
            user: self.me.user.me(),
            protocol: PROTOCOL_VERSION,
        };
        let present = frames::present_contacts(&self.state, self.me.user.id).await;
        for msg in std::iter::once(ready).chain(present) {
            if write(&mut sink, Message::Text(serialize(&msg)))
                .await
                .is_err()
            {
                return "write failed";
            }
        }
        let stopping = self.state.shutdown.clone();
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
                        Step::Close(CLOSE_POLICY, "idle")
                    } else {
                        Step::Ping
                    }
                }
                _ = &mut stopping => Step::Close(CLOSE_GOING_AWAY, "server shutting down"),
                }
            };
            let result = match next {
                Step::Nothing => Ok(()),
                Step::Send(frame) => write_run(&mut sink, frame, &mut outbound, &mut pending).await,
                Step::Reply(msg) => write(&mut sink, Message::Text(serialize(&msg))).await,
                Step::Replies(msgs) => {
                    let mut result = Ok(());
                    for msg in msgs {
                        result = write(&mut sink, Message::Text(serialize(&msg))).await;
                        if result.is_err() {
                            break;
                        }
                    }
                    result
                }
                Step::Ping => write(&mut sink, Message::Ping(Default::default())).await,
                Step::Close(code, reason) => {
                    let frame = CloseFrame {
                        code,
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
                Step::Close(CLOSE_POLICY, "too many frames")
            } else {
                Step::Reply(frames::error(
                    "rate_limited",
                    "Slow down: too many frames.",
                    None,
                ))
            };
        }
        match serde_json::from_str(text) {
            Ok(frame) => frames::handle(self, frame).await,
            Err(e) => Step::Reply(frames::error(
                "bad_frame",
                &format!("That frame is not valid: {e}"),
                None,
            )),
        }
    }
}

/// What the connection does after an event.
pub enum Step {
    Nothing,
    Send(Utf8Bytes),
    Reply(ServerMsg),
    Replies(Vec<ServerMsg>),
    Ping,
    Close(u16, &'static str),
}

fn outbound_step(queued: Option<Outbound>) -> Step {
    match queued {
        Some(Outbound::Frame(frame)) => Step::Send(frame),
        Some(Outbound::Close(code, reason)) => Step::Close(code, reason),
        // Let go by the hub: too slow to keep up.
        None => Step::Close(CLOSE_TRY_AGAIN, "too slow; reconnect and catch up"),
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

/// A token bucket for client frames: bursts are fine, a steady flood is not.
struct RateLimiter {
    tokens: f64,
    at: Instant,
    refused: u32,
}

/// Room for a reconnecting client that retries its unacknowledged sends at once.
const BURST: f64 = 200.0;
const PER_SECOND: f64 = 100.0;
/// Refused frames in a row after which the client counts as flooding and is disconnected.
const FLOOD: u32 = 50;

impl RateLimiter {
    fn new() -> Self {
        RateLimiter {
            tokens: BURST,
            at: Instant::now(),
            refused: 0,
        }
    }

    fn allow(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * PER_SECOND).min(BURST);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.refused = 0;
            true
        } else {
            self.refused += 1;
            false
        }
    }

    fn flooding(&self) -> bool {
        self.refused >= FLOOD
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_pass_and_floods_are_caught() {
        let mut limiter = RateLimiter::new();
        assert!((0..200).all(|_| limiter.allow()));
        assert!(!limiter.allow());
        assert!(!limiter.flooding());
        for _ in 0..FLOOD {
            limiter.allow();
        }
        assert!(limiter.flooding());
    }
}

//! One WebSocket connection: says `ready`, answers the client's frames, forwards what the hub
//! queues for it, keeps the line alive with pings, and closes politely with a
//! [`CloseCode`]: 1001 when the server stops, 1008 for abuse or silence, 1013 when it fell
//! behind, 4001 when the session ends (signed out, or expired while connected), 4002 after a
//! password change, 4003 when the person already holds too many connections.

use super::frames::{self, Client, Step};
use super::limiter::RateLimiter;
use crate::auth::AuthUser;
use crate::metrics::Refusal;
use crate::realtime::hub::{serialize, Inbox, Registration};
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use shared::ws::{CloseCode, ServerMsg, PROTOCOL_VERSION};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Pings at most this far apart (more often when the idle limit is short).
const PING_EVERY: Duration = Duration::from_secs(25);
/// A write that cannot finish in this time means a client that stopped reading.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a closing connection waits for the client's Close.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// A plain function returning the connection's future, not an `async fn`: an async fn's
/// arguments stay in its future as long as it lives (rust-lang/rust#62958), and this one lives
/// as long as the socket, so everything it holds is paid for by every idle connection.
pub fn run(
    socket: WebSocket,
    state: AppState,
    me: AuthUser,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let user = me.user.id;
    let (mut sink, stream) = socket.split();
    let registered = state
        .hub
        .register(user, me.session)
        .map(|(registration, inbox)| {
            let conn = Connection {
                client: Client::new(state.clone(), me, registration.id),
                registration,
                limiter: RateLimiter::new(),
            };
            (Box::new(conn), inbox)
        });
    async move {
        let (mut conn, inbox) = match registered {
            Ok(registered) => registered,
            Err(_) => {
                state.metrics.refused(Refusal::WsConnections);
                let code = CloseCode::TooManyConnections;
                tracing::info!(user = user.0, reason = code.reason(), "websocket refused");
                Box::pin(close(&mut sink, stream, code, code.reason())).await;
                return;
            }
        };
        let opened = Instant::now();
        tracing::info!(user = user.0, conn = conn.registration.id, "websocket open");
        // Boxed: these futures live in the connection's task only while they run, not for as
        // long as the connection stays open.
        Box::pin(state.fanout.connected(user, conn.registration.first)).await;
        let reason = conn.serve(&mut sink, stream, inbox).await;
        tracing::info!(
            user = user.0,
            conn = conn.registration.id,
            reason,
            duration_ms = opened.elapsed().as_millis() as u64,
            "websocket closed"
        );
        let last = conn.registration.close();
        Box::pin(state.fanout.disconnected(user, last)).await;
    }
}

type Sink = futures_util::stream::SplitSink<WebSocket, Message>;
type Stream = futures_util::stream::SplitStream<WebSocket>;

struct Connection {
    client: Client,
    registration: Registration,
    limiter: RateLimiter,
}

impl Connection {
    async fn serve(&mut self, sink: &mut Sink, mut stream: Stream, inbox: Inbox) -> &'static str {
        let Inbox {
            frames: mut outbound,
            close: order,
        } = inbox;
        let mut close_order = Some(order);
        let state = &self.client.state;
        let present = Box::pin(state.fanout.present_contacts(self.client.me.user.id)).await;
        let ready = ServerMsg::Ready {
            user: self.client.me.user.me(),
            protocol: PROTOCOL_VERSION,
        };
        // Serialised first: a `ServerMsg` held across a write would take its place in the task
        // of every connection, idle or not.
        let greeting: Vec<Utf8Bytes> = std::iter::once(ready)
            .chain(present)
            .map(|msg| serialize(&msg))
            .collect();
        for frame in greeting {
            if write(sink, Message::Text(frame)).await.is_err() {
                return "write failed";
            }
        }
        let metrics = state.metrics.clone();
        let stopping = state.shutdown.clone();
        let stopping = stopping.wait();
        tokio::pin!(stopping);
        let idle_limit = state.settings.ws_idle;
        let every = PING_EVERY.min(idle_limit / 2);
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        // The session ends while the socket is open: it must not outlive it.
        let expiry = tokio::time::sleep(self.client.me.remaining());
        tokio::pin!(expiry);
        let mut last_heard = Instant::now();
        loop {
            let next = tokio::select! {
                // Orders to close come first: nothing more is delivered once one is given.
                biased;
                order = async { close_order.as_mut()?.await.ok() }, if close_order.is_some() => match order {
                    Some(code) => Step::Close(code, code.reason()),
                    // The hub is gone (the server is stopping): no order will come.
                    None => {
                        close_order = None;
                        Step::Nothing
                    }
                },
                _ = &mut stopping => Step::Close(CloseCode::GoingAway, CloseCode::GoingAway.reason()),
                _ = &mut expiry => Step::Close(CloseCode::SignedOut, "session expired"),
                incoming = stream.next() => {
                    let Some(Ok(message)) = incoming else { return "client left" };
                    last_heard = Instant::now();
                    match message {
                        Message::Text(text) => Box::pin(self.on_text(&text)).await,
                        Message::Binary(_) => Step::reply(frames::error("unsupported", "Send JSON text frames.", None)),
                        Message::Close(_) => {
                            // Send the Close reply tungstenite queued: the handshake completes.
                            let _ = tokio::time::timeout(CLOSE_WAIT, sink.close()).await;
                            return "client left";
                        }
                        Message::Ping(_) | Message::Pong(_) => Step::Nothing,
                    }
                }
                queued = outbound.recv() => match queued {
                    Some(frame) => Step::Send(frame),
                    // Let go by the hub: too slow to keep up.
                    None => Step::Close(CloseCode::TryAgain, CloseCode::TryAgain.reason()),
                },
                _ = ping.tick() => {
                    if last_heard.elapsed() > idle_limit {
                        Step::Close(CloseCode::Policy, "idle")
                    } else {
                        Step::Ping
                    }
                }
            };
            let result = match next {
                Step::Nothing => Ok(()),
                Step::Send(frame) => write_run(sink, frame, &mut outbound).await,
                Step::Reply { frame, ack } => {
                    let written = write(sink, Message::Text(frame)).await;
                    if ack && written.is_ok() {
                        // The frame this answers was read when `last_heard` was set.
                        metrics.acked(last_heard.elapsed());
                    }
                    written
                }
                Step::Ping => write(sink, Message::Ping(Default::default())).await,
                Step::Close(code, reason) => {
                    close(sink, stream, code, reason).await;
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
            self.client.state.metrics.refused(Refusal::WsFrames);
            return if self.limiter.flooding() {
                Step::Close(CloseCode::Policy, "too many frames")
            } else {
                Step::reply(frames::error(
                    "rate_limited",
                    "Slow down: too many frames.",
                    None,
                ))
            };
        }
        match serde_json::from_str(text) {
            Ok(frame) => self.client.handle(frame).await,
            Err(e) => Step::reply(frames::error(
                "bad_frame",
                &format!("That frame is not valid: {e}"),
                None,
            )),
        }
    }
}

/// Frames written with one flush at most: under load, one system call carries many.
const RUN: usize = 64;

/// Writes `first` and the frames already queued behind it, then flushes once.
async fn write_run<S>(
    sink: &mut S,
    first: Utf8Bytes,
    outbound: &mut mpsc::Receiver<Utf8Bytes>,
) -> Result<(), ()>
where
    S: futures_util::Sink<Message> + Unpin,
{
    tokio::time::timeout(WRITE_TIMEOUT, async {
        sink.feed(Message::Text(first)).await.map_err(drop)?;
        for _ in 1..RUN {
            let Ok(frame) = outbound.try_recv() else {
                break;
            };
            sink.feed(Message::Text(frame)).await.map_err(drop)?
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

/// Sends a Close and waits (briefly) for the client's, so that frames still on their way do
/// not turn the close into a reset.
async fn close<S, R>(sink: &mut S, mut stream: R, code: CloseCode, reason: &'static str)
where
    S: futures_util::Sink<Message> + Unpin,
    R: futures_util::Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let frame = CloseFrame {
        code: code.code(),
        reason: Utf8Bytes::from_static(reason),
    };
    if write(sink, Message::Close(Some(frame))).await.is_ok() {
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            while let Some(Ok(message)) = stream.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    /// The size of what `f` returns, without calling it.
    fn future_size<A, B, C, F: FnOnce(A, B, C) -> Fut, Fut>(_: &F) -> usize {
        std::mem::size_of::<Fut>()
    }

    /// Every open socket keeps this future in its task: a reply or a frame handler held in it
    /// instead of boxed made it 5 KB, half of what an idle connection cost.
    #[test]
    fn an_idle_connection_keeps_a_small_future() {
        let size = future_size(&super::run);
        assert!(size <= 1536, "the connection's future takes {size} bytes");
    }
}

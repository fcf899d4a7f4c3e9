//! Between server processes sharing one PostgreSQL database: what one process publishes, the
//! others deliver to their own connections. The transport (LISTEN/NOTIFY) is `db::notify`.

use super::fanout::Fanout;
use crate::db::notify::{PgBus, MAX_PAYLOAD};
use crate::shutdown::Shutdown;
use serde::{Deserialize, Serialize};
use shared::ws::{CloseCode, ServerMsg};
use shared::{ConversationId, MessageId, UserId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A small frame (read, typing, presence) for these users.
    Frame {
        users: Vec<UserId>,
        frame: Box<ServerMsg>,
    },
    Message {
        conversation_id: ConversationId,
        seq: i64,
    },
    /// Messages edited, deleted or reacted to (or whose quote changed), read back by id.
    Changed {
        conversation_id: ConversationId,
        message_ids: Vec<MessageId>,
    },
    Conversation {
        conversation_id: ConversationId,
    },
    CloseSession {
        session: Uuid,
        code: u16,
    },
    CloseUser {
        user: UserId,
        code: u16,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    origin: Uuid,
    /// Counts this process's events, so that no two payloads are equal.
    n: u64,
    #[serde(flatten)]
    event: Event,
}

/// Events published with one statement at most.
const PUBLISH_BATCH: usize = 64;

/// Waits between tries to publish while the database does not take them.
const RETRY_FIRST: Duration = Duration::from_millis(50);
const RETRY_MAX: Duration = Duration::from_secs(5);

/// Publishes this process's events, in order, from one task. An event that cannot be published
/// is tried again, the ones behind it waiting, until it goes through: the other processes
/// must not silently miss it (they notice a gap in `n` if one is ever lost, and resync).
pub struct Outbox {
    origin: Uuid,
    sent: AtomicU64,
    tx: mpsc::UnboundedSender<String>,
}

impl Outbox {
    pub fn start(bus: Arc<PgBus>, origin: Uuid) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            let mut payloads = Vec::with_capacity(PUBLISH_BATCH);
            while rx.recv_many(&mut payloads, PUBLISH_BATCH).await > 0 {
                let mut wait = RETRY_FIRST;
                while let Err(e) = bus.notify(&payloads).await {
                    tracing::warn!(error = %e, "could not notify the other server processes; trying again");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(RETRY_MAX);
                }
                payloads.clear();
            }
        });
        Outbox {
            origin,
            sent: AtomicU64::new(0),
            tx,
        }
    }

    pub fn publish(&self, event: Event) {
        let payload = serde_json::to_string(&Envelope {
            origin: self.origin,
            n: self.sent.fetch_add(1, Ordering::Relaxed),
            event,
        })
        .expect("events serialise");
        if payload.len() > MAX_PAYLOAD {
            tracing::warn!(
                bytes = payload.len(),
                "event too large to share with other processes"
            );
            return;
        }
        let _ = self.tx.send(payload);
    }
}

/// Delivers what the other processes publish to this process's connections, until shutdown.
pub async fn listen(fanout: Arc<Fanout>, bus: Arc<PgBus>, shutdown: Shutdown) {
    let stopping = shutdown.wait();
    tokio::pin!(stopping);
    let mut listener = loop {
        match bus.listen().await {
            Ok(listener) => break listener,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for other processes; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = &mut stopping => return,
                }
            }
        }
    };
    let origin = fanout.origin();
    // The last `n` heard from each process: a jump means events were missed.
    let mut heard: HashMap<Uuid, u64> = HashMap::new();
    loop {
        let notification = tokio::select! {
            n = listener.recv() => n,
            _ = &mut stopping => return,
        };
        match notification {
            Ok(n) => match serde_json::from_str::<Envelope>(n.payload()) {
                Ok(envelope) if envelope.origin != origin => {
                    let last = heard.insert(envelope.origin, envelope.n);
                    if last.is_some_and(|last| envelope.n != last + 1) {
                        tracing::warn!(from = %envelope.origin, "missed events from another process");
                        resync(&fanout);
                    }
                    fanout.deliver(envelope.event).await
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "unreadable event from another process"),
            },
            // The listener reconnects by itself, but what was published meanwhile is gone.
            Err(e) => {
                tracing::warn!(error = %e, "lost the connection for events from other processes");
                heard.clear();
                resync(&fanout);
            }
        }
    }
}

/// Events for this process's connections may have been missed: each connection is told to
/// reconnect and catch up (1013), as a client that fell behind is.
fn resync(fanout: &Fanout) {
    fanout.hub().close_all(CloseCode::TryAgain);
}

//! Who hears about what: frames go to the open connections in this process at once, and, when
//! several processes share a PostgreSQL database, to the others through LISTEN/NOTIFY. Large
//! things (a message, a conversation) travel by reference; each process reads them back.

use crate::db::notify::{PgBus, MAX_PAYLOAD};
use crate::state::AppState;
use crate::ws::hub::{ConnId, Hub};
use serde::{Deserialize, Serialize};
use shared::ws::ServerMsg;
use shared::{Conversation, ConversationId, Message, UserId};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Event {
    /// A small frame (read, typing, presence) for these users.
    Frame {
        users: Vec<UserId>,
        frame: Box<ServerMsg>,
    },
    Message {
        conversation_id: ConversationId,
        seq: i64,
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

pub struct Fanout {
    hub: Arc<Hub>,
    /// This process, so it can ignore its own notifications.
    pub origin: Uuid,
    sent: AtomicU64,
    /// Notifications for the other processes, published in order by one task.
    outbox: Option<mpsc::UnboundedSender<String>>,
}

impl Fanout {
    pub fn local(hub: Arc<Hub>) -> Self {
        Fanout {
            hub,
            origin: Uuid::new_v4(),
            sent: AtomicU64::new(0),
            outbox: None,
        }
    }

    /// Also tells the other processes on this database, and starts the task that does it.
    pub fn shared(hub: Arc<Hub>, bus: Arc<PgBus>) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            let mut payloads = Vec::with_capacity(PUBLISH_BATCH);
            while rx.recv_many(&mut payloads, PUBLISH_BATCH).await > 0 {
                if let Err(e) = bus.notify(&payloads).await {
                    tracing::warn!(error = %e, "could not notify the other server processes");
                }
                payloads.clear();
            }
        });
        Fanout {
            hub,
            origin: Uuid::new_v4(),
            sent: AtomicU64::new(0),
            outbox: Some(tx),
        }
    }

    fn publish(&self, event: Event) {
        let Some(outbox) = &self.outbox else { return };
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
        let _ = outbox.send(payload);
    }

    pub fn frame(&self, users: &[UserId], frame: ServerMsg) {
        self.hub.send(users, &frame, None);
        self.publish(Event::Frame {
            users: users.to_vec(),
            frame: Box::new(frame),
        });
    }

    /// A stored message, for every member's connections but `skip` (the sender's, which is acked).
    pub fn message(&self, members: &[UserId], message: &Message, skip: Option<ConnId>) {
        self.hub.send(
            members,
            &ServerMsg::Message {
                message: message.clone(),
            },
            skip,
        );
        self.publish(Event::Message {
            conversation_id: message.conversation_id,
            seq: message.seq,
        });
    }

    /// A new conversation, announced to each member with their own view of it.
    pub async fn conversation(&self, state: &AppState, conversation: &Conversation) {
        let members: Vec<UserId> = conversation.members.iter().map(|m| m.id).collect();
        announce_locally(state, conversation.id, &members).await;
        self.publish(Event::Conversation {
            conversation_id: conversation.id,
        });
    }

    pub fn close_session(&self, session: Uuid, code: u16) {
        self.hub.close_session(session, code, close_reason(code));
        self.publish(Event::CloseSession { session, code });
    }

    pub fn close_user(&self, user: UserId, code: u16) {
        self.hub.close_user(user, code, close_reason(code));
        self.publish(Event::CloseUser { user, code });
    }
}

fn close_reason(code: u16) -> &'static str {
    match code {
        crate::accounts::CLOSE_SIGNED_OUT => "signed out",
        crate::accounts::CLOSE_PASSWORD_CHANGED => "password changed; sign in again",
        _ => "closed",
    }
}

async fn announce_locally(state: &AppState, id: ConversationId, members: &[UserId]) {
    for member in members.iter().filter(|m| state.hub.is_online(**m)) {
        if let Ok(Some(view)) = state.db.conversation(id, *member).await {
            state.hub.send(
                &[*member],
                &ServerMsg::Conversation { conversation: view },
                None,
            );
        }
    }
}

/// Delivers what the other processes publish to this process's connections, until shutdown.
pub async fn listen(state: AppState, bus: Arc<PgBus>) {
    let stopping = state.shutdown.clone();
    let stopping = stopping.wait();
    tokio::pin!(stopping);
    let mut listener = loop {
        match bus.listen().await {
            Ok(listener) => break listener,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for other processes; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                    _ = &mut stopping => return,
                }
            }
        }
    };
    loop {
        let notification = tokio::select! {
            n = listener.recv() => n,
            _ = &mut stopping => return,
        };
        match notification {
            Ok(n) => match serde_json::from_str::<Envelope>(n.payload()) {
                Ok(envelope) if envelope.origin != state.fanout.origin => {
                    deliver(&state, envelope.event).await
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "unreadable event from another process"),
            },
            // The listener reconnects by itself; what was sent meanwhile, clients catch up on.
            Err(e) => {
                tracing::warn!(error = %e, "lost the connection for events from other processes")
            }
        }
    }
}

async fn deliver(state: &AppState, event: Event) {
    match event {
        Event::Frame { users, frame } => state.hub.send(&users, &frame, None),
        Event::Message {
            conversation_id,
            seq,
        } => {
            let members = match state.db.member_ids(conversation_id).await {
                Ok(members) if members.iter().any(|m| state.hub.is_online(*m)) => members,
                _ => return,
            };
            if let Ok(Some(message)) = state.db.message_at(conversation_id, seq).await {
                state
                    .hub
                    .send(&members, &ServerMsg::Message { message }, None);
            }
        }
        Event::Conversation { conversation_id } => {
            if let Ok(members) = state.db.member_ids(conversation_id).await {
                announce_locally(state, conversation_id, &members).await;
            }
        }
        Event::CloseSession { session, code } => {
            state.hub.close_session(session, code, close_reason(code))
        }
        Event::CloseUser { user, code } => state.hub.close_user(user, code, close_reason(code)),
    }
}

//! Who hears about what: frames go to the open connections in this process at once and, when
//! several processes share a PostgreSQL database, to the others through the bus. Large things
//! (a message, a conversation) travel by reference; each process reads them back.

use super::bus::{Event, Outbox};
use super::hub::{ConnId, Hub};
use crate::db::Db;
use shared::ws::{CloseCode, ServerMsg};
use shared::{Conversation, ConversationId, Message, MessageId, UserId};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Message ids per `Changed` event: well under the notification size limit.
const CHANGED_PER_EVENT: usize = 50;

pub struct Fanout {
    hub: Arc<Hub>,
    db: Db,
    /// This process, among the others on the database (presence rows, the bus).
    origin: Uuid,
    /// To the other processes; `None` when this is the only one (SQLite).
    outbox: Option<Outbox>,
    /// (conversation, sender) pairs known to have written, for presence.
    pub(super) writers: Mutex<HashSet<(ConversationId, UserId)>>,
}

impl Fanout {
    pub fn new(hub: Arc<Hub>, db: Db, origin: Uuid, outbox: Option<Outbox>) -> Self {
        Fanout {
            hub,
            db,
            origin,
            outbox,
            writers: Mutex::default(),
        }
    }

    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    pub(super) fn db(&self) -> &Db {
        &self.db
    }

    /// This process, so it can ignore its own notifications.
    pub fn origin(&self) -> Uuid {
        self.origin
    }

    fn publish(&self, event: Event) {
        if let Some(outbox) = &self.outbox {
            outbox.publish(event);
        }
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

    /// Messages one change touched, for every member's connections; `skip` is the changer's
    /// connection and the message its caller answers it with.
    pub fn changed(
        &self,
        members: &[UserId],
        conversation_id: ConversationId,
        messages: &[Message],
        skip: Option<(ConnId, MessageId)>,
    ) {
        for message in messages {
            let skip = skip
                .filter(|(_, id)| *id == message.id)
                .map(|(conn, _)| conn);
            let frame = ServerMsg::MessageChanged {
                message: message.clone(),
            };
            self.hub.send(members, &frame, skip);
        }
        // In groups small enough for one notification each.
        for ids in messages.chunks(CHANGED_PER_EVENT) {
            self.publish(Event::Changed {
                conversation_id,
                message_ids: ids.iter().map(|m| m.id).collect(),
            });
        }
    }

    /// A new or changed conversation, announced to each member with their own view of it.
    pub async fn conversation(&self, conversation: &Conversation) {
        let members: Vec<UserId> = conversation.members.iter().map(|m| m.id).collect();
        self.announce_locally(conversation.id, &members).await;
        self.publish(Event::Conversation {
            conversation_id: conversation.id,
        });
    }

    pub fn close_session(&self, session: Uuid, code: CloseCode) {
        self.hub.close_session(session, code);
        self.publish(Event::CloseSession {
            session,
            code: code.code(),
        });
    }

    pub fn close_user(&self, user: UserId, code: CloseCode) {
        self.hub.close_user(user, code);
        self.publish(Event::CloseUser {
            user,
            code: code.code(),
        });
    }

    async fn announce_locally(&self, id: ConversationId, members: &[UserId]) {
        for member in members.iter().filter(|m| self.hub.is_online(**m)) {
            if let Ok(Some(view)) = self.db.conversation(id, *member).await {
                self.hub.send(
                    &[*member],
                    &ServerMsg::Conversation { conversation: view },
                    None,
                );
            }
        }
    }

    /// What another process published, for this process's connections.
    pub(super) async fn deliver(&self, event: Event) {
        match event {
            Event::Frame { users, frame } => self.hub.send(&users, &frame, None),
            Event::Message {
                conversation_id,
                seq,
            } => {
                let members = match self.db.member_ids(conversation_id).await {
                    Ok(members) if members.iter().any(|m| self.hub.is_online(*m)) => members,
                    _ => return,
                };
                if let Ok(Some(message)) = self.db.message_at(conversation_id, seq).await {
                    self.hub
                        .send(&members, &ServerMsg::Message { message }, None);
                }
            }
            Event::Changed {
                conversation_id,
                message_ids,
            } => {
                let members = match self.db.member_ids(conversation_id).await {
                    Ok(members) if members.iter().any(|m| self.hub.is_online(*m)) => members,
                    _ => return,
                };
                if let Ok(messages) = self.db.messages_by_ids(conversation_id, &message_ids).await {
                    for message in messages {
                        self.hub
                            .send(&members, &ServerMsg::MessageChanged { message }, None);
                    }
                }
            }
            Event::Conversation { conversation_id } => {
                if let Ok(members) = self.db.member_ids(conversation_id).await {
                    self.announce_locally(conversation_id, &members).await;
                }
            }
            Event::CloseSession { session, code } => {
                if let Some(code) = CloseCode::from_code(code) {
                    self.hub.close_session(session, code)
                }
            }
            Event::CloseUser { user, code } => {
                if let Some(code) = CloseCode::from_code(code) {
                    self.hub.close_user(user, code)
                }
            }
        }
    }
}

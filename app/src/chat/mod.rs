//! The live chat: what the signed-in person sees (conversations, threads, who is online or
//! typing) and how it changes as frames arrive.

// The live side runs only in the browser; the server renders the first view.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

mod live;
pub mod panel;
pub mod sidebar;
mod time;
pub mod upload;

pub use time::clock_time;

use leptos::prelude::*;
use shared::ws::{ClientMsg, ServerMsg};
use shared::{Conversation, ConversationId, Me, Message, MessageId, Timestamp, UserId};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The state of the live channel, as the header shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Online,
    Reconnecting,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Shown at once, not yet stored by the server.
    Pending,
    Sent,
    /// The server refused it or the connection dropped first; it can be retried.
    Failed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub message: Message,
    pub status: Status,
}

impl Item {
    /// A stable key for lists: the client id, which a pending message already has.
    pub fn key(&self) -> (Uuid, Status) {
        (self.message.client_id, self.status)
    }
}

/// One conversation's messages as loaded so far, in `seq` order, pending ones last.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thread {
    pub items: Vec<Item>,
    pub has_older: bool,
}

impl Thread {
    fn last_seq(&self) -> i64 {
        self.items
            .iter()
            .filter(|i| i.status == Status::Sent)
            .map(|i| i.message.seq)
            .max()
            .unwrap_or(0)
    }

    /// Adds or replaces a stored message; nothing shows twice.
    fn upsert(&mut self, message: Message) {
        let same = |i: &Item| {
            i.message.id == message.id
                || (i.message.client_id == message.client_id
                    && i.message.sender_id == message.sender_id)
        };
        self.items.retain(|i| !same(i));
        let at = self
            .items
            .iter()
            .position(|i| i.status != Status::Sent || i.message.seq > message.seq)
            .unwrap_or(self.items.len());
        self.items.insert(
            at,
            Item {
                message,
                status: Status::Sent,
            },
        );
    }
}

#[derive(Clone, Copy)]
pub struct Chat {
    pub me: StoredValue<Me>,
    pub conversations: RwSignal<Vec<Conversation>>,
    pub open: RwSignal<Option<ConversationId>>,
    pub threads: RwSignal<HashMap<ConversationId, Thread>>,
    pub link: RwSignal<Link>,
    pub online: RwSignal<HashSet<UserId>>,
    /// Who is typing where, and until when (milliseconds since the epoch).
    pub typing: RwSignal<HashMap<ConversationId, (UserId, f64)>>,
    /// How far each member has read, per conversation.
    pub seen: RwSignal<HashMap<(ConversationId, UserId), i64>>,
    outbox: StoredValue<Option<futures_sender::Sender>>,
}

/// The channel into the live connection; only the browser has one.
mod futures_sender {
    #[cfg(feature = "hydrate")]
    pub type Sender = futures::channel::mpsc::UnboundedSender<shared::ws::ClientMsg>;
    #[cfg(not(feature = "hydrate"))]
    pub type Sender = ();
}

pub fn use_chat() -> Chat {
    expect_context::<Chat>()
}

impl Chat {
    pub fn provide(me: Me, conversations: Vec<Conversation>) -> Chat {
        let chat = Chat {
            me: StoredValue::new(me),
            conversations: RwSignal::new(conversations),
            open: RwSignal::new(None),
            threads: RwSignal::new(HashMap::new()),
            link: RwSignal::new(Link::Connecting),
            online: RwSignal::new(HashSet::new()),
            typing: RwSignal::new(HashMap::new()),
            seen: RwSignal::new(HashMap::new()),
            outbox: StoredValue::new(None),
        };
        provide_context(chat);
        live::start(chat);
        chat
    }

    pub fn me_id(&self) -> UserId {
        self.me.with_value(|me| me.user.id)
    }

    pub fn conversation(&self, id: ConversationId) -> Option<Conversation> {
        self.conversations
            .with(|list| list.iter().find(|c| c.id == id).cloned())
    }

    /// The name a conversation goes by: its title, or the other person's name.
    pub fn title_of(&self, conversation: &Conversation) -> String {
        if let Some(title) = &conversation.title {
            return title.clone();
        }
        let me = self.me_id();
        let others: Vec<&str> = conversation
            .members
            .iter()
            .filter(|m| m.id != me)
            .map(|m| m.display_name.as_str())
            .collect();
        if others.is_empty() {
            "Just you".into()
        } else {
            others.join(", ")
        }
    }

    pub fn unread_total(&self) -> i64 {
        self.conversations
            .with(|list| list.iter().map(|c| c.unread_count).sum())
    }

    fn send_frame(&self, frame: ClientMsg) -> bool {
        #[cfg(feature = "hydrate")]
        {
            self.outbox.with_value(|tx| {
                tx.as_ref()
                    .is_some_and(|tx| tx.unbounded_send(frame).is_ok())
            })
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = frame;
            false
        }
    }

    /// Shows the message at once as pending and sends it; the ack turns it into sent.
    pub fn send_message(&self, conversation_id: ConversationId, text: String, img: Option<String>) {
        let client_id = Uuid::new_v4();
        let message = Message {
            id: MessageId(client_id),
            conversation_id,
            seq: 0,
            sender_id: self.me_id(),
            client_id,
            text: text.clone(),
            img: img.clone(),
            created_at: Timestamp(now_ms() as i64),
        };
        self.threads.update(|threads| {
            threads
                .entry(conversation_id)
                .or_default()
                .items
                .push(Item {
                    message,
                    status: Status::Pending,
                });
        });
        self.transmit(conversation_id, client_id, text, img);
    }

    fn transmit(
        &self,
        conversation_id: ConversationId,
        client_id: Uuid,
        text: String,
        img: Option<String>,
    ) {
        let frame = ClientMsg::Send {
            client_id,
            conversation_id,
            text: Some(text),
            img,
        };
        if !self.send_frame(frame) && self.link.get_untracked() == Link::Online {
            self.set_status(conversation_id, client_id, Status::Failed);
        }
    }

    /// Sends a failed message again, with the same client id, so it can never land twice.
    pub fn retry(&self, conversation_id: ConversationId, client_id: Uuid) {
        let item = self.threads.with_untracked(|t| {
            t.get(&conversation_id).and_then(|t| {
                t.items
                    .iter()
                    .find(|i| i.message.client_id == client_id)
                    .cloned()
            })
        });
        if let Some(item) = item {
            self.set_status(conversation_id, client_id, Status::Pending);
            self.transmit(
                conversation_id,
                client_id,
                item.message.text,
                item.message.img,
            );
        }
    }

    fn set_status(&self, conversation_id: ConversationId, client_id: Uuid, status: Status) {
        self.threads.update(|threads| {
            if let Some(item) = threads.get_mut(&conversation_id).and_then(|t| {
                t.items
                    .iter_mut()
                    .find(|i| i.message.client_id == client_id && i.status != Status::Sent)
            }) {
                item.status = status;
            }
        });
    }

    pub fn typing_in(&self, conversation_id: ConversationId) {
        self.send_frame(ClientMsg::Typing { conversation_id });
    }

    /// Marks everything loaded in the open conversation as read.
    pub fn read_open(&self) {
        let Some(id) = self.open.get_untracked() else {
            return;
        };
        let Some(conversation) = self.conversation(id) else {
            return;
        };
        if conversation.unread_count == 0 {
            return;
        }
        if let Some(seq) = conversation.last_message.as_ref().map(|m| m.seq) {
            self.send_frame(ClientMsg::Read {
                conversation_id: id,
                seq,
            });
        }
    }

    /// Opens a conversation, loading its newest page the first time.
    pub fn open_conversation(&self, id: ConversationId) {
        self.open.set(Some(id));
        let loaded = self.threads.with_untracked(|t| t.contains_key(&id));
        if !loaded {
            self.threads.update(|t| {
                t.insert(id, Thread::default());
            });
            let chat = *self;
            leptos::task::spawn_local(async move {
                if let Ok(page) = crate::api::history(id, None, None).await {
                    chat.threads.update(|t| {
                        let thread = t.entry(id).or_default();
                        thread.has_older = page.has_more;
                        for message in page.messages {
                            thread.upsert(message);
                        }
                    });
                }
                chat.read_open();
            });
        } else {
            self.read_open();
        }
    }

    /// Loads the page before the oldest message shown; `false` when there is none.
    pub async fn load_older(&self, id: ConversationId) -> bool {
        let first = self.threads.with_untracked(|t| {
            let thread = t.get(&id)?;
            let first = thread
                .items
                .iter()
                .find(|i| i.status == Status::Sent)?
                .message
                .seq;
            thread.has_older.then_some(first)
        });
        let Some(first) = first else { return false };
        let Ok(page) = crate::api::history(id, Some(first), None).await else {
            return false;
        };
        self.threads.update(|t| {
            let thread = t.entry(id).or_default();
            thread.has_older = page.has_more;
            for message in page.messages {
                thread.upsert(message);
            }
        });
        true
    }

    /// Adds a conversation to the list (or refreshes it), most recent first.
    pub fn upsert_conversation(&self, conversation: Conversation) {
        self.conversations.update(|list| {
            list.retain(|c| c.id != conversation.id);
            list.push(conversation);
            list.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
        });
    }

    /// What a frame from the server changes.
    fn apply(&self, frame: ServerMsg) {
        match frame {
            ServerMsg::Ready { .. } | ServerMsg::Pong => {}
            ServerMsg::Ack { message, .. } | ServerMsg::Message { message } => {
                self.receive(message)
            }
            ServerMsg::Conversation { conversation } => self.upsert_conversation(conversation),
            ServerMsg::Presence { user_id, online } => self.online.update(|set| {
                if online {
                    set.insert(user_id);
                } else {
                    set.remove(&user_id);
                }
            }),
            ServerMsg::Typing {
                conversation_id,
                user_id,
            } => {
                let until = now_ms() + 4000.0;
                self.typing.update(|t| {
                    t.insert(conversation_id, (user_id, until));
                });
            }
            ServerMsg::Read {
                conversation_id,
                user_id,
                seq,
            } => {
                if user_id == self.me_id() {
                    self.conversations.update(|list| {
                        if let Some(c) = list.iter_mut().find(|c| c.id == conversation_id) {
                            let last = c.last_message.as_ref().map_or(0, |m| m.seq);
                            c.unread_count = (last - seq).max(0);
                        }
                    });
                } else {
                    self.seen.update(|s| {
                        let entry = s.entry((conversation_id, user_id)).or_insert(0);
                        *entry = (*entry).max(seq);
                    });
                }
            }
            ServerMsg::Error {
                client_id: Some(client_id),
                ..
            } => {
                let conversation = self.threads.with_untracked(|threads| {
                    threads.iter().find_map(|(id, t)| {
                        t.items
                            .iter()
                            .any(|i| i.message.client_id == client_id)
                            .then_some(*id)
                    })
                });
                if let Some(id) = conversation {
                    self.set_status(id, client_id, Status::Failed);
                }
            }
            ServerMsg::Error { .. } => {}
        }
    }

    /// A stored message: into its thread (replacing the pending copy) and the list.
    fn receive(&self, message: Message) {
        let id = message.conversation_id;
        let mine = message.sender_id == self.me_id();
        self.threads.update(|threads| {
            if let Some(thread) = threads.get_mut(&id) {
                thread.upsert(message.clone());
            }
        });
        self.typing.update(|t| {
            if t.get(&id).is_some_and(|(who, _)| *who == message.sender_id) {
                t.remove(&id);
            }
        });
        let known = self
            .conversations
            .with_untracked(|list| list.iter().any(|c| c.id == id));
        if !known {
            // A conversation we have not heard of yet: fetch the list again.
            let chat = *self;
            leptos::task::spawn_local(async move {
                if let Ok(list) = crate::api::conversations().await {
                    chat.conversations.set(list);
                }
            });
            return;
        }
        self.conversations.update(|list| {
            if let Some(c) = list.iter_mut().find(|c| c.id == id) {
                let newer = c.last_message.as_ref().is_none_or(|m| m.seq < message.seq);
                if newer {
                    if !mine {
                        c.unread_count += 1;
                    }
                    c.updated_at = message.created_at;
                    c.last_message = Some(message.clone());
                }
            }
            list.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
        });
        if !mine && self.open.get_untracked() == Some(id) && page_visible() {
            self.read_open();
        }
        if !mine && !page_visible() {
            self.notify(&message);
        }
    }

    /// After a reconnect: whatever arrived meanwhile, for the list and every loaded thread, and
    /// the pending messages sent again (their client ids make repeats harmless).
    async fn catch_up(&self) {
        if let Ok(list) = crate::api::conversations().await {
            self.conversations.set(list);
        }
        let loaded: Vec<(ConversationId, i64)> = self.threads.with_untracked(|t| {
            t.iter()
                .map(|(id, thread)| (*id, thread.last_seq()))
                .collect()
        });
        for (id, mut after) in loaded {
            loop {
                let Ok(page) = crate::api::history(id, None, Some(after)).await else {
                    break;
                };
                after = page.messages.last().map_or(after, |m| m.seq);
                self.threads.update(|t| {
                    let thread = t.entry(id).or_default();
                    for message in page.messages {
                        thread.upsert(message);
                    }
                });
                if !page.has_more {
                    break;
                }
            }
        }
        let unsent: Vec<(ConversationId, Uuid)> = self.threads.with_untracked(|t| {
            t.iter()
                .flat_map(|(id, thread)| {
                    thread
                        .items
                        .iter()
                        .filter(|i| i.status != Status::Sent)
                        .map(move |i| (*id, i.message.client_id))
                })
                .collect()
        });
        for (id, client_id) in unsent {
            self.retry(id, client_id);
        }
        self.read_open();
    }
}

impl Chat {
    /// A browser notification for a message that arrives while the tab is hidden, if the
    /// person allowed them.
    fn notify(&self, message: &Message) {
        #[cfg(feature = "hydrate")]
        {
            use web_sys::{Notification, NotificationOptions, NotificationPermission};
            if Notification::permission() != NotificationPermission::Granted {
                return;
            }
            let Some(conversation) = self.conversation(message.conversation_id) else {
                return;
            };
            let sender = conversation
                .members
                .iter()
                .find(|m| m.id == message.sender_id)
                .map(|m| m.display_name.clone())
                .unwrap_or_default();
            let options = NotificationOptions::new();
            let body = if message.text.is_empty() {
                "Image".to_owned()
            } else {
                message.text.clone()
            };
            options.set_body(&body);
            options.set_tag(&message.conversation_id.to_string());
            let title = match &conversation.title {
                Some(title) => format!("{sender} in {title}"),
                None => sender,
            };
            let _ = Notification::new_with_options(&title, &options);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = message;
    }
}

/// Asks once, on a gesture of the person's (browsers allow nothing else), whether messages
/// that arrive while the tab is hidden may show as notifications.
pub fn ask_notification_permission() {
    #[cfg(feature = "hydrate")]
    {
        use web_sys::{Notification, NotificationPermission};
        if Notification::permission() == NotificationPermission::Default {
            let _ = Notification::request_permission();
        }
    }
}

pub fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as f64)
            .unwrap_or(0.0)
    }
}

fn page_visible() -> bool {
    #[cfg(feature = "hydrate")]
    {
        document().visibility_state() == web_sys::VisibilityState::Visible
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

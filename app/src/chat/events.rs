//! What the server's frames change, the catch-up after a reconnect, and notifications.

use super::{now_ms, page_visible, Chat, Status};
use leptos::prelude::*;
use shared::ws::ServerMsg;
use shared::{ConversationId, Message};
use uuid::Uuid;

impl Chat {
    /// What a frame from the server changes.
    pub(super) fn apply(&self, frame: ServerMsg) {
        match frame {
            ServerMsg::Ready { .. } | ServerMsg::Pong => {}
            ServerMsg::MessageChanged { message } => self.apply_change(message),
            ServerMsg::Ack { client_id, message } => {
                if !self.change_answered(client_id, Ok(message.clone())) {
                    self.receive(message)
                }
            }
            ServerMsg::Message { message } => self.receive(message),
            ServerMsg::Conversation { conversation } => self.upsert_conversation(conversation),
            ServerMsg::Presence { user_id, online } => {
                let mut set = self.online.write();
                if online {
                    set.insert(user_id);
                } else {
                    set.remove(&user_id);
                }
            }
            ServerMsg::Typing {
                conversation_id,
                user_id,
            } => {
                let until = now_ms() + 4000.0;
                self.typing
                    .write()
                    .insert(conversation_id, (user_id, until));
            }
            ServerMsg::Read {
                conversation_id,
                user_id,
                seq,
            } => {
                if user_id == self.me_id() {
                    let mut list = self.conversations.write();
                    if let Some(c) = list.iter_mut().find(|c| c.id == conversation_id) {
                        let last = c.last_message.as_ref().map_or(0, |m| m.seq);
                        c.unread_count = (last - seq).max(0);
                    }
                } else {
                    let mut seen = self.seen.write();
                    let entry = seen.entry((conversation_id, user_id)).or_insert(0);
                    *entry = (*entry).max(seq);
                }
            }
            ServerMsg::Error {
                client_id: Some(client_id),
                ref code,
                ref message,
            } if self.change_answered(client_id, Err(super::changes::reason(code, message))) => {}
            ServerMsg::Error {
                client_id: Some(client_id),
                ..
            } => {
                let conversation = self.threads.read_untracked().iter().find_map(|(id, t)| {
                    t.items
                        .iter()
                        .any(|i| i.message.client_id == client_id)
                        .then_some(*id)
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
        // A thread opened at an older message loads newer ones as it is scrolled down.
        if let Some(thread) = self.threads.write().get_mut(&id).filter(|t| !t.has_newer) {
            thread.upsert(message.clone());
        }
        let typing = self.typing.read_untracked().get(&id).map(|(who, _)| *who);
        if typing == Some(message.sender_id) {
            self.typing.write().remove(&id);
        }
        let known = self
            .conversations
            .read_untracked()
            .iter()
            .any(|c| c.id == id);
        if !known {
            // A conversation we have not heard of yet: fetch the list again.
            self.refresh_list();
            return;
        }
        {
            let mut list = self.conversations.write();
            if let Some(c) = list.iter_mut().find(|c| c.id == id) {
                let newer = c.last_message.as_ref().is_none_or(|m| m.seq < message.seq);
                c.rev = c.rev.max(message.rev);
                if newer {
                    if !mine {
                        c.unread_count += 1;
                    }
                    c.updated_at = message.created_at;
                    c.last_message = Some(message.clone());
                }
            }
            list.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
        }
        if !mine && self.open.get_untracked() == Some(id) && page_visible() {
            self.read_open();
        }
        if !mine && !page_visible() {
            self.notify(&message);
        }
    }

    /// After a reconnect: whatever arrived meanwhile, for the list and every loaded thread, and
    /// the pending messages sent again (their client ids make repeats harmless).
    pub(super) async fn catch_up(&self) {
        if let Ok(list) = super::http::conversations().await {
            self.set_conversations(list);
        }
        // New messages and changes (edits, deletions, reactions) since the last one seen.
        let loaded: Vec<(ConversationId, i64)> = (self.threads.read_untracked().iter())
            .map(|(id, thread)| (*id, thread.last_rev()))
            .collect();
        for (id, mut after) in loaded {
            loop {
                let Ok(page) = super::http::changed_after(id, after).await else {
                    break;
                };
                after = page.messages.last().map_or(after, |m| m.rev);
                {
                    let mut threads = self.threads.write();
                    let thread = threads.entry(id).or_default();
                    for message in page.messages {
                        thread.apply(message);
                    }
                }
                if !page.has_more {
                    break;
                }
            }
        }
        let unsent: Vec<(ConversationId, Uuid)> = (self.threads.read_untracked().iter())
            .flat_map(|(id, thread)| {
                thread
                    .items
                    .iter()
                    .filter(|i| i.status != Status::Sent)
                    .map(move |i| (*id, i.message.client_id))
            })
            .collect();
        for (id, client_id) in unsent {
            self.retry(id, client_id);
        }
        self.resend_changes();
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
            let body = match (&message.text, &message.file) {
                (text, Some(file)) if text.is_empty() => file.name.clone(),
                (text, None) if text.is_empty() => "Image".to_owned(),
                (text, _) => text.clone(),
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

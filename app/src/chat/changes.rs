//! Changing sent messages: edit, delete and react, shown at once and put back as they were when
//! the server refuses; and the changes the server reports, from any tab or person.

use super::{now_ms, Chat};
use leptos::prelude::*;
use shared::ws::ClientMsg;
use shared::{ConversationId, Message, MessageId, Reaction, Timestamp};
use uuid::Uuid;

/// A refusal's sentence for a person: a validation error names its field first ("text: ...").
pub fn reason(code: &str, message: &str) -> String {
    match message.split_once(": ") {
        Some((_, why)) if code == "validation_failed" => why.to_owned(),
        _ => message.to_owned(),
    }
}

/// A change sent and not answered yet: what to put back if it is refused.
pub struct PendingChange {
    before: Message,
    frame: ClientMsg,
    what: &'static str,
}

impl Chat {
    /// A changed message from the server (a `message_changed` frame, or catch-up): into its
    /// thread, if loaded, and into the list when it is the conversation's last message.
    pub(super) fn apply_change(&self, message: Message) {
        let id = message.conversation_id;
        let mut was_last = false;
        if let Some(c) = self.conversations.write().iter_mut().find(|c| c.id == id) {
            c.rev = c.rev.max(message.rev);
            if let Some(last) = c.last_message.as_mut().filter(|m| m.id == message.id) {
                was_last = true;
                if last.rev <= message.rev {
                    *last = message.clone();
                }
            }
        }
        let unread = self.conversation(id).is_some_and(|c| c.unread_count > 0);
        let deleted = message.deleted;
        if let Some(thread) = self.threads.write().get_mut(&id) {
            thread.apply(message);
        }
        if deleted && (unread || was_last) {
            // The server's list leaves deleted messages out of unread counts and shows the
            // newest message that is left as the last one.
            self.refresh_list();
        }
    }

    /// The stored message at `seq`, if its thread has it loaded.
    pub fn shown(&self, id: ConversationId, seq: i64) -> Option<Message> {
        self.threads
            .read_untracked()
            .get(&id)?
            .items
            .iter()
            .find(|i| i.message.seq == seq && i.status == super::Status::Sent)
            .map(|i| i.message.clone())
    }

    /// Brings the message at `seq` into view and gives it the focus, loading older history
    /// until it is there (a reply's quote leads to the message it answers).
    pub fn show_message(&self, id: ConversationId, seq: i64) {
        let chat = *self;
        leptos::task::spawn_local(async move {
            while chat.shown(id, seq).is_none() {
                if !chat.load_older(id).await {
                    return;
                }
            }
            super::focus_soon(format!("m{seq}"), true);
        });
    }

    /// Opens the editor (`Mode::Editing`) or the reactions of a message, or closes them.
    pub fn set_mode(&self, message: &Message, mode: super::Mode) {
        if let Some(thread) = self.threads.write().get_mut(&message.conversation_id) {
            thread.set_mode(message.id, mode);
        }
        if mode == super::Mode::Editing {
            super::focus_soon("editing".into(), false);
        }
    }

    pub(super) fn refresh_list(&self) {
        let chat = *self;
        leptos::task::spawn_local(async move {
            if let Ok(list) = super::http::conversations().await {
                chat.set_conversations(list);
            }
        });
    }

    /// Saves a new text for one's own message.
    pub fn edit(&self, message: &Message, text: String) {
        let now = Timestamp(now_ms() as i64);
        let frame = |client_id| ClientMsg::Edit {
            client_id,
            conversation_id: message.conversation_id,
            message_id: message.id,
            text: text.clone(),
        };
        self.try_change(message, "edit the message", frame, |m| {
            m.text = text.clone();
            m.edited_at = Some(now);
        });
    }

    /// Takes back one's own message; it stays in the history as "Message deleted".
    pub fn delete(&self, message: &Message) {
        let frame = |client_id| ClientMsg::Delete {
            client_id,
            conversation_id: message.conversation_id,
            message_id: message.id,
        };
        self.try_change(message, "delete the message", frame, |m| {
            m.deleted = true;
            m.text.clear();
            m.img = None;
            m.file = None;
            m.reply_to = None;
            m.reactions.clear();
        });
    }

    /// Adds one's reaction with `emoji`, or takes it back when it is there.
    pub fn toggle_reaction(&self, message: &Message, emoji: &str) {
        let me = self.me_id();
        let on = !message
            .reactions
            .iter()
            .any(|r| r.emoji == emoji && r.user_ids.contains(&me));
        let frame = |client_id| {
            let (conversation_id, message_id, emoji) =
                (message.conversation_id, message.id, emoji.to_owned());
            if on {
                ClientMsg::React {
                    client_id,
                    conversation_id,
                    message_id,
                    emoji,
                }
            } else {
                ClientMsg::Unreact {
                    client_id,
                    conversation_id,
                    message_id,
                    emoji,
                }
            }
        };
        self.try_change(message, "change the reaction", frame, |m| {
            match m.reactions.iter().position(|r| r.emoji == emoji) {
                Some(at) if on => m.reactions[at].user_ids.push(me),
                Some(at) => {
                    m.reactions[at].user_ids.retain(|u| *u != me);
                    if m.reactions[at].user_ids.is_empty() {
                        m.reactions.remove(at);
                    }
                }
                None if on => m.reactions.push(Reaction {
                    emoji: emoji.to_owned(),
                    user_ids: vec![me],
                }),
                None => {}
            }
        });
    }

    /// Shows `change` at once and sends the frame `frame` makes; the ack brings the stored
    /// message, a refusal puts the message back as it was and says why. A frame that cannot go
    /// now goes after the next reconnect.
    fn try_change(
        &self,
        message: &Message,
        what: &'static str,
        frame: impl FnOnce(Uuid) -> ClientMsg,
        change: impl FnOnce(&mut Message),
    ) {
        let client_id = Uuid::new_v4();
        let frame = frame(client_id);
        self.refusal.set(None);
        self.changes.write_value().insert(
            client_id,
            PendingChange {
                before: message.clone(),
                frame: frame.clone(),
                what,
            },
        );
        self.change_shown(message.conversation_id, message.id, change);
        self.send_frame(frame);
    }

    /// The server's answer to a change this tab sent: `true` if `client_id` was one.
    pub(super) fn change_answered(&self, client_id: Uuid, answer: Result<Message, String>) -> bool {
        let Some(pending) = self.changes.write_value().remove(&client_id) else {
            return false;
        };
        match answer {
            Ok(message) => self.apply_change(message),
            Err(why) => {
                let before = pending.before;
                // Unless the server's own account of the message arrived meanwhile.
                self.change_shown(before.conversation_id, before.id, |m| {
                    if m.rev == before.rev {
                        *m = before.clone();
                    }
                });
                self.refusal
                    .set(Some(format!("Could not {}: {why}", pending.what)));
            }
        }
        true
    }

    /// After a reconnect: the changes not answered yet, again (each is harmless twice).
    pub(super) fn resend_changes(&self) {
        let frames: Vec<ClientMsg> = (self.changes.read_value().values())
            .map(|c| c.frame.clone())
            .collect();
        for frame in frames {
            self.send_frame(frame);
        }
    }

    fn change_shown(
        &self,
        id: ConversationId,
        message_id: MessageId,
        change: impl FnOnce(&mut Message),
    ) {
        if let Some(thread) = self.threads.write().get_mut(&id) {
            thread.change(message_id, change);
        }
    }
}

//! One conversation's messages as the screen shows them: stored ones in `seq` order, then the
//! ones still on their way.

use shared::{Message, MessageId};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Shown at once, not yet stored by the server.
    Pending,
    Sent,
    /// The server refused it or the connection dropped first; it can be retried.
    Failed,
}

/// What a shown message offers at the moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Reading,
    /// Its text in a field, being changed.
    Editing,
    /// The reactions to choose from, open.
    Picking,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub message: Message,
    pub status: Status,
    /// Counts the changes this item went through here, so that the list redraws a changed one.
    pub version: u32,
    pub mode: Mode,
}

impl Item {
    /// A key for lists: the client id, which a pending message already has, and what changes.
    pub fn key(&self) -> (Uuid, Status, u32) {
        (self.message.client_id, self.status, self.version)
    }
}

/// One conversation's messages as loaded so far, in `seq` order, pending ones last.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thread {
    pub items: Vec<Item>,
    pub has_older: bool,
}

impl Thread {
    pub(super) fn last_seq(&self) -> i64 {
        self.items
            .iter()
            .filter(|i| i.status == Status::Sent)
            .map(|i| i.message.seq)
            .max()
            .unwrap_or(0)
    }

    /// The highest change number seen here: catch-up asks for what came after it.
    pub(super) fn last_rev(&self) -> i64 {
        self.items
            .iter()
            .filter(|i| i.status == Status::Sent)
            .map(|i| i.message.rev)
            .max()
            .unwrap_or(0)
    }

    pub(super) fn find(&self, id: MessageId) -> Option<&Message> {
        self.items
            .iter()
            .find(|i| i.message.id == id && i.status == Status::Sent)
            .map(|i| &i.message)
    }

    /// Adds or replaces a stored message; nothing shows twice.
    pub(super) fn upsert(&mut self, message: Message) {
        let same = |i: &Item| {
            i.message.id == message.id
                || (i.message.client_id == message.client_id
                    && i.message.sender_id == message.sender_id)
        };
        let version = self
            .items
            .iter()
            .find(|i| same(i))
            .map_or(0, |i| i.version + 1);
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
                version,
                mode: Mode::Reading,
            },
        );
    }

    /// A new or changed message from the server: a change replaces the shown message unless
    /// the one shown is newer; a message older than the newest loaded and not loaded is left
    /// out, so the loaded history stays without holes.
    pub(super) fn apply(&mut self, message: Message) {
        match self.find(message.id) {
            Some(shown) if shown.rev > message.rev => {}
            Some(_) => self.upsert(message),
            None if message.seq > self.last_seq() => self.upsert(message),
            None => {}
        }
    }

    /// Changes a shown message here first (the server's answer follows); it goes back to
    /// being read.
    pub(super) fn change(&mut self, id: MessageId, change: impl FnOnce(&mut Message)) {
        if let Some(item) = self.sent_mut(id) {
            change(&mut item.message);
            item.mode = Mode::Reading;
            item.version += 1;
        }
    }

    /// Opens or closes the editor or the reactions of a shown message; one at a time.
    pub(super) fn set_mode(&mut self, id: MessageId, mode: Mode) {
        for item in &mut self.items {
            let wanted = if item.message.id == id {
                mode
            } else {
                Mode::Reading
            };
            if item.mode != wanted {
                item.mode = wanted;
                item.version += 1;
            }
        }
    }

    fn sent_mut(&mut self, id: MessageId) -> Option<&mut Item> {
        self.items
            .iter_mut()
            .find(|i| i.message.id == id && i.status == Status::Sent)
    }
}

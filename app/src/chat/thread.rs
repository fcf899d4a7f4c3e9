//! One conversation's messages as the screen shows them: stored ones in `seq` order, then the
//! ones still on their way.

use shared::Message;
use uuid::Uuid;

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
    pub(super) fn last_seq(&self) -> i64 {
        self.items
            .iter()
            .filter(|i| i.status == Status::Sent)
            .map(|i| i.message.seq)
            .max()
            .unwrap_or(0)
    }

    /// Adds or replaces a stored message; nothing shows twice.
    pub(super) fn upsert(&mut self, message: Message) {
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

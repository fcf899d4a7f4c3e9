//! One conversation's messages as the screen shows them: stored ones in `seq` order, then the
//! ones still on their way.

use super::time::{day_label, local_day};
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
    /// Opened at an older message (a search result): newer ones are still to load, and live
    /// ones wait until they are.
    pub has_newer: bool,
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
            None if message.seq > self.last_seq() && !self.has_newer => self.upsert(message),
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

/// An item as the list shows it: under the one above when the same person sent both within
/// a few minutes of each other on the same day; `day` names the day a row opens.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub item: Item,
    pub grouped: bool,
    pub day: Option<String>,
}

impl Row {
    pub fn key(&self) -> (Uuid, Status, u32, bool, Option<String>) {
        let (id, status, version) = self.item.key();
        (id, status, version, self.grouped, self.day.clone())
    }
}

/// How long after one message the next from the same person still belongs to its group.
const GROUP_MS: i64 = 5 * 60 * 1000;

/// The rows for `items` (in the order shown), with their groups and day separators. Takes the
/// items by value: the list redraws on every change of the thread, and each item is moved, not
/// copied again.
pub fn rows(items: Vec<Item>, now_ms: f64) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::with_capacity(items.len());
    // The sender, time and day of the row above.
    let mut previous: Option<(shared::UserId, i64, i64)> = None;
    for item in items {
        let (sender, at) = (item.message.sender_id, item.message.created_at.as_millis());
        let day = local_day(at as f64);
        let new_day = previous.is_none_or(|(_, _, d)| d != day);
        let grouped = !new_day
            && previous
                .is_some_and(|(by, then, _)| by == sender && (0..=GROUP_MS).contains(&(at - then)));
        rows.push(Row {
            item,
            grouped,
            day: new_day.then(|| day_label(at as f64, now_ms)),
        });
        previous = Some((sender, at, day));
    }
    rows
}

#[cfg(all(test, not(feature = "hydrate")))]
mod tests {
    use super::*;
    use shared::{ConversationId, Timestamp, UserId};

    const NOW: i64 = 1_796_306_700_000; // 2026-12-03T14:05:00Z
    const MIN: i64 = 60_000;

    fn item(sender: i64, at: i64) -> Item {
        let id = Uuid::new_v4();
        Item {
            message: Message {
                id: MessageId(id),
                conversation_id: ConversationId(Uuid::nil()),
                seq: 1,
                sender_id: UserId(sender),
                client_id: id,
                text: "hi".into(),
                img: None,
                created_at: Timestamp(at),
                rev: 1,
                edited_at: None,
                deleted: false,
                reply_to: None,
                reactions: Vec::new(),
                file: None,
            },
            status: Status::Sent,
            version: 0,
            mode: Mode::Reading,
        }
    }

    fn shape(items: &[Item]) -> Vec<(bool, Option<String>)> {
        rows(items.to_vec(), NOW as f64)
            .into_iter()
            .map(|r| (r.grouped, r.day))
            .collect()
    }

    #[test]
    fn the_same_person_within_five_minutes_is_one_group() {
        let items = [
            item(1, NOW - 30 * MIN),
            item(1, NOW - 26 * MIN),
            item(1, NOW - 21 * MIN), // 5 min after the one above: still the group
            item(1, NOW - 15 * MIN), // 6 min: a new group
            item(2, NOW - 14 * MIN), // someone else
            item(1, NOW - 13 * MIN),
        ];
        assert_eq!(
            shape(&items),
            [
                (false, Some("Today".into())),
                (true, None),
                (true, None),
                (false, None),
                (false, None),
                (false, None),
            ]
        );
    }

    #[test]
    fn a_new_day_opens_with_its_name_and_a_new_group() {
        let midnight = NOW - 14 * 60 * MIN - 5 * MIN; // 2026-12-03T00:00Z
        let items = [
            item(1, midnight - 3 * 24 * 60 * MIN),
            item(1, midnight - 2 * MIN),
            item(1, midnight + MIN), // within 5 min, but after midnight
            item(1, midnight + 2 * MIN),
        ];
        assert_eq!(
            shape(&items),
            [
                (false, Some("Nov 30, 2026".into())),
                (false, Some("Yesterday".into())),
                (false, Some("Today".into())),
                (true, None),
            ]
        );
    }
}

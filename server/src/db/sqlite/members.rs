//! Who is in each conversation, remembered: every message sent needs its conversation's members,
//! and asking the database each time costs a trip to a reader thread. Only this process writes
//! a SQLite database, so it sees every membership change and forgets the entry then.

use shared::{ConversationId, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Entries kept at most; past it the cache starts over (cheap, and bounds memory).
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct MemberCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    members: HashMap<ConversationId, Arc<[UserId]>>,
    /// Raised by every change, so that a lookup that read the database before the change
    /// does not store what it read after it.
    generation: u64,
}

impl MemberCache {
    /// The cached members, or the generation to hand back to `remember`.
    pub fn get(&self, id: ConversationId) -> Result<Vec<UserId>, u64> {
        let inner = self.inner.lock().expect("not poisoned");
        match inner.members.get(&id) {
            Some(members) => Ok(members.to_vec()),
            None => Err(inner.generation),
        }
    }

    pub fn remember(&self, id: ConversationId, members: &[UserId], generation: u64) {
        let mut inner = self.inner.lock().expect("not poisoned");
        // An empty list may be a conversation not created yet: not worth remembering.
        if inner.generation != generation || members.is_empty() {
            return;
        }
        if inner.members.len() >= CAPACITY {
            inner.members.clear();
        }
        inner.members.insert(id, members.into());
    }

    pub fn forget(&self, id: ConversationId) {
        let mut inner = self.inner.lock().expect("not poisoned");
        inner.generation += 1;
        inner.members.remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_during_a_lookup_wins() {
        let cache = MemberCache::default();
        let id = ConversationId(uuid::Uuid::new_v4());
        let generation = cache.get(id).unwrap_err();
        cache.forget(id);
        cache.remember(id, &[UserId(1), UserId(2)], generation);
        assert!(cache.get(id).is_err());
        let generation = cache.get(id).unwrap_err();
        cache.remember(id, &[UserId(1), UserId(2)], generation);
        assert_eq!(cache.get(id), Ok(vec![UserId(1), UserId(2)]));
        cache.forget(id);
        assert!(cache.get(id).is_err());
    }
}

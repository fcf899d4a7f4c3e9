//! Presence in storage: who may see whose (people who have written in a conversation they
//! share), and who is connected to which server process, so that every process on one database
//! agrees on who is online.

use super::DbResult;
use async_trait::async_trait;
use shared::{Timestamp, UserId};
use uuid::Uuid;

#[async_trait]
pub trait Presence: Send + Sync {
    /// Who may see `user`'s presence: the members of the conversations `user` has written in.
    async fn presence_audience(&self, user: UserId) -> DbResult<Vec<UserId>>;
    /// Whose presence `user` may see: those who have written in a conversation `user` is in.
    async fn presence_visible(&self, user: UserId) -> DbResult<Vec<UserId>>;

    /// Marks `origin` (a server process) as running at `now`.
    async fn process_alive(&self, origin: Uuid, now: Timestamp) -> DbResult<()>;
    /// Records that `user` is connected to `origin`; `true` when they already were to another
    /// process seen after `live_after`. Both in one transaction, so of two processes connecting
    /// the same person at once, at least one sees nobody else.
    async fn presence_join(
        &self,
        origin: Uuid,
        user: UserId,
        live_after: Timestamp,
    ) -> DbResult<bool>;
    /// Removes `user` from `origin`; `true` when they are still connected to another process
    /// seen after `live_after`. The check runs after the removal has committed, so of two
    /// processes letting the same person go at once, the later one sees nobody left.
    async fn presence_leave(
        &self,
        origin: Uuid,
        user: UserId,
        live_after: Timestamp,
    ) -> DbResult<bool>;
    /// Those of `users` connected to a process seen after `live_after`.
    async fn online_among(&self, users: &[UserId], live_after: Timestamp) -> DbResult<Vec<UserId>>;
    /// Forgets the processes not seen after `live_after` (a crash leaves its rows behind) and
    /// returns the people who were connected only to them, now offline.
    async fn sweep_processes(&self, live_after: Timestamp) -> DbResult<Vec<UserId>>;
    /// Forgets `origin` (a process stopping).
    async fn forget_process(&self, origin: Uuid) -> DbResult<()>;
}

// Both backends read `$n` placeholders; ids of processes bind as UUID (PostgreSQL) or text.

pub(super) const AUDIENCE: &str = "
    SELECT DISTINCT other.user_id FROM user_conversations mine
    JOIN user_conversations other ON other.conversation_id = mine.conversation_id
    WHERE mine.user_id = $1 AND other.user_id <> $1
      AND EXISTS (SELECT 1 FROM messages m
                  WHERE m.conversation_id = mine.conversation_id AND m.sender_id = $1)";

pub(super) const VISIBLE: &str = "
    SELECT DISTINCT other.user_id FROM user_conversations mine
    JOIN user_conversations other ON other.conversation_id = mine.conversation_id
    WHERE mine.user_id = $1 AND other.user_id <> $1
      AND EXISTS (SELECT 1 FROM messages m
                  WHERE m.conversation_id = other.conversation_id AND m.sender_id = other.user_id)";

pub(super) const PROCESS_ALIVE: &str = "
    INSERT INTO server_processes (origin, seen_at) VALUES ($1, $2)
    ON CONFLICT (origin) DO UPDATE SET seen_at = excluded.seen_at";

pub(super) const JOIN: &str =
    "INSERT INTO presence (user_id, origin) VALUES ($1, $2) ON CONFLICT DO NOTHING";

pub(super) const LEAVE: &str = "DELETE FROM presence WHERE user_id = $1 AND origin = $2";

pub(super) const ELSEWHERE: &str = "
    SELECT EXISTS (SELECT 1 FROM presence p JOIN server_processes s ON s.origin = p.origin
                   WHERE p.user_id = $1 AND p.origin <> $2 AND s.seen_at > $3)";

pub(super) const ORPHANED: &str = "
    SELECT DISTINCT p.user_id FROM presence p JOIN server_processes s ON s.origin = p.origin
    WHERE s.seen_at <= $1
      AND NOT EXISTS (SELECT 1 FROM presence q JOIN server_processes t ON t.origin = q.origin
                      WHERE q.user_id = p.user_id AND t.seen_at > $1)";

pub(super) const SWEEP: &str = "DELETE FROM server_processes WHERE seen_at <= $1";

pub(super) const FORGET: &str = "DELETE FROM server_processes WHERE origin = $1";

pub(super) fn users(ids: Vec<i64>) -> Vec<UserId> {
    ids.into_iter().map(UserId).collect()
}

//! The registry of open WebSocket connections, by user. Delivering a frame never waits: each
//! connection has a bounded queue, and a connection whose queue is full is dropped from the
//! registry's delivery (its task then closes it, and the client catches up over HTTP when it
//! reconnects), so one slow reader can neither grow memory nor hold anyone else up. Closing a
//! connection is a signal of its own, so it never depends on room in that queue.

use axum::extract::ws::Utf8Bytes;
use shared::ws::{CloseCode, ServerMsg};
use shared::UserId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, Notify};
use uuid::Uuid;

/// Frames waiting for one connection before it counts as too slow.
pub const QUEUE_FRAMES: usize = 256;
/// Open connections one person may hold in this process (tabs, devices) unless configured.
pub const DEFAULT_PER_USER: usize = 20;

pub type ConnId = u64;

/// What the hub hands a connection's task: its frames, and the order to close.
pub struct Inbox {
    /// Text frames, serialised once for every recipient. Ends when the connection was let go
    /// for falling behind.
    pub frames: mpsc::Receiver<Utf8Bytes>,
    pub close: oneshot::Receiver<CloseCode>,
}

struct Conn {
    id: ConnId,
    session: Uuid,
    /// `None` once the connection fell behind or is closing: nothing more is queued.
    tx: Option<mpsc::Sender<Utf8Bytes>>,
    /// Taken by the first close order.
    closer: Option<oneshot::Sender<CloseCode>>,
}

impl Conn {
    fn close(&mut self, code: CloseCode) {
        // The order first: a task that wakes to its queue ending then sees why.
        if let Some(closer) = self.closer.take() {
            let _ = closer.send(code);
        }
        self.tx = None;
    }
}

/// This person already holds as many connections as they may.
#[derive(Debug, PartialEq, Eq)]
pub struct TooMany;

pub struct Hub {
    // A std mutex: every critical section is short and never awaits.
    users: Mutex<HashMap<UserId, Vec<Conn>>>,
    per_user: usize,
    next_id: AtomicU64,
    changed: Notify,
    open: AtomicUsize,
    /// The most connections open at once since `take_peak` last ran.
    peak: AtomicUsize,
    /// Frames queued to connections so far (for `/metrics`).
    delivered: AtomicU64,
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new(DEFAULT_PER_USER)
    }
}

/// Keeps a connection registered while it lives; dropping it (however the task ends)
/// unregisters the connection.
pub struct Registration {
    hub: Arc<Hub>,
    pub user: UserId,
    pub id: ConnId,
    /// Whether this was the user's first open connection (they just came online).
    pub first: bool,
    removed: bool,
}

impl Registration {
    /// Unregisters now; `true` when this was the user's last connection (they went offline).
    pub fn close(mut self) -> bool {
        self.removed = true;
        self.hub.remove(self.user, self.id)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if !self.removed {
            self.hub.remove(self.user, self.id);
        }
    }
}

pub fn serialize(msg: &ServerMsg) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(msg).expect("server frames serialise"))
}

impl Hub {
    pub fn new(per_user: usize) -> Self {
        Hub {
            users: Mutex::default(),
            per_user,
            next_id: AtomicU64::new(0),
            changed: Notify::new(),
            open: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            delivered: AtomicU64::new(0),
        }
    }

    pub fn register(
        self: &Arc<Self>,
        user: UserId,
        session: Uuid,
    ) -> Result<(Registration, Inbox), TooMany> {
        let (tx, frames) = mpsc::channel(QUEUE_FRAMES);
        let (closer, close) = oneshot::channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut users = self.lock();
        let conns = users.entry(user).or_default();
        if conns.len() >= self.per_user {
            return Err(TooMany);
        }
        let first = conns.is_empty();
        conns.push(Conn {
            id,
            session,
            tx: Some(tx),
            closer: Some(closer),
        });
        drop(users);
        let open = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(open, Ordering::Relaxed);
        let registration = Registration {
            hub: self.clone(),
            user,
            id,
            first,
            removed: false,
        };
        Ok((registration, Inbox { frames, close }))
    }

    /// Removes a connection; `true` when it was the user's last (they went offline).
    fn remove(&self, user: UserId, id: ConnId) -> bool {
        let mut users = self.lock();
        let Some(conns) = users.get_mut(&user) else {
            return false;
        };
        let before = conns.len();
        conns.retain(|c| c.id != id);
        if conns.len() < before {
            self.open.fetch_sub(1, Ordering::Relaxed);
        }
        let last = before > 0 && conns.is_empty();
        if conns.is_empty() {
            users.remove(&user);
        }
        drop(users);
        self.changed.notify_waiters();
        last
    }

    /// Everyone with a connection open here.
    pub fn online_users(&self) -> Vec<UserId> {
        self.lock().keys().copied().collect()
    }

    pub fn is_online(&self, user: UserId) -> bool {
        self.lock().contains_key(&user)
    }

    /// The high point since the last call, and starts counting anew from now.
    pub fn take_peak(&self) -> usize {
        let open = self.connection_count();
        self.peak.swap(open, Ordering::Relaxed).max(open)
    }

    pub fn connection_count(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Frames queued to connections since the start.
    pub fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }

    /// Queues `msg` for every open connection of `users`, except `skip`.
    pub fn send(&self, users: &[UserId], msg: &ServerMsg, skip: Option<ConnId>) {
        let frame = serialize(msg);
        // Counted here and added once: the hottest loop of the server pays no atomic per frame.
        let mut queued = 0;
        let mut users_map = self.lock();
        for user in users {
            let Some(conns) = users_map.get_mut(user) else {
                continue;
            };
            for conn in conns.iter_mut().filter(|c| Some(c.id) != skip) {
                let Some(tx) = &conn.tx else { continue };
                // A full queue means a reader too slow to keep up: let it go.
                if tx.try_send(frame.clone()).is_err() {
                    conn.tx = None;
                } else {
                    queued += 1;
                }
            }
        }
        drop(users_map);
        if queued > 0 {
            self.delivered.fetch_add(queued, Ordering::Relaxed);
        }
    }

    /// Closes the connections opened with `session` (after logout).
    pub fn close_session(&self, session: Uuid, code: CloseCode) {
        for conns in self.lock().values_mut() {
            for conn in conns.iter_mut().filter(|c| c.session == session) {
                conn.close(code);
            }
        }
    }

    /// Closes every connection of `user` (after a password change).
    pub fn close_user(&self, user: UserId, code: CloseCode) {
        if let Some(conns) = self.lock().get_mut(&user) {
            for conn in conns {
                conn.close(code);
            }
        }
    }

    /// Closes every connection in this process.
    pub fn close_all(&self, code: CloseCode) {
        for conns in self.lock().values_mut() {
            for conn in conns {
                conn.close(code);
            }
        }
    }

    /// Waits until every connection has closed, or `limit` has passed.
    pub async fn wait_closed(&self, limit: std::time::Duration) {
        let _ = tokio::time::timeout(limit, async {
            loop {
                let changed = self.changed.notified();
                if self.connection_count() == 0 {
                    return;
                }
                changed.await;
            }
        })
        .await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Vec<Conn>>> {
        self.users.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: i64) -> ServerMsg {
        ServerMsg::Presence {
            user_id: UserId(n),
            online: true,
        }
    }

    fn register(hub: &Arc<Hub>, user: i64) -> (Registration, Inbox) {
        hub.register(UserId(user), Uuid::new_v4()).expect("room")
    }

    #[tokio::test]
    async fn delivers_to_every_connection_but_the_skipped_one() {
        let hub = Arc::new(Hub::default());
        let (a1, mut in1) = register(&hub, 1);
        let (_a2, mut in2) = register(&hub, 1);
        let (_b, mut in3) = register(&hub, 2);
        assert!(a1.first);
        hub.send(&[UserId(1), UserId(2)], &frame(9), Some(a1.id));
        assert!(in1.frames.try_recv().is_err());
        assert!(in2.frames.try_recv().is_ok());
        assert!(in3.frames.try_recv().is_ok());
        assert_eq!(hub.delivered(), 2, "frames queued, not recipients named");
    }

    #[tokio::test]
    async fn counts_open_connections_and_their_high_point() {
        let hub = Arc::new(Hub::default());
        let regs: Vec<_> = (0..3).map(|n| register(&hub, n % 2)).collect();
        assert_eq!(hub.connection_count(), 3);
        drop(regs);
        assert_eq!(hub.connection_count(), 0);
        assert_eq!(hub.take_peak(), 3);
        assert_eq!(hub.take_peak(), 0);
    }

    #[tokio::test]
    async fn a_reader_that_falls_behind_is_let_go() {
        let hub = Arc::new(Hub::default());
        let (_slow, mut slow) = register(&hub, 1);
        let (_fast, mut fast) = register(&hub, 2);
        for n in 0..=QUEUE_FRAMES as i64 {
            hub.send(&[UserId(1), UserId(2)], &frame(n), None);
            while fast.frames.try_recv().is_ok() {}
        }
        assert!(hub.is_online(UserId(2)));
        let mut queued = 0;
        while slow.frames.try_recv().is_ok() {
            queued += 1;
        }
        assert_eq!(queued, QUEUE_FRAMES, "bounded");
        assert!(
            slow.frames.recv().await.is_none(),
            "its task learns it was let go"
        );
    }

    #[tokio::test]
    async fn dropping_the_registration_unregisters() {
        let hub = Arc::new(Hub::default());
        let (first, _in1) = register(&hub, 1);
        let (second, _in2) = register(&hub, 1);
        assert!(first.first && !second.first);
        assert!(!first.close(), "another tab is still open");
        assert_eq!(hub.connection_count(), 1);
        drop(second);
        assert_eq!(hub.connection_count(), 0);
        assert!(!hub.is_online(UserId(1)));
        hub.wait_closed(std::time::Duration::from_millis(10)).await;
    }

    #[tokio::test]
    async fn sessions_and_users_can_be_closed() {
        let hub = Arc::new(Hub::default());
        let session = Uuid::new_v4();
        let (_a, mut a) = hub.register(UserId(1), session).unwrap();
        let (_b, mut b) = register(&hub, 1);
        hub.close_session(session, CloseCode::SignedOut);
        assert_eq!(a.close.try_recv(), Ok(CloseCode::SignedOut));
        assert!(b.close.try_recv().is_err());
        hub.close_user(UserId(1), CloseCode::PasswordChanged);
        assert_eq!(b.close.try_recv(), Ok(CloseCode::PasswordChanged));
        hub.send(&[UserId(1)], &frame(1), None);
        assert!(b.frames.try_recv().is_err(), "nothing queued after a close");
    }

    #[tokio::test]
    async fn a_close_needs_no_room_in_a_full_queue() {
        let hub = Arc::new(Hub::default());
        let (_a, mut a) = register(&hub, 1);
        for n in 0..QUEUE_FRAMES as i64 {
            hub.send(&[UserId(1)], &frame(n), None);
        }
        hub.close_user(UserId(1), CloseCode::SignedOut);
        assert_eq!(a.close.try_recv(), Ok(CloseCode::SignedOut));
    }

    #[tokio::test]
    async fn one_person_holds_a_bounded_number_of_connections() {
        let hub = Arc::new(Hub::new(2));
        let _a = register(&hub, 1);
        let b = register(&hub, 1);
        assert!(hub.register(UserId(1), Uuid::new_v4()).is_err());
        assert!(
            hub.register(UserId(2), Uuid::new_v4()).is_ok(),
            "per person"
        );
        drop(b);
        assert!(
            hub.register(UserId(1), Uuid::new_v4()).is_ok(),
            "room again"
        );
    }
}

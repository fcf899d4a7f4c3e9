//! The registry of open WebSocket connections, by user. Delivering a frame never waits: each
//! connection has a bounded queue, and a connection whose queue is full is dropped from the
//! registry (its task then closes it, and the client catches up over HTTP when it reconnects),
//! so one slow reader can neither grow memory nor hold anyone else up.

use axum::extract::ws::Utf8Bytes;
use shared::ws::{CloseCode, ServerMsg};
use shared::UserId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Notify};
use uuid::Uuid;

/// Frames waiting for one connection before it counts as too slow.
pub const QUEUE_FRAMES: usize = 256;

pub type ConnId = u64;

#[derive(Debug)]
pub enum Outbound {
    /// A text frame, serialised once for every recipient.
    Frame(Utf8Bytes),
    /// Close the connection with this code.
    Close(CloseCode),
}

struct Conn {
    id: ConnId,
    session: Uuid,
    /// `None` once the connection fell behind: its task sees the queue end and closes it.
    tx: Option<mpsc::Sender<Outbound>>,
}

impl Conn {
    fn close(&self, code: CloseCode) {
        if let Some(tx) = &self.tx {
            // Full: the connection is being let go anyway.
            let _ = tx.try_send(Outbound::Close(code));
        }
    }
}

#[derive(Default)]
pub struct Hub {
    // A std mutex: every critical section is short and never awaits.
    users: Mutex<HashMap<UserId, Vec<Conn>>>,
    next_id: AtomicU64,
    changed: Notify,
    open: AtomicUsize,
    /// The most connections open at once since `take_peak` last ran.
    peak: AtomicUsize,
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
    pub fn register(
        self: &Arc<Self>,
        user: UserId,
        session: Uuid,
    ) -> (Registration, mpsc::Receiver<Outbound>) {
        let (tx, rx) = mpsc::channel(QUEUE_FRAMES);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut users = self.lock();
        let conns = users.entry(user).or_default();
        let first = conns.is_empty();
        conns.push(Conn {
            id,
            session,
            tx: Some(tx),
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
        (registration, rx)
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

    /// Queues `msg` for every open connection of `users`, except `skip`.
    pub fn send(&self, users: &[UserId], msg: &ServerMsg, skip: Option<ConnId>) {
        let frame = serialize(msg);
        let mut users_map = self.lock();
        for user in users {
            let Some(conns) = users_map.get_mut(user) else {
                continue;
            };
            for conn in conns.iter_mut().filter(|c| Some(c.id) != skip) {
                let Some(tx) = &conn.tx else { continue };
                // A full queue means a reader too slow to keep up: let it go.
                if tx.try_send(Outbound::Frame(frame.clone())).is_err() {
                    conn.tx = None;
                }
            }
        }
    }

    /// Closes the connections opened with `session` (after logout).
    pub fn close_session(&self, session: Uuid, code: CloseCode) {
        for conns in self.lock().values() {
            for conn in conns.iter().filter(|c| c.session == session) {
                conn.close(code);
            }
        }
    }

    /// Closes every connection of `user` (after a password change).
    pub fn close_user(&self, user: UserId, code: CloseCode) {
        if let Some(conns) = self.lock().get(&user) {
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

    #[tokio::test]
    async fn delivers_to_every_connection_but_the_skipped_one() {
        let hub = Arc::new(Hub::default());
        let (a1, mut rx1) = hub.register(UserId(1), Uuid::new_v4());
        let (_a2, mut rx2) = hub.register(UserId(1), Uuid::new_v4());
        let (_b, mut rx3) = hub.register(UserId(2), Uuid::new_v4());
        assert!(a1.first);
        hub.send(&[UserId(1), UserId(2)], &frame(9), Some(a1.id));
        assert!(rx1.try_recv().is_err());
        assert!(matches!(rx2.try_recv(), Ok(Outbound::Frame(_))));
        assert!(matches!(rx3.try_recv(), Ok(Outbound::Frame(_))));
    }

    #[tokio::test]
    async fn counts_open_connections_and_their_high_point() {
        let hub = Arc::new(Hub::default());
        let regs: Vec<_> = (0..3)
            .map(|n| hub.register(UserId(n % 2), Uuid::new_v4()))
            .collect();
        assert_eq!(hub.connection_count(), 3);
        drop(regs);
        assert_eq!(hub.connection_count(), 0);
        assert_eq!(hub.take_peak(), 3);
        assert_eq!(hub.take_peak(), 0);
    }

    #[tokio::test]
    async fn a_reader_that_falls_behind_is_let_go() {
        let hub = Arc::new(Hub::default());
        let (_slow, mut slow_rx) = hub.register(UserId(1), Uuid::new_v4());
        let (_fast, mut fast_rx) = hub.register(UserId(2), Uuid::new_v4());
        for n in 0..=QUEUE_FRAMES as i64 {
            hub.send(&[UserId(1), UserId(2)], &frame(n), None);
            while fast_rx.try_recv().is_ok() {}
        }
        assert!(hub.is_online(UserId(2)));
        let mut queued = 0;
        while let Ok(Outbound::Frame(_)) = slow_rx.try_recv() {
            queued += 1;
        }
        assert_eq!(queued, QUEUE_FRAMES, "bounded");
        assert!(
            slow_rx.recv().await.is_none(),
            "its task learns it was let go"
        );
    }

    #[tokio::test]
    async fn dropping_the_registration_unregisters() {
        let hub = Arc::new(Hub::default());
        let (first, _rx) = hub.register(UserId(1), Uuid::new_v4());
        let (second, _rx2) = hub.register(UserId(1), Uuid::new_v4());
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
        let (_a, mut rx_a) = hub.register(UserId(1), session);
        let (_b, mut rx_b) = hub.register(UserId(1), Uuid::new_v4());
        hub.close_session(session, CloseCode::SignedOut);
        assert!(matches!(
            rx_a.try_recv(),
            Ok(Outbound::Close(CloseCode::SignedOut))
        ));
        assert!(rx_b.try_recv().is_err());
        hub.close_user(UserId(1), CloseCode::PasswordChanged);
        assert!(matches!(
            rx_b.try_recv(),
            Ok(Outbound::Close(CloseCode::PasswordChanged))
        ));
    }
}

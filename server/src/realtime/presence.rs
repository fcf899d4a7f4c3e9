//! Presence: who is online, told only to the people allowed to see it.
//!
//! The rule: you see a person come online and go away once they have written in a conversation
//! you share with them. Putting someone into a group, or opening a direct conversation with
//! them, shows nothing of them until they write there.
//!
//! Online means connected to any server process on the database: each process records the
//! people it has connected (in the database) and refreshes its own row while it runs, so a
//! person with tabs on two processes stays online until the last one closes, and the people a
//! crashed process had connected go offline once its row is stale.

use super::fanout::Fanout;
use crate::shutdown::Shutdown;
use shared::ws::{CloseCode, ServerMsg};
use shared::{ConversationId, Timestamp, UserId};
use std::sync::Arc;
use std::time::Duration;

/// How often a process says it is running, and after how long without that it counts as gone.
const ALIVE_EVERY: Duration = Duration::from_secs(10);
const GONE_AFTER: Duration = Duration::from_secs(30);
/// (conversation, writer) pairs remembered before the memory starts over.
const WRITERS_KEPT: usize = 100_000;

fn now() -> Timestamp {
    Timestamp(chrono::Utc::now().timestamp_millis())
}

/// Rows of processes seen after this are live.
fn live_after() -> Timestamp {
    Timestamp(now().0 - GONE_AFTER.as_millis() as i64)
}

impl Fanout {
    /// Registers this process; presence rows need it. Then keeps it fresh, and sweeps processes
    /// that stopped without saying so, until shutdown.
    pub async fn start_presence(self: &Arc<Self>, shutdown: Shutdown) -> crate::db::DbResult<()> {
        self.db().process_alive(self.origin(), now()).await?;
        let fanout = self.clone();
        tokio::spawn(async move {
            let stopping = shutdown.wait();
            tokio::pin!(stopping);
            let mut tick = tokio::time::interval(ALIVE_EVERY);
            loop {
                tokio::select! {
                    _ = tick.tick() => fanout.keep_alive().await,
                    _ = &mut stopping => return,
                }
            }
        });
        Ok(())
    }

    async fn keep_alive(&self) {
        if let Err(e) = self.db().process_alive(self.origin(), now()).await {
            tracing::warn!(error = %e, "could not refresh this process's presence row");
        }
        match self.db().sweep_processes(live_after()).await {
            Ok(gone) => {
                for user in gone {
                    self.announce(user, false).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not sweep stopped processes"),
        }
        // Accounts disabled from the command line (which cannot reach this process's sockets).
        let online = self.hub().online_users();
        if let Ok(disabled) = self.db().disabled_among(&online).await {
            for user in disabled {
                self.hub().close_user(user, CloseCode::SignedOut);
            }
        }
    }

    /// This process stops: its rows go (its connections have closed by now).
    pub async fn stop_presence(&self) {
        if let Err(e) = self.db().forget_process(self.origin()).await {
            tracing::warn!(error = %e, "could not remove this process's presence row");
        }
    }

    /// A connection of `user` opened; `first` when it is their first in this process.
    pub async fn connected(&self, user: UserId, first: bool) {
        if !first {
            return;
        }
        match self
            .db()
            .presence_join(self.origin(), user, live_after())
            .await
        {
            Ok(true) => {}
            Ok(false) => self.announce(user, true).await,
            Err(e) => tracing::warn!(error = %e, "could not record presence"),
        }
    }

    /// A connection of `user` closed; `last` when it was their last in this process.
    pub async fn disconnected(&self, user: UserId, last: bool) {
        if !last {
            return;
        }
        match self
            .db()
            .presence_leave(self.origin(), user, live_after())
            .await
        {
            Ok(true) => {}
            Ok(false) => self.announce(user, false).await,
            Err(e) => tracing::warn!(error = %e, "could not record presence"),
        }
    }

    /// Tells the people allowed to see it that `user` came online or went away.
    async fn announce(&self, user: UserId, online: bool) {
        match self.db().presence_audience(user).await {
            Ok(audience) => self.frame(
                &audience,
                ServerMsg::Presence {
                    user_id: user,
                    online,
                },
            ),
            Err(e) => tracing::warn!(error = %e, "could not announce presence"),
        }
    }

    /// Which people `user` may see are online right now, for a connection that just opened.
    pub async fn present_contacts(&self, user: UserId) -> Vec<ServerMsg> {
        let visible = self.db().presence_visible(user).await.unwrap_or_default();
        let online = self
            .db()
            .online_among(&visible, live_after())
            .await
            .unwrap_or_default();
        online
            .into_iter()
            .map(|c| ServerMsg::Presence {
                user_id: c,
                online: true,
            })
            .collect()
    }

    /// `sender` wrote in a conversation of `members`: from their first message there, its
    /// members may see them, so those who could not yet learn now that they are online.
    pub fn wrote(&self, conversation: ConversationId, sender: UserId, members: &[UserId]) {
        let first = {
            let mut writers = self.writers.lock().unwrap_or_else(|e| e.into_inner());
            if writers.len() >= WRITERS_KEPT {
                writers.clear();
            }
            writers.insert((conversation, sender))
        };
        if first && self.hub().is_online(sender) {
            let others: Vec<UserId> = members.iter().copied().filter(|m| *m != sender).collect();
            self.frame(
                &others,
                ServerMsg::Presence {
                    user_id: sender,
                    online: true,
                },
            );
        }
    }
}

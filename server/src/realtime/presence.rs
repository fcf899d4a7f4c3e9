//! Presence: who is online, told to the people allowed to see it.

use super::fanout::Fanout;
use shared::ws::ServerMsg;
use shared::UserId;

impl Fanout {
    /// Tells everyone who shares a conversation with `user` that they came online or went away.
    pub async fn announce_presence(&self, user: UserId, online: bool) {
        match self.db().contact_ids(user).await {
            Ok(contacts) => self.frame(
                &contacts,
                ServerMsg::Presence {
                    user_id: user,
                    online,
                },
            ),
            Err(e) => tracing::warn!(error = %e, "could not announce presence"),
        }
    }

    /// Which of `user`'s contacts are online right now, for a connection that just opened.
    pub async fn present_contacts(&self, user: UserId) -> Vec<ServerMsg> {
        let contacts = self.db().contact_ids(user).await.unwrap_or_default();
        contacts
            .into_iter()
            .filter(|c| self.hub().is_online(*c))
            .map(|c| ServerMsg::Presence {
                user_id: c,
                online: true,
            })
            .collect()
    }
}

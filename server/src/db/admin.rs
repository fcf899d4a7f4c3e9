//! Running a server in storage: who may sign up (the first account, open sign-up, invitations),
//! admins, and disabled accounts.

use super::{DbResult, NewUser, UserRecord};
use async_trait::async_trait;
use shared::{Timestamp, UserId};

/// Which sign-ups the server takes, with the invitation code one brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission<'a> {
    Open,
    Invite(Option<&'a str>),
    Closed,
}

/// Why a sign-up was refused: the rule's name, as in `DbError::Conflict`.
pub const CLOSED: &str = "registration.closed";
pub const NEEDS_INVITE: &str = "registration.invite";
pub const BAD_INVITE: &str = "invites.code";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
    pub admin: bool,
    pub disabled: bool,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRow {
    pub code: String,
    pub created_by: UserId,
    pub max_uses: i64,
    pub uses: i64,
    pub expires_at: Timestamp,
}

#[async_trait]
pub trait Admin: Send + Sync {
    /// Creates an account if `admission` lets it in: the first account of an empty server is
    /// always let in and is the admin. An invitation's use is counted in the same transaction
    /// (so a failed sign-up does not spend it). `Conflict("users.email")` when the email is
    /// taken; `Conflict(CLOSED | NEEDS_INVITE | BAD_INVITE)` when refused.
    async fn admit_user(
        &self,
        new: NewUser,
        admission: Admission<'_>,
        now: Timestamp,
    ) -> DbResult<UserRecord>;

    /// An account on an open server (tests, tools).
    async fn create_user(&self, new: NewUser) -> DbResult<UserRecord> {
        let now = Timestamp(chrono::Utc::now().timestamp_millis());
        self.admit_user(new, Admission::Open, now).await
    }

    /// Every account, oldest first.
    async fn accounts(&self) -> DbResult<Vec<AccountRow>>;
    /// Whether anyone has signed up yet (the first account is let in whatever the mode).
    async fn has_accounts(&self) -> DbResult<bool>;
    /// `NotFound` when there is no such account.
    async fn set_admin(&self, user: UserId, admin: bool) -> DbResult<()>;
    async fn set_disabled(&self, user: UserId, disabled: bool) -> DbResult<()>;
    /// Those of `users` whose account is disabled.
    async fn disabled_among(&self, users: &[UserId]) -> DbResult<Vec<UserId>>;

    async fn create_invite(&self, invite: &InviteRow, now: Timestamp) -> DbResult<()>;
    /// Every invitation, newest first.
    async fn invites(&self) -> DbResult<Vec<InviteRow>>;
    /// `NotFound` when there is no such invitation.
    async fn delete_invite(&self, code: &str) -> DbResult<()>;
}

/// Spends one use of an invitation that has one left and has not expired; returns its code.
pub(super) const USE_INVITE: &str = "
    UPDATE invites SET uses = uses + 1
    WHERE code = $1 AND uses < max_uses AND expires_at > $2
    RETURNING code";

/// `NotFound` when an update or delete touched no row.
pub(super) fn found(rows: u64) -> DbResult<()> {
    if rows == 0 {
        Err(super::DbError::NotFound)
    } else {
        Ok(())
    }
}

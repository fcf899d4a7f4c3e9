//! What the server provides to server functions (in Leptos context). `app` cannot depend on
//! `server`, so the server implements this trait over the same services its HTTP API uses.

use crate::api::ApiError;
use http::request::Parts;
use shared::{
    Account, Conversation, ConversationId, CreateConversationRequest, CreateInviteRequest, Invite,
    LoginRequest, Me, Message, MessageId, MessagePage, RegisterRequest, User, UserId,
};

/// What the admin page shows. `registration` is a sentence on who may sign up.
pub struct AdminOverview {
    pub me: Me,
    pub users: Vec<Account>,
    pub invites: Vec<Invite>,
    pub registration: &'static str,
}

/// A signed-in user and the `Set-Cookie` value that carries their session.
pub struct AuthOutcome {
    pub me: Me,
    pub set_cookie: String,
}

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The user the request's session belongs to, if any.
    async fn current_user(&self, request: &Parts) -> Option<Me>;
    async fn register(
        &self,
        body: RegisterRequest,
        request: &Parts,
    ) -> Result<AuthOutcome, ApiError>;
    async fn login(&self, body: LoginRequest, request: &Parts) -> Result<AuthOutcome, ApiError>;
    /// Revokes the request's session; returns the `Set-Cookie` value that clears the cookie.
    async fn logout(&self, request: &Parts) -> Result<String, ApiError>;

    async fn conversations(&self, request: &Parts) -> Result<Vec<Conversation>, ApiError>;
    async fn history(
        &self,
        id: ConversationId,
        before: Option<i64>,
        after: Option<i64>,
        request: &Parts,
    ) -> Result<MessagePage, ApiError>;
    /// At most `limit` people whose name matches, prefix matches first.
    async fn search_users(
        &self,
        query: String,
        limit: i64,
        request: &Parts,
    ) -> Result<Vec<User>, ApiError>;
    /// Finds or makes the conversation with these people (see `POST /api/conversations`).
    async fn open_conversation(
        &self,
        body: CreateConversationRequest,
        request: &Parts,
    ) -> Result<Conversation, ApiError>;

    /// For an admin only: anyone else gets `not_found` (signed out: `unauthenticated`).
    async fn admin_overview(&self, request: &Parts) -> Result<AdminOverview, ApiError>;
    async fn admin_create_invite(
        &self,
        body: CreateInviteRequest,
        request: &Parts,
    ) -> Result<(), ApiError>;
    async fn admin_withdraw_invite(&self, code: String, request: &Parts) -> Result<(), ApiError>;
    async fn admin_set_disabled(
        &self,
        user: UserId,
        disabled: bool,
        request: &Parts,
    ) -> Result<(), ApiError>;
    /// Changing sent messages and catching up on changes (see the HTTP API's equivalents).
    async fn edit_message(
        &self,
        id: ConversationId,
        message_id: MessageId,
        text: String,
        request: &Parts,
    ) -> Result<Message, ApiError>;
    async fn delete_message(
        &self,
        id: ConversationId,
        message_id: MessageId,
        request: &Parts,
    ) -> Result<(), ApiError>;
    /// Adds (`on`) or takes back one's reaction.
    async fn react(
        &self,
        id: ConversationId,
        message_id: MessageId,
        emoji: String,
        on: bool,
        request: &Parts,
    ) -> Result<(), ApiError>;
    async fn changed_after(
        &self,
        id: ConversationId,
        rev: i64,
        request: &Parts,
    ) -> Result<MessagePage, ApiError>;
}

//! What the server provides to server functions (in Leptos context). `app` cannot depend on
//! `server`, so the server implements this trait over the same services its HTTP API uses.

use crate::api::ApiError;
use http::request::Parts;
use shared::{LoginRequest, Me, RegisterRequest};

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
}

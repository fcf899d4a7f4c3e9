//! The app's server functions reach the server through this: the same account services the
//! HTTP API uses, with errors in the same shape.

use crate::accounts::{self, SignedIn};
use crate::admin;
use crate::auth::{client_ip, session_cookie, AuthUser, SESSION_TTL};
use crate::changes;
use crate::config::Registration;
use crate::error::AppError;
use crate::messaging;
use crate::state::AppState;
use app::api::ApiError;
use app::backend::{AdminOverview, AuthOutcome, Backend};
use axum::http::request::Parts;
use shared::{
    Conversation, ConversationId, CreateConversationRequest, CreateInviteRequest, LoginRequest, Me,
    Message, MessageId, MessagePage, RegisterRequest, User, UserId,
};

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        if let AppError::Internal(detail) = &e {
            tracing::error!(%detail, "internal error in a server function");
        }
        let retry_after = match &e {
            AppError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        app::api::error_status(e.status(), retry_after);
        ApiError(e.body())
    }
}

impl AppState {
    fn outcome(&self, signed_in: SignedIn, request: &Parts) -> AuthOutcome {
        AuthOutcome {
            me: signed_in.user.me(),
            set_cookie: session_cookie(
                &signed_in.token,
                SESSION_TTL.as_secs(),
                self.auth.cookie_secure,
                &request.headers,
            ),
        }
    }
}

#[async_trait::async_trait]
impl Backend for AppState {
    async fn current_user(&self, request: &Parts) -> Option<Me> {
        AuthUser::from_headers(self, &request.headers)
            .await
            .ok()
            .map(|me| me.user.me())
    }

    async fn register(
        &self,
        body: RegisterRequest,
        request: &Parts,
    ) -> Result<AuthOutcome, ApiError> {
        let ip = client_ip(request, self.auth.trust_proxy);
        let signed_in = accounts::register(self, body, ip).await?;
        Ok(self.outcome(signed_in, request))
    }

    async fn login(&self, body: LoginRequest, request: &Parts) -> Result<AuthOutcome, ApiError> {
        let signed_in =
            accounts::login(self, body, client_ip(request, self.auth.trust_proxy)).await?;
        Ok(self.outcome(signed_in, request))
    }

    async fn logout(&self, request: &Parts) -> Result<String, ApiError> {
        if let Ok(me) = AuthUser::from_headers(self, &request.headers).await {
            accounts::logout(self, me.session).await?;
        }
        Ok(session_cookie(
            "",
            0,
            self.auth.cookie_secure,
            &request.headers,
        ))
    }

    async fn conversations(&self, request: &Parts) -> Result<Vec<Conversation>, ApiError> {
        let me = AuthUser::from_headers(self, &request.headers).await?;
        Ok(self
            .db
            .conversations(me.user.id)
            .await
            .map_err(AppError::from)?)
    }

    async fn history(
        &self,
        id: ConversationId,
        before: Option<i64>,
        after: Option<i64>,
        request: &Parts,
    ) -> Result<MessagePage, ApiError> {
        let me = AuthUser::from_headers(self, &request.headers).await?;
        let (messages, has_more) = messaging::history(self, &me, id, before, after, None).await?;
        Ok(MessagePage { messages, has_more })
    }

    async fn search_users(
        &self,
        query: String,
        limit: i64,
        request: &Parts,
    ) -> Result<Vec<User>, ApiError> {
        let me = AuthUser::from_headers(self, &request.headers).await?;
        Ok(accounts::search(self, &me, &query, Some(limit)).await?)
    }

    async fn open_conversation(
        &self,
        body: CreateConversationRequest,
        request: &Parts,
    ) -> Result<Conversation, ApiError> {
        let me = AuthUser::from_headers(self, &request.headers).await?;
        Ok(messaging::create_conversation(self, &me, body).await?.0)
    }

    async fn admin_overview(&self, request: &Parts) -> Result<AdminOverview, ApiError> {
        let me = admin::signed_in_admin(self, &request.headers).await?;
        let site = admin::site(self, &request.headers);
        let registration = match self.settings.registration {
            Registration::Open => "Anyone can sign up.",
            Registration::Invite => "Sign-up needs an invite link.",
            Registration::Closed => "Sign-up is closed: invite links are refused too.",
        };
        Ok(AdminOverview {
            me: me.user.me(),
            users: admin::accounts(&self.db).await?,
            invites: admin::invites(self, &site).await?,
            registration,
        })
    }

    async fn admin_create_invite(
        &self,
        body: CreateInviteRequest,
        request: &Parts,
    ) -> Result<(), ApiError> {
        let me = admin::signed_in_admin(self, &request.headers).await?;
        let site = admin::site(self, &request.headers);
        admin::create_invite(self, me.user.id, body, &site).await?;
        Ok(())
    }

    async fn admin_withdraw_invite(&self, code: String, request: &Parts) -> Result<(), ApiError> {
        admin::signed_in_admin(self, &request.headers).await?;
        Ok(admin::delete_invite(self, &code).await?)
    }

    async fn admin_set_disabled(
        &self,
        user: UserId,
        disabled: bool,
        request: &Parts,
    ) -> Result<(), ApiError> {
        let me = admin::signed_in_admin(self, &request.headers).await?;
        Ok(admin::set_disabled(self, user, disabled, me.user.id).await?)
    }

    async fn edit_message(
        &self,
        id: ConversationId,
        message_id: MessageId,
        text: String,
        request: &Parts,
    ) -> Result<Message, ApiError> {
        let me = AuthUser::from_headers(self, &request.headers).await?;
        Ok(changes::edit(self, &me, id, message_id, &text, None).await?)
    }

    async fn delete_message(
        &self,
        id: ConversationId,
        message_id: MessageId,
        request: &Parts,
    ) -> Result<(), ApiError> {
        let me = AuthUser::from_headers(self, &request.headers).await?;
        changes::delete(self, &me, id, message_id, None).await?;
        Ok(())
    }

    async fn react(
        &self,
        id: ConversationId,
        message_id: MessageId,
        emoji: String,
        on: bool,
        request: &Parts,
    ) -> Result<(), ApiError> {
        let me = AuthUser::from_headers(self, &request.headers).await?;
        changes::react(self, &me, id, message_id, &emoji, on, None).await?;
        Ok(())
    }

    async fn changed_after(
        &self,
        id: ConversationId,
        rev: i64,
        request: &Parts,
    ) -> Result<MessagePage, ApiError> {
        let me = AuthUser::from_headers(self, &request.headers).await?;
        let (messages, has_more) = changes::changed_after(self, &me, id, rev, None).await?;
        Ok(MessagePage { messages, has_more })
    }
}

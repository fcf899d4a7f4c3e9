//! Server functions: typed calls from the components to the server, declared once. Their bodies
//! run on the server and reach its services through the `Backend` in context.

use leptos::prelude::*;
use leptos::server_fn::codec::{Json, Post};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared::{
    Conversation, ConversationId, ErrorBody, ErrorResponse, Me, Message, MessageId, MessagePage,
    User, UserId,
};

/// The contract's error body, carried across the server-function boundary intact, so forms can
/// show each field's message next to the field. On the wire it has the HTTP API's shape,
/// `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "ErrorResponse", into = "ErrorResponse")]
pub struct ApiError(pub ErrorBody);

impl From<ErrorResponse> for ApiError {
    fn from(response: ErrorResponse) -> Self {
        ApiError(response.error)
    }
}

impl From<ApiError> for ErrorResponse {
    fn from(error: ApiError) -> Self {
        ErrorResponse { error: error.0 }
    }
}

impl ApiError {
    pub fn field(&self, name: &str) -> Option<String> {
        self.0.fields.as_ref().and_then(|f| f.get(name).cloned())
    }

    pub fn message(&self) -> String {
        self.0.message.clone()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for ApiError {}

impl FromServerFnError for ApiError {
    type Encoder = AnswerEncoding;

    /// The framework's own failures. Their text (a parser's message, say) is never shown: it
    /// means nothing to a person, and it would echo whatever a request held.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let (code, message) = match value {
            // On the server: the request's body could not be read as the function's arguments.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => {
                error_status(http::StatusCode::BAD_REQUEST, None);
                ("bad_request", "The request is not valid.")
            }
            ServerFnErrorErr::Request(_) => (
                "request_failed",
                "Could not reach the server; check your connection.",
            ),
            _ => ("request_failed", "Something went wrong; try again."),
        };
        ApiError(ErrorBody {
            code: code.into(),
            message: message.into(),
            fields: None,
        })
    }
}

/// Answers the server function being run with `status`, as the HTTP API would. Server
/// functions answer 500 to every error unless told otherwise. A plain form post (no WASM yet)
/// keeps the redirect back to its page that Leptos gives it, with the error in the query.
/// A refusal for too many attempts says when to try again, as the HTTP API does.
#[cfg(feature = "ssr")]
pub fn error_status(status: http::StatusCode, retry_after_secs: Option<u64>) {
    if let (Some(response), Some(request)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        use_context::<http::request::Parts>(),
    ) {
        let plain_form = request
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        if !plain_form {
            response.set_status(status);
            if let Some(seconds) = retry_after_secs {
                let seconds = http::HeaderValue::from(seconds.max(1));
                response.insert_header(http::header::RETRY_AFTER, seconds);
            }
        }
    }
}

/// How answers and errors come back: JSON, written by serde_json and read in the browser by
/// `shared::json`, whose refusals carry no message, so the WASM holds no error-formatting code.
pub type Answer = Post<AnswerEncoding>;

pub struct AnswerEncoding;

impl ContentType for AnswerEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for AnswerEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for AnswerEncoding {
    type Error = serde_json::Error;

    fn encode(value: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(value).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for AnswerEncoding {
    type Error = shared::json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        shared::json::from_slice(&bytes)
    }
}

/// Arguments of the functions behind the sign-in, sign-up and sign-out forms. The hydrated page
/// sends JSON, so the WASM carries no url-encoding code; the server also reads the url-encoded
/// body that the same `<form method="post">` sends before the WASM has arrived (a JSON body is
/// an object, and an url-encoded one never starts with an unescaped `{`).
pub type FormOrJson = Post<FormOrJsonEncoding>;

pub struct FormOrJsonEncoding;

impl ContentType for FormOrJsonEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for FormOrJsonEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for FormOrJsonEncoding {
    type Error = serde_json::Error;

    fn encode(value: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(value).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for FormOrJsonEncoding {
    type Error = String;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        if bytes.trim_ascii_start().starts_with(b"{") {
            return serde_json::from_slice(&bytes).map_err(|e| e.to_string());
        }
        #[cfg(feature = "ssr")]
        {
            // The same settings as Leptos's own url-encoded codec.
            serde_qs::Config::new(5, false)
                .deserialize_bytes(&bytes)
                .map_err(|e| e.to_string())
        }
        #[cfg(not(feature = "ssr"))]
        Err("expected a JSON object".into())
    }
}

#[server(prefix = "/api/fn", endpoint = "current_user", input = Json, output = Answer)]
pub async fn current_user() -> Result<Option<Me>, ApiError> {
    let (backend, request) = ssr::request()?;
    Ok(backend.current_user(&request).await)
}

#[server(prefix = "/api/fn", endpoint = "login", input = FormOrJson, output = Answer)]
pub async fn login(email: String, password: String) -> Result<Me, ApiError> {
    let (backend, request) = ssr::request()?;
    let outcome = backend
        .login(shared::LoginRequest { email, password }, &request)
        .await?;
    Ok(ssr::signed_in(outcome))
}

#[server(prefix = "/api/fn", endpoint = "register", input = FormOrJson, output = Answer)]
pub async fn register(
    display_name: String,
    email: String,
    password: String,
    invite: Option<String>,
) -> Result<Me, ApiError> {
    let (backend, request) = ssr::request()?;
    let outcome = backend
        .register(
            shared::RegisterRequest {
                display_name,
                email,
                password,
                invite,
            },
            &request,
        )
        .await?;
    Ok(ssr::signed_in(outcome))
}

#[server(prefix = "/api/fn", endpoint = "logout", input = FormOrJson, output = Answer)]
pub async fn logout() -> Result<(), ApiError> {
    let (backend, request) = ssr::request()?;
    let clear_cookie = backend.logout(&request).await?;
    ssr::set_cookie(&clear_cookie);
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(prefix = "/api/fn", endpoint = "conversations", input = Json, output = Answer)]
pub async fn conversations() -> Result<Vec<Conversation>, ApiError> {
    let (backend, request) = ssr::request()?;
    backend.conversations(&request).await
}

#[server(prefix = "/api/fn", endpoint = "history", input = Json, output = Answer)]
pub async fn history(
    id: ConversationId,
    before: Option<i64>,
    after: Option<i64>,
) -> Result<MessagePage, ApiError> {
    let (backend, request) = ssr::request()?;
    backend.history(id, before, after, &request).await
}

/// The first people whose name matches a search, and whether more match than are shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserMatches {
    pub users: Vec<User>,
    pub more: bool,
}

/// How many matches the search shows.
pub const SEARCH_SHOWN: usize = 20;

#[server(prefix = "/api/fn", endpoint = "search_users", input = Json, output = Answer)]
pub async fn search_users(query: String) -> Result<UserMatches, ApiError> {
    let (backend, request) = ssr::request()?;
    // One more than is shown tells whether there are more.
    let mut users = backend
        .search_users(query, SEARCH_SHOWN as i64 + 1, &request)
        .await?;
    let more = users.len() > SEARCH_SHOWN;
    users.truncate(SEARCH_SHOWN);
    Ok(UserMatches { users, more })
}

#[server(prefix = "/api/fn", endpoint = "open_conversation", input = Json, output = Answer)]
pub async fn open_conversation(
    member_ids: Vec<UserId>,
    title: Option<String>,
) -> Result<Conversation, ApiError> {
    let (backend, request) = ssr::request()?;
    backend
        .open_conversation(
            shared::CreateConversationRequest { member_ids, title },
            &request,
        )
        .await
}

#[server(prefix = "/api/fn", endpoint = "edit_message", input = Json, output = Answer)]
pub async fn edit_message(
    id: ConversationId,
    message_id: MessageId,
    text: String,
) -> Result<Message, ApiError> {
    let (backend, request) = ssr::request()?;
    backend.edit_message(id, message_id, text, &request).await
}

#[server(prefix = "/api/fn", endpoint = "delete_message", input = Json, output = Answer)]
pub async fn delete_message(id: ConversationId, message_id: MessageId) -> Result<(), ApiError> {
    let (backend, request) = ssr::request()?;
    backend.delete_message(id, message_id, &request).await
}

#[server(prefix = "/api/fn", endpoint = "react", input = Json, output = Answer)]
pub async fn react(
    id: ConversationId,
    message_id: MessageId,
    emoji: String,
) -> Result<(), ApiError> {
    let (backend, request) = ssr::request()?;
    backend.react(id, message_id, emoji, true, &request).await
}

#[server(prefix = "/api/fn", endpoint = "unreact", input = Json, output = Answer)]
pub async fn unreact(
    id: ConversationId,
    message_id: MessageId,
    emoji: String,
) -> Result<(), ApiError> {
    let (backend, request) = ssr::request()?;
    backend.react(id, message_id, emoji, false, &request).await
}

/// New or changed messages past `rev` (catch-up after a reconnect).
#[server(prefix = "/api/fn", endpoint = "changed_after", input = Json, output = Answer)]
pub async fn changed_after(id: ConversationId, rev: i64) -> Result<MessagePage, ApiError> {
    let (backend, request) = ssr::request()?;
    backend.changed_after(id, rev, &request).await
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::ApiError;
    use crate::backend::{AuthOutcome, Backend};
    use leptos::prelude::use_context;
    use shared::{ErrorBody, Me};
    use std::sync::Arc;

    /// The server's services and the request being answered.
    pub fn request() -> Result<(Arc<dyn Backend>, http::request::Parts), ApiError> {
        match (
            use_context::<Arc<dyn Backend>>(),
            use_context::<http::request::Parts>(),
        ) {
            (Some(backend), Some(parts)) => Ok((backend, parts)),
            _ => Err(ApiError(ErrorBody {
                code: "internal".into(),
                message: "Something went wrong on our side.".into(),
                fields: None,
            })),
        }
    }

    pub fn set_cookie(cookie: &str) {
        if let (Some(response), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(cookie),
        ) {
            response.append_header(http::header::SET_COOKIE, value);
        }
    }

    /// Sets the session cookie and sends the browser on to the chat (a plain form post without
    /// JavaScript is redirected; the hydrated app navigates).
    pub fn signed_in(outcome: AuthOutcome) -> Me {
        set_cookie(&outcome.set_cookie);
        leptos_axum::redirect("/");
        outcome.me
    }
}

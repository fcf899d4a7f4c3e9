//! `/api/conversations`: conversations, their history, sending and reading over HTTP (for bots
//! and scripts; browsers mostly use the WebSocket, which calls the same services).

use crate::auth::AuthUser;
use crate::db::Created;
use crate::error::{AppError, AppResult, Json};
use crate::messaging::{self, Outgoing};
use crate::state::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use shared::{
    Conversation, ConversationId, ConversationList, CreateConversationRequest, Message,
    MessagePage, ReadRequest, SendMessageRequest,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/conversations", get(list).post(create))
        .route("/api/conversations/{id}", get(one))
        .route("/api/conversations/{id}/messages", get(history).post(send))
        .route("/api/conversations/{id}/read", post(read))
        .route("/api/conversations/{id}/leave", post(leave))
}

/// A conversation id from the path; one that is not a UUID names nothing, like any unknown id.
fn conversation_id(path: Result<Path<ConversationId>, PathRejection>) -> AppResult<ConversationId> {
    path.map(|Path(id)| id).map_err(|_| AppError::NotFound)
}

async fn list(State(state): State<AppState>, me: AuthUser) -> AppResult<Json<ConversationList>> {
    let conversations = state.db.conversations(me.user.id).await?;
    Ok(Json(ConversationList { conversations }))
}

async fn create(
    State(state): State<AppState>,
    me: AuthUser,
    Json(req): Json<CreateConversationRequest>,
) -> AppResult<(StatusCode, Json<Conversation>)> {
    let (conversation, created) = messaging::create_conversation(&state, &me, req).await?;
    let status = if created == Created::New {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(conversation)))
}

async fn one(
    State(state): State<AppState>,
    me: AuthUser,
    path: Result<Path<ConversationId>, PathRejection>,
) -> AppResult<Json<Conversation>> {
    let id = conversation_id(path)?;
    Ok(Json(messaging::conversation(&state, &me, id).await?))
}

#[derive(Deserialize)]
struct HistoryQuery {
    before: Option<i64>,
    after: Option<i64>,
    /// Catch-up on changes: new or changed messages past this rev, ascending rev.
    changed_after: Option<i64>,
    /// A page centred on this seq (`AroundPage`).
    around: Option<i64>,
    limit: Option<i64>,
}

async fn history(
    State(state): State<AppState>,
    me: AuthUser,
    path: Result<Path<ConversationId>, PathRejection>,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> AppResult<Response> {
    let id = conversation_id(path)?;
    let Query(q) = query.map_err(|_| {
        AppError::field(
            "limit",
            "before, after, changed_after, around and limit are whole numbers.",
        )
    })?;
    if let Some(seq) = q.around {
        if q.before.is_some() || q.after.is_some() || q.changed_after.is_some() {
            return Err(AppError::field(
                "around",
                "around goes without before, after and changed_after.",
            ));
        }
        let page = messaging::around(&state, &me, id, seq, q.limit).await?;
        return Ok(Json(page).into_response());
    }
    if let Some(rev) = q.changed_after {
        if q.before.is_some() || q.after.is_some() {
            return Err(AppError::field(
                "changed_after",
                "changed_after goes without before and after.",
            ));
        }
        let (messages, has_more) =
            crate::changes::changed_after(&state, &me, id, rev, q.limit).await?;
        return Ok(Json(MessagePage { messages, has_more }).into_response());
    }
    let (messages, has_more) =
        messaging::history(&state, &me, id, q.before, q.after, q.limit).await?;
    Ok(Json(MessagePage { messages, has_more }).into_response())
}

async fn send(
    State(state): State<AppState>,
    me: AuthUser,
    path: Result<Path<ConversationId>, PathRejection>,
    Json(req): Json<SendMessageRequest>,
) -> AppResult<(StatusCode, Json<Message>)> {
    let id = conversation_id(path)?;
    let out = Outgoing {
        conversation_id: id,
        client_id: req.client_id,
        text: req.text,
        img: req.img,
        reply_to: req.reply_to,
        file: req.file,
    };
    let (message, created) = messaging::send(&state, &me, out, None).await?;
    let status = if created == Created::New {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(message)))
}

async fn read(
    State(state): State<AppState>,
    me: AuthUser,
    path: Result<Path<ConversationId>, PathRejection>,
    Json(req): Json<ReadRequest>,
) -> AppResult<StatusCode> {
    let id = conversation_id(path)?;
    messaging::mark_read(&state, &me, id, req.seq).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn leave(
    State(state): State<AppState>,
    me: AuthUser,
    path: Result<Path<ConversationId>, PathRejection>,
) -> AppResult<StatusCode> {
    let id = conversation_id(path)?;
    messaging::leave(&state, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Changing sent messages over HTTP: editing, deleting, reacting. Catch-up on changes
//! (`?changed_after=REV`) is read with history, in `conversations.rs`.

use crate::auth::AuthUser;
use crate::changes;
use crate::error::{AppError, AppResult, Json};
use crate::state::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{patch, put};
use axum::Router;
use shared::{ConversationId, EditMessageRequest, Message, MessageId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/conversations/{id}/messages/{message_id}",
            patch(edit).delete(delete),
        )
        .route(
            "/api/conversations/{id}/messages/{message_id}/reactions/{emoji}",
            put(react).delete(unreact),
        )
}

/// Ids from the path; one that is not a UUID names nothing, like any unknown id.
fn ids(
    path: Result<Path<(ConversationId, MessageId)>, PathRejection>,
) -> AppResult<(ConversationId, MessageId)> {
    path.map(|Path(ids)| ids).map_err(|_| AppError::NotFound)
}

type ReactionPath = Result<Path<(ConversationId, MessageId, String)>, PathRejection>;

async fn edit(
    State(state): State<AppState>,
    me: AuthUser,
    path: Result<Path<(ConversationId, MessageId)>, PathRejection>,
    Json(req): Json<EditMessageRequest>,
) -> AppResult<Json<Message>> {
    let (conversation, message) = ids(path)?;
    let edited = changes::edit(&state, &me, conversation, message, &req.text, None).await?;
    Ok(Json(edited))
}

async fn delete(
    State(state): State<AppState>,
    me: AuthUser,
    path: Result<Path<(ConversationId, MessageId)>, PathRejection>,
) -> AppResult<StatusCode> {
    let (conversation, message) = ids(path)?;
    changes::delete(&state, &me, conversation, message, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn react(
    State(state): State<AppState>,
    me: AuthUser,
    path: ReactionPath,
) -> AppResult<StatusCode> {
    reaction(state, me, path, true).await
}

async fn unreact(
    State(state): State<AppState>,
    me: AuthUser,
    path: ReactionPath,
) -> AppResult<StatusCode> {
    reaction(state, me, path, false).await
}

async fn reaction(
    state: AppState,
    me: AuthUser,
    path: ReactionPath,
    on: bool,
) -> AppResult<StatusCode> {
    let Path((conversation, message, emoji)) = path.map_err(|_| AppError::NotFound)?;
    changes::react(&state, &me, conversation, message, &emoji, on, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! `/api/search/messages`: full-text search over the messages of the caller's conversations.

use crate::auth::AuthUser;
use crate::error::{AppError, AppResult, Json};
use crate::search::{self, Asked};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use shared::{ConversationId, SearchPage};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/search/messages", get(messages))
}

#[derive(Deserialize)]
struct SearchParams {
    q: Option<String>,
    conversation_id: Option<String>,
    before: Option<String>,
    limit: Option<i64>,
}

async fn messages(
    State(state): State<AppState>,
    me: AuthUser,
    query: Result<Query<SearchParams>, QueryRejection>,
) -> AppResult<Json<SearchPage>> {
    let Query(q) = query.map_err(|_| AppError::field("limit", "limit is a whole number."))?;
    // An id that is not a UUID names no conversation, like any unknown id.
    let conversation_id = match q.conversation_id {
        None => None,
        Some(id) => Some(
            id.parse::<uuid::Uuid>()
                .map(ConversationId)
                .map_err(|_| AppError::NotFound)?,
        ),
    };
    let asked = Asked {
        q: q.q,
        conversation_id,
        before: q.before,
        limit: q.limit,
    };
    Ok(Json(search::messages(&state, &me, asked).await?))
}

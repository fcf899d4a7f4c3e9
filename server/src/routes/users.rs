//! `/api/users`: finding people to talk to.

use crate::accounts;
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult, Json};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use shared::UserList;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/users", get(search))
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    limit: Option<i64>,
}

async fn search(
    State(state): State<AppState>,
    me: AuthUser,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> AppResult<Json<UserList>> {
    let Query(query) = query.map_err(|_| AppError::field("limit", "Use a limit from 1 to 50."))?;
    let users = accounts::search(&state, &me, &query.q, query.limit).await?;
    Ok(Json(UserList { users }))
}

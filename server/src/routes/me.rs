//! `/api/me`: the signed-in user's own profile and avatar.

use crate::accounts;
use crate::auth::{session_cookie, AuthUser, SESSION_TTL};
use crate::error::{AppResult, Json};
use crate::state::AppState;
use crate::uploads;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use shared::{Me, UpdateMeRequest};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/me", get(me).patch(update)).route(
        "/api/me/avatar",
        put(avatar)
            .layer(DefaultBodyLimit::max(uploads::MAX_BODY_BYTES))
            .layer(axum::middleware::from_fn(uploads::refuse_oversized)),
    )
}

async fn me(me: AuthUser) -> Json<Me> {
    Json(me.user.me())
}

async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    me: AuthUser,
    Json(req): Json<UpdateMeRequest>,
) -> AppResult<Response> {
    let (user, new_session) = accounts::update_me(&state, &me, req).await?;
    let mut response = Json(user.me()).into_response();
    // After a password change every old token is void; this browser gets a new cookie.
    if let Some(signed_in) = new_session {
        let cookie = session_cookie(
            &signed_in.token,
            SESSION_TTL.as_secs(),
            state.auth.cookie_secure,
            &headers,
        );
        response.headers_mut().insert(
            SET_COOKIE,
            cookie.parse().expect("cookie is a valid header"),
        );
    }
    Ok(response)
}

async fn avatar(
    State(state): State<AppState>,
    me: AuthUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Json<Me>> {
    let bytes = uploads::read_file_part(multipart).await?;
    let user = uploads::set_avatar(&state, &me, bytes).await?;
    Ok(Json(user.me()))
}

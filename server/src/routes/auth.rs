//! `/api/auth/*`: sign up, sign in, sign out. The token comes back in the body (for bots and
//! scripts) and as an HttpOnly cookie (for browsers).

use crate::accounts::{self, SignedIn};
use crate::auth::{client_ip, session_cookie, AuthUser, SESSION_TTL};
use crate::error::{AppResult, Json};
use crate::state::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use shared::{AuthResponse, LoginRequest, RegisterRequest};
use std::net::IpAddr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
}

async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(req): Json<RegisterRequest>,
) -> AppResult<Response> {
    let signed_in = accounts::register(&state, req, ip).await?;
    Ok(signed_in_response(
        &state,
        &headers,
        StatusCode::CREATED,
        signed_in,
    ))
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> AppResult<Response> {
    let signed_in = accounts::login(&state, req, ip).await?;
    Ok(signed_in_response(
        &state,
        &headers,
        StatusCode::OK,
        signed_in,
    ))
}

/// Revokes the session the request was made with and clears the cookie. Signing out twice is
/// not an error.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    if let Ok(me) = AuthUser::from_headers(&state, &headers).await {
        accounts::logout(&state, me.session).await?;
    }
    let clear = session_cookie("", 0, state.auth.cookie_secure, &headers);
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, clear)]).into_response())
}

pub fn signed_in_response(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    signed_in: SignedIn,
) -> Response {
    let cookie = session_cookie(
        &signed_in.token,
        SESSION_TTL.as_secs(),
        state.auth.cookie_secure,
        headers,
    );
    let body = AuthResponse {
        user: signed_in.user.me(),
        token: signed_in.token,
    };
    (status, [(SET_COOKIE, cookie)], Json(body)).into_response()
}

/// The caller's address, for rate limits (see [`client_ip`]).
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts, state.auth.trust_proxy)))
    }
}

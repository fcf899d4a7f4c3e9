//! `/api/admin/...`: for admins only. Anyone else, signed in or not, gets 404 from every path
//! here (whatever the method), exactly as from a path that does not exist.

use crate::admin;
use crate::error::{AppError, AppResult, Json};
use crate::state::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Router};
use shared::{AccountList, CreateInviteRequest, Invite, InviteList, UserId};

/// The admin making the request, found by the gate.
#[derive(Clone, Copy)]
struct Admin(UserId);

pub fn router(state: &AppState) -> Router<AppState> {
    // A wrong method is 404 too: a 405 would tell the path exists.
    let missing = || async { AppError::NotFound };
    Router::new()
        .route("/api/admin/users", get(users).fallback(missing))
        .route(
            "/api/admin/users/{id}/disable",
            post(disable).fallback(missing),
        )
        .route(
            "/api/admin/users/{id}/enable",
            post(enable).fallback(missing),
        )
        .route(
            "/api/admin/invites",
            get(invites).post(create_invite).fallback(missing),
        )
        .route(
            "/api/admin/invites/{code}",
            delete(delete_invite).fallback(missing),
        )
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), gate))
}

async fn gate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Signed out or not an admin: the paths do not exist.
    match admin::signed_in_admin(&state, req.headers()).await {
        Ok(me) => {
            req.extensions_mut().insert(Admin(me.user.id));
            next.run(req).await
        }
        Err(_) => AppError::NotFound.into_response(),
    }
}

fn user_id(path: Result<Path<i64>, PathRejection>) -> AppResult<UserId> {
    path.map(|Path(id)| UserId(id))
        .map_err(|_| AppError::NotFound)
}

async fn users(State(state): State<AppState>) -> AppResult<Json<AccountList>> {
    Ok(Json(AccountList {
        users: admin::accounts(&state.db).await?,
    }))
}

async fn disable(
    State(state): State<AppState>,
    Extension(Admin(me)): Extension<Admin>,
    path: Result<Path<i64>, PathRejection>,
) -> AppResult<StatusCode> {
    admin::set_disabled(&state, user_id(path)?, true, me).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn enable(
    State(state): State<AppState>,
    Extension(Admin(me)): Extension<Admin>,
    path: Result<Path<i64>, PathRejection>,
) -> AppResult<StatusCode> {
    admin::set_disabled(&state, user_id(path)?, false, me).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create_invite(
    State(state): State<AppState>,
    Extension(Admin(me)): Extension<Admin>,
    headers: HeaderMap,
    Json(req): Json<CreateInviteRequest>,
) -> AppResult<(StatusCode, Json<Invite>)> {
    let invite = admin::create_invite(&state, me, req, &admin::site(&state, &headers)).await?;
    Ok((StatusCode::CREATED, Json(invite)))
}

async fn invites(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Json<InviteList>> {
    Ok(Json(InviteList {
        invites: admin::invites(&state, &admin::site(&state, &headers)).await?,
    }))
}

async fn delete_invite(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> AppResult<StatusCode> {
    admin::delete_invite(&state, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

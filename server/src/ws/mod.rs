//! `GET /ws`: the real-time channel. Authenticated at the upgrade (cookie or bearer), refused
//! from foreign origins, with small buffers so that idle connections stay cheap.

mod connection;
mod frames;
mod limiter;

use crate::auth::{csrf, AuthUser};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

/// Frames are small JSON objects; anything larger is abuse.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route("/ws", get(upgrade))
}

async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> AppResult<Response> {
    if !csrf::same_origin(&headers) {
        return Err(AppError::Forbidden(
            "WebSocket connections from other sites are not accepted.",
        ));
    }
    let me = AuthUser::from_headers(&state, &headers).await?;
    let upgrade =
        upgrade.map_err(|_| AppError::BadRequest("Connect with a WebSocket upgrade.".into()))?;
    Ok(upgrade
        // Filled (zeroed) whole before each read, so it is resident in every idle connection;
        // a frame longer than this takes several reads.
        .read_buffer_size(1024)
        // Frames gather up to this before a write; a flush sends them at once anyway.
        .write_buffer_size(8 * 1024)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        // Boxed: the closure is kept in the connection's task as long as the socket is open.
        .on_upgrade({
            let parts = Box::new((state, me));
            move |socket| {
                let (state, me) = *parts;
                connection::run(socket, state, me)
            }
        }))
}

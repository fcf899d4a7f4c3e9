//! The HTTP API and the probes, one module per area.

mod admin;
mod auth;
mod changes;
mod conversations;
mod health;
mod me;
mod search;
mod uploads;
mod users;

use crate::state::AppState;
use axum::Router;

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(admin::router(state))
        .merge(auth::router())
        .merge(conversations::router())
        .merge(changes::router())
        .merge(me::router())
        .merge(search::router())
        .merge(users::router())
        .merge(uploads::router())
}

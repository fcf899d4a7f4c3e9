//! The HTTP API and the probes, one module per area.

mod health;

use crate::state::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().merge(health::router())
}

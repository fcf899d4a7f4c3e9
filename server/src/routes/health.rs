//! Probes for supervisors and load balancers: `/healthz` (the process runs) and `/readyz` (the
//! database answers).

use crate::error::{AppError, AppResult, Json};
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::time::Duration;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(state): State<AppState>) -> AppResult<Json<Value>> {
    if state.shutdown.is_triggered() {
        return Err(AppError::NotReady);
    }
    match tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await {
        Ok(Ok(())) => Ok(Json(
            json!({"status": "ready", "database": state.db.backend()}),
        )),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check: database failed");
            Err(AppError::NotReady)
        }
        Err(_) => {
            tracing::warn!("readiness check: database did not answer within 2 s");
            Err(AppError::NotReady)
        }
    }
}

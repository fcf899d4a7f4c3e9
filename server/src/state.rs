//! What every handler, server function and WebSocket task can reach.

use crate::auth::Auth;
use crate::config::Settings;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::realtime::{Fanout, Hub};
use crate::shutdown::Shutdown;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub settings: Arc<Settings>,
    pub auth: Arc<Auth>,
    pub shutdown: Shutdown,
    pub hub: Arc<Hub>,
    pub fanout: Arc<Fanout>,
    pub metrics: Arc<Metrics>,
}

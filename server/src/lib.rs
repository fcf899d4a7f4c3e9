//! The LetUsChat server as a library, so the binary and the integration tests start the very
//! same thing.

pub mod accounts;
pub mod admin;
mod app_backend;
pub mod auth;
pub mod changes;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod files;
pub mod housekeeping;
pub mod images;
pub mod limits;
pub mod memory;
pub mod messaging;
pub mod metrics;
pub mod realtime;
pub mod routes;
pub mod search;
pub mod secret;
pub mod seed;
pub mod serve;
pub mod shutdown;
pub mod site;
pub mod startup;
pub mod state;
pub mod uploads;
pub mod ws;

pub use startup::Application;

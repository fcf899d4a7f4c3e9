//! Integration tests: the real server on a real port, on SQLite and on PostgreSQL. One test
//! binary, so it links once.

mod helpers;

mod admin;
mod admin_page;
mod around;
mod assets;
mod auth;
mod batching;
mod bench;
mod checkpoints;
mod cli;
mod connections;
mod conversation_url;
mod conversations;
mod edits;
mod edits_live;
mod edits_process;
mod edits_upgrade;
mod files;
mod files_limits;
mod files_upgrade;
mod health;
mod housekeeping;
mod input;
mod limits;
mod limits_per_user;
mod logging;
mod metrics;
mod presence;
mod process;
mod profile;
mod reactions;
mod realtime;
mod released;
mod robustness;
mod search;
mod search_upgrade;
mod site;
mod sockets;
mod storage;
mod storage_accounts;
mod upload_access;
mod uploads;
mod ws_client;

//! Integration tests: the real server on a real port, on SQLite and on PostgreSQL. One test
//! binary, so it links once.

mod helpers;

mod auth;
mod batching;
mod bench;
mod connections;
mod conversations;
mod health;
mod input;
mod process;
mod profile;
mod realtime;
mod robustness;
mod site;
mod storage;
mod storage_accounts;
mod uploads;
mod ws_client;

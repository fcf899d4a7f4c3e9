//! Integration tests: the real server on a real port, on SQLite and on PostgreSQL. One test
//! binary, so it links once.

mod helpers;

mod auth;
mod batching;
mod bench;
mod conversations;
mod health;
mod housekeeping;
mod limits;
mod limits_per_user;
mod process;
mod profile;
mod realtime;
mod robustness;
mod site;
mod storage;
mod storage_accounts;
mod upload_access;
mod uploads;
mod ws_client;

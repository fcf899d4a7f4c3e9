//! Integration tests: the real server on a real port, on SQLite and on PostgreSQL. One test
//! binary, so it links once.

mod helpers;

mod health;
mod process;
mod site;
mod storage;

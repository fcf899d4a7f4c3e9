//! A load generator for LetUsChat: drives a running server over real HTTP and WebSockets with
//! the `shared` protocol types and reports what it measured. `main.rs` is the command line;
//! the scenarios are also callable from tests.

pub mod client;
pub mod fanout;
pub mod http;
pub mod idle;
pub mod proc;
pub mod start;
pub mod stats;
pub mod users;

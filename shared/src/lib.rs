//! The words the LetUsChat server and its browser client both speak. No I/O lives here, so the
//! crate compiles for the server and for WASM alike.

pub mod api;
#[cfg(feature = "emoji")]
pub mod emoji;
pub mod ids;
pub mod json;
pub mod seed;
pub mod time;
pub mod validate;
pub mod ws;

pub use api::*;
pub use ids::{ConversationId, MessageId, UserId};
pub use time::Timestamp;

//! Pieces several screens share.

mod avatar;

pub use avatar::Avatar;

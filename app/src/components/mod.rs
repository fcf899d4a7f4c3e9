//! Pieces several screens share.

mod avatar;
mod sync_hydrate;

pub use avatar::Avatar;
pub use sync_hydrate::{erased, SyncHydrate};

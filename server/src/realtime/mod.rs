//! Delivery: who hears about what, as it happens. Below the business rules (accounts,
//! messaging), above storage: the registry of open connections (`hub`), the fan-out that
//! reaches them here and in other processes (`fanout`, `bus`), and presence.
//! Nothing here decides what is allowed; callers have done that.

pub mod bus;
pub mod fanout;
pub mod hub;
pub mod presence;

pub use fanout::Fanout;
pub use hub::{ConnId, Hub};

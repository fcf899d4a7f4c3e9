//! The people a run talks as: registered once per run with names no earlier run used.

use crate::client::{Api, Result};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use shared::UserId;

pub const PASSWORD: &str = "loadgen-password-1";

#[derive(Clone, Debug)]
pub struct Person {
    pub id: UserId,
    pub email: String,
    pub token: String,
}

/// A tag unique to this run, so runs against the same database never collide.
pub fn run_tag() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}

/// Registers `count` people, several at a time (password hashing makes each one slow).
pub async fn register(api: &Api, tag: &str, count: usize) -> Result<Vec<Person>> {
    stream::iter(0..count)
        .map(|i| async move {
            let email = format!("lg-{tag}-{i}@loadgen.invalid");
            let me = api
                .register(&format!("Loadgen {tag} {i}"), &email, PASSWORD)
                .await?;
            Ok::<_, crate::client::Error>(Person {
                id: me.user.user.id,
                email,
                token: me.token,
            })
        })
        .buffered(8)
        .try_collect()
        .await
}

//! `server seed-users COUNT`: fills the database with COUNT people named by `shared::seed`, to
//! try search at scale and for the benchmarks. They share the hash of a random password that
//! is thrown away, so nobody can sign in as them. Running it again adds only who is missing.

use crate::auth::password;
use crate::config::Settings;
use crate::db::{self, NewUser};

const PER_TRANSACTION: u64 = 1000;

pub async fn seed_users(settings: &Settings, count: u64) -> Result<u64, String> {
    let db = db::connect(&settings.database)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| e.to_string())?;
    let password_hash = password::hash(format!("{secret:?}"), settings.bcrypt_cost)
        .await
        .map_err(|e| e.to_string())?;
    let mut added = 0;
    for start in (0..count).step_by(PER_TRANSACTION as usize) {
        let users: Vec<NewUser> = (start..count.min(start + PER_TRANSACTION))
            .map(|i| NewUser {
                email: shared::seed::email(i),
                display_name: shared::seed::name(i),
                password_hash: password_hash.clone(),
            })
            .collect();
        added += db
            .create_users(&users)
            .await
            .map_err(|e| format!("cannot add users: {e}"))?;
    }
    Ok(added)
}

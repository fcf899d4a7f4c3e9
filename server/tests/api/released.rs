//! Databases as an earlier release left them, for the upgrade tests: that release's migrations
//! only, and rows it would hold.

use crate::helpers::{Backend, TestDatabase};
use server::config::DatabaseUrl;
use sqlx::Connection;

/// A fresh database with the migrations up to `version` run, then `seed`. In `seed`, `CREATED`
/// stands for a time in the database's own form, and `true` and `false` become SQLite's 1 and 0
/// there (so no seeded text may hold those words).
pub async fn database_at(backend: Backend, version: i64, seed: &[String]) -> TestDatabase {
    let database = TestDatabase::new(backend).await;
    match &database.url {
        DatabaseUrl::Sqlite(url) => {
            let options: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
            let mut conn = sqlx::SqliteConnection::connect_with(&options.create_if_missing(true))
                .await
                .unwrap();
            let mut release = sqlx::migrate!("../migrations/sqlite");
            release.migrations = release
                .migrations
                .iter()
                .filter(|m| m.version <= version)
                .cloned()
                .collect::<Vec<_>>()
                .into();
            release.run(&mut conn).await.unwrap();
            for statement in seed {
                let statement = statement
                    .replace("CREATED", "1700000000000")
                    .replace("true", "1")
                    .replace("false", "0");
                sqlx::query(&statement).execute(&mut conn).await.unwrap();
            }
        }
        DatabaseUrl::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url.expose()).await.unwrap();
            let mut release = sqlx::migrate!("../migrations/postgres");
            release.migrations = release
                .migrations
                .iter()
                .filter(|m| m.version <= version)
                .cloned()
                .collect::<Vec<_>>()
                .into();
            release.run(&mut conn).await.unwrap();
            for statement in seed {
                sqlx::query(&statement.replace("CREATED", "now()"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
        }
    }
    database
}

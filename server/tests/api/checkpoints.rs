//! SQLite's WAL is checkpointed beside the writer, not in its commits: what was sent soon sits
//! in the database file itself, without the WAL (PostgreSQL has no such file).

use crate::helpers::{spawn_app, Backend};
use crate::process::direct_at;
use server::config::DatabaseUrl;
use sqlx::{Connection, SqliteConnection};
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_database_file_soon_holds_what_was_sent_without_the_wal() {
    let app = spawn_app(Backend::Sqlite).await;
    let (bob, _) = crate::auth::register(&app, "Bob", "bob@example.com").await;
    let (_, token) = crate::auth::register(&app, "Ana", "ana@example.com").await;
    let conversation = direct_at(&app.url, &token, bob["id"].as_i64().unwrap()).await;
    for i in 0..40 {
        let sent = app
            .client
            .post(app.at(&format!("/api/conversations/{conversation}/messages")))
            .bearer_auth(&token)
            .json(&serde_json::json!({"client_id": uuid::Uuid::new_v4(), "text": format!("m{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 201);
    }
    let DatabaseUrl::Sqlite(url) = &app.database.url else {
        unreachable!("a SQLite test")
    };
    let file = url.trim_start_matches("sqlite://");
    let copy = tempfile::tempdir().unwrap();
    let alone = copy.path().join("alone.db");
    // The file alone, copied without its WAL, as a checkpoint leaves it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let stored = loop {
        std::fs::copy(file, &alone).unwrap();
        let mut conn = SqliteConnection::connect(&format!("sqlite://{}", alone.display()))
            .await
            .unwrap();
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
            .fetch_one(&mut conn)
            .await
            .unwrap_or(0);
        conn.close().await.unwrap();
        if count == 40 || Instant::now() > deadline {
            break count;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(stored, 40, "the database file holds every message");
}

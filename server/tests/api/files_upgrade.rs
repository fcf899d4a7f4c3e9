//! Migration 0008 upgrades a database the previous release made (migrations 0001 to 0007) with
//! messages and an image in it: the current server reads the old messages with `file: null`,
//! keeps serving the image inline, and sends, serves and deletes files.

use crate::auth::login;
use crate::conversations::get;
use crate::edits::{delete, history, message_path};
use crate::files::{assert_download_headers, send_file, upload_ok};
use crate::helpers::{spawn_app_on, Backend, TestApp};
use crate::uploads::{fetch, png};
use reqwest::StatusCode;
use serde_json::{json, Value};

const DIRECT: &str = "0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11";
const IMAGE: &str = "0123456789abcdef0123456789abcdef.png";
const PASSWORD: &str = "correct horse battery";

/// The release's database (migrations before 0008): Ana and Bob, a text and an image.
async fn released_server(backend: Backend) -> TestApp {
    let hash = server::auth::password::hash(PASSWORD.into(), 4)
        .await
        .unwrap()
        .0;
    let image = png(4, 4);
    let seed = vec![
        format!(
            "INSERT INTO users (email, email_key, display_name, name_key, password_hash, created_at, admin)
             VALUES ('ana@example.com', 'ana@example.com', 'Ana', 'ana', '{hash}', CREATED, true),
                    ('bob@example.com', 'bob@example.com', 'Bob', 'bob', '{hash}', CREATED, false)"
        ),
        format!(
            "INSERT INTO conversations (id, kind, direct_low, direct_high, last_seq, rev, created_at, updated_at)
             VALUES ('{DIRECT}', 'direct', 1, 2, 2, 2, CREATED, CREATED)"
        ),
        format!(
            "INSERT INTO user_conversations (conversation_id, user_id, read_seq, joined_at)
             VALUES ('{DIRECT}', 1, 2, CREATED), ('{DIRECT}', 2, 0, CREATED)"
        ),
        format!(
            "INSERT INTO uploads (name, owner_id, content_type, width, height, bytes, created_at)
             VALUES ('{IMAGE}', 1, 'image/png', 4, 4, {}, CREATED)",
            image.len()
        ),
        format!(
            "INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, text, img, created_at, rev)
             VALUES ('6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d11', '{DIRECT}', 1, 1,
                     '7f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d11', 'old words', NULL, CREATED, 1),
                    ('6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d12', '{DIRECT}', 2, 1,
                     '7f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d12', '', '/uploads/{IMAGE}', CREATED, 2)"
        ),
    ];
    let database = crate::released::database_at(backend, 7, &seed).await;
    let uploads = database.dir().join("uploads");
    std::fs::create_dir_all(&uploads).unwrap();
    std::fs::write(uploads.join(IMAGE), image).unwrap();
    spawn_app_on(backend, database).await
}

async fn token(app: &TestApp, email: &str) -> String {
    let response = login(app, email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

async fn old_messages_read_without_files_and_new_files_work(backend: Backend) {
    let app = released_server(backend).await;
    let (ana, bob) = (
        token(&app, "ana@example.com").await,
        token(&app, "bob@example.com").await,
    );
    let old = history(&app, &bob, DIRECT).await;
    assert_eq!(old.len(), 2);
    for message in &old {
        let fields = message.as_object().unwrap();
        assert_eq!(fields.get("file"), Some(&Value::Null), "{message}");
    }
    let image_url = format!("/uploads/{IMAGE}");
    assert_eq!(old[1]["img"], image_url.as_str());
    // The old image is still shown in the page, not downloaded.
    let image = fetch(&app, Some(&bob), &image_url).await;
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.headers()["content-type"], "image/png");
    assert!(image.headers().get("content-disposition").is_none());

    let file = upload_ok(&app, &ana, "minutes.txt", b"we met").await;
    let sent = send_file(&app, &ana, DIRECT, json!({"file": file["url"]})).await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!((sent["seq"].as_i64(), &sent["file"]), (Some(3), &file));
    let now = history(&app, &bob, DIRECT).await;
    assert_eq!(now[2]["file"], file);
    let url = file["url"].as_str().unwrap();
    let download = fetch(&app, Some(&bob), url).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_download_headers(&download, "text/plain; charset=utf-8", "minutes.txt");
    let conversation: Value = get(&app, &bob, &format!("/api/conversations/{DIRECT}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(conversation["unread_count"], 3);

    // Deleting the old image's message and the new file's removes both.
    for message in [&old[1], &sent] {
        let path = message_path(DIRECT, message);
        assert_eq!(
            delete(&app, &ana, &path).await.status(),
            StatusCode::NO_CONTENT
        );
    }
    for gone in [image_url.as_str(), url] {
        assert_eq!(
            fetch(&app, Some(&ana), gone).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    assert!(crate::uploads::stored_files(&app).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_upgrade_from_the_last_release_on_sqlite() {
    old_messages_read_without_files_and_new_files_work(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_upgrade_from_the_last_release_on_postgres() {
    old_messages_read_without_files_and_new_files_work(Backend::Postgres).await
}

//! Housekeeping: uploads that nothing refers to are deleted after their grace period (row and
//! file), never one a message or a profile uses; expired sessions are deleted.

use crate::conversations::{person, start};
use crate::helpers::{both, spawn_app, TestApp};
use crate::storage::{store, users, Fixture};
use crate::upload_access::{send_image, upload};
use crate::uploads::{fetch, png, send, stored_files};
use reqwest::StatusCode;
use server::db::{DbError, NewMessage, UploadRecord};
use server::housekeeping::sweep_uploads;
use shared::{Timestamp, UserId};
use std::time::Duration;
use uuid::Uuid;

both!(spawn_app =>
    unused_uploads_are_deleted_after_their_grace_period,
);

both!(store =>
    the_sweep_keeps_what_messages_and_profiles_use,
    a_message_cannot_point_to_a_swept_upload,
    expired_sessions_are_deleted,
);

fn now() -> Timestamp {
    Timestamp(chrono::Utc::now().timestamp_millis())
}

fn name_of(url: &str) -> String {
    url.trim_start_matches("/uploads/").to_owned()
}

async fn unused_uploads_are_deleted_after_their_grace_period(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, _) = person(&app, "Bob").await;
    let conversation = start(&app, &ana, &[bob_id], None).await;
    let unused = upload(&app, &ana).await;
    let used = upload(&app, &ana).await;
    send_image(&app, &ana, &conversation, &used).await;
    let me: serde_json::Value = send(
        &app,
        &ana,
        "/api/me/avatar",
        "a.png",
        "image/png",
        png(9, 9),
    )
    .await
    .json()
    .await
    .unwrap();
    let avatar = me["photo_url"].as_str().unwrap().to_owned();
    // Stamps are in milliseconds: step past the ones above, and keep the next one after.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let grace_ended_for = now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let young = upload(&app, &ana).await;
    assert_eq!(stored_files(&app).len(), 4);

    let dir = app.database.dir().join("uploads");
    let deleted = sweep_uploads(app.db(), &dir, grace_ended_for)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert!(
        !stored_files(&app).contains(&name_of(&unused)),
        "file deleted"
    );
    assert_eq!(
        app.db().upload_owner(&name_of(&unused)).await.unwrap(),
        None,
        "row deleted"
    );
    assert_eq!(
        fetch(&app, Some(&ana), &unused).await.status(),
        StatusCode::NOT_FOUND
    );
    for kept in [&used, &avatar, &young] {
        assert!(stored_files(&app).contains(&name_of(kept)), "{kept} kept");
        assert_eq!(fetch(&app, Some(&ana), kept).await.status(), StatusCode::OK);
    }
    // The young one can still be sent.
    send_image(&app, &ana, &conversation, &young).await;
    assert_eq!(sweep_uploads(app.db(), &dir, now()).await.unwrap(), 0);
}

fn record(name: &str, owner: UserId) -> UploadRecord {
    UploadRecord {
        name: name.into(),
        owner_id: owner,
        content_type: "image/png".into(),
        width: 1,
        height: 1,
        bytes: 1,
        original_name: None,
    }
}

fn with_image(
    conversation_id: shared::ConversationId,
    sender_id: UserId,
    name: &str,
) -> NewMessage {
    NewMessage {
        conversation_id,
        sender_id,
        client_id: Uuid::new_v4(),
        text: String::new(),
        img: Some(format!("/uploads/{name}")),
        reply_to: None,
        file: None,
    }
}

async fn the_sweep_keeps_what_messages_and_profiles_use(f: Fixture) {
    let db = &f.db;
    let ids = users(db, 2).await;
    let (conversation, _) = db.find_or_create_direct(ids[0], ids[1]).await.unwrap();
    for name in ["sent.png", "photo.png", "unused.png"] {
        db.record_upload(record(name, ids[0])).await.unwrap();
    }
    db.insert_message(with_image(conversation, ids[0], "sent.png"))
        .await
        .unwrap();
    db.set_photo(ids[1], "/uploads/photo.png").await.unwrap();
    let an_hour = 3_600_000;
    assert_eq!(
        db.delete_unused_uploads(Timestamp(now().0 - an_hour), 500)
            .await
            .unwrap(),
        Vec::<String>::new(),
        "young uploads are kept"
    );
    let later = Timestamp(now().0 + an_hour);
    assert_eq!(
        db.delete_unused_uploads(later, 500).await.unwrap(),
        vec!["unused.png".to_owned()]
    );
    assert!(db
        .delete_unused_uploads(later, 500)
        .await
        .unwrap()
        .is_empty());
    for kept in ["sent.png", "photo.png"] {
        assert_eq!(db.upload_owner(kept).await.unwrap(), Some(ids[0]), "{kept}");
    }
    // The sweep deletes at most `limit` at a time.
    for i in 0..3 {
        db.record_upload(record(&format!("{i}.png"), ids[0]))
            .await
            .unwrap();
    }
    assert_eq!(db.delete_unused_uploads(later, 2).await.unwrap().len(), 2);
    assert_eq!(db.delete_unused_uploads(later, 2).await.unwrap().len(), 1);
}

/// A send that comes after the sweep deleted its upload is refused and uses no seq.
async fn a_message_cannot_point_to_a_swept_upload(f: Fixture) {
    let db = &f.db;
    let ids = users(db, 2).await;
    let (conversation, _) = db.find_or_create_direct(ids[0], ids[1]).await.unwrap();
    db.record_upload(record("late.png", ids[0])).await.unwrap();
    let swept = db
        .delete_unused_uploads(Timestamp(now().0 + 60_000), 500)
        .await
        .unwrap();
    assert_eq!(swept, vec!["late.png".to_owned()]);
    let refused = db
        .insert_message(with_image(conversation, ids[0], "late.png"))
        .await;
    assert!(matches!(refused, Err(DbError::UploadGone)), "{refused:?}");
    // Several at once take the batched path; one is refused, the other stored.
    db.record_upload(record("fresh.png", ids[0])).await.unwrap();
    let (stored, gone) = tokio::join!(
        db.insert_message(with_image(conversation, ids[0], "fresh.png")),
        db.insert_message(with_image(conversation, ids[0], "late.png")),
    );
    assert_eq!(
        stored.unwrap().0.seq,
        1,
        "no seq was spent on the refused ones"
    );
    assert!(matches!(gone, Err(DbError::UploadGone)), "{gone:?}");
    // Someone else's upload is no more attachable than a missing one.
    db.record_upload(record("bobs.png", ids[1])).await.unwrap();
    let others = db
        .insert_message(with_image(conversation, ids[0], "bobs.png"))
        .await;
    assert!(others.is_err());
}

async fn expired_sessions_are_deleted(f: Fixture) {
    let db = &f.db;
    let ids = users(db, 1).await;
    let (expired, live) = (Uuid::new_v4(), Uuid::new_v4());
    db.create_session(expired, ids[0], Timestamp(now().0 - 1_000))
        .await
        .unwrap();
    db.create_session(live, ids[0], Timestamp(now().0 + 3_600_000))
        .await
        .unwrap();
    assert_eq!(db.delete_expired_sessions(now()).await.unwrap(), 1);
    assert_eq!(db.delete_expired_sessions(now()).await.unwrap(), 0);
    assert!(db.session_user(live, ids[0]).await.unwrap().is_some());
}

//! Limits per signed-in user on costly or intrusive actions: uploads (chat images and avatars
//! together) and group creation. Answered with 429 `rate_limited` and `Retry-After`.

use crate::conversations::{get, person, post};
use crate::helpers::{both, error_of, spawn_app, TestApp};
use crate::uploads::{png, send, stored_files};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::auth::rate_limit::{GROUPS_PER_HOUR, UPLOADS_PER_HOUR};

both!(spawn_app =>
    uploads_are_limited_per_user,
    group_creation_is_limited_per_user,
);

async fn assert_limited(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    assert_eq!(error_of(response).await.code, "rate_limited");
}

async fn uploads_are_limited_per_user(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (_, bob) = person(&app, "Bob").await;
    let avatar = send(
        &app,
        &ana,
        "/api/me/avatar",
        "a.png",
        "image/png",
        png(8, 8),
    )
    .await;
    assert_eq!(avatar.status(), StatusCode::OK);
    for _ in 1..UPLOADS_PER_HOUR {
        let image = send(&app, &ana, "/api/uploads", "a.png", "image/png", png(4, 4)).await;
        assert_eq!(image.status(), StatusCode::CREATED);
    }
    let files = stored_files(&app);
    assert_eq!(files.len(), UPLOADS_PER_HOUR as usize);
    assert_limited(send(&app, &ana, "/api/uploads", "a.png", "image/png", png(4, 4)).await).await;
    assert_limited(
        send(
            &app,
            &ana,
            "/api/me/avatar",
            "a.png",
            "image/png",
            png(8, 8),
        )
        .await,
    )
    .await;
    assert_eq!(stored_files(&app), files, "nothing more was stored");
    // Others are not held back by Ana's uploads.
    let bobs = send(&app, &bob, "/api/uploads", "a.png", "image/png", png(4, 4)).await;
    assert_eq!(bobs.status(), StatusCode::CREATED);
}

async fn group_creation_is_limited_per_user(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let (cy_id, _) = person(&app, "Cy").await;
    let group = json!({"member_ids": [bob_id, cy_id], "title": "Again"});
    for _ in 0..GROUPS_PER_HOUR {
        let created = post(&app, &ana, "/api/conversations", group.clone()).await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    assert_limited(post(&app, &ana, "/api/conversations", group.clone()).await).await;
    let listed: Value = get(&app, &bob, "/api/conversations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["conversations"].as_array().unwrap().len(),
        GROUPS_PER_HOUR as usize,
        "the refused group was not made"
    );
    // Direct conversations are not limited, and others may still make groups.
    let direct = post(
        &app,
        &ana,
        "/api/conversations",
        json!({"member_ids": [cy_id]}),
    )
    .await;
    assert_eq!(direct.status(), StatusCode::CREATED);
    let bobs = post(&app, &bob, "/api/conversations", group).await;
    assert_eq!(bobs.status(), StatusCode::CREATED);
}

//! Who may fetch `/uploads/{name}`: its uploader, the members of a conversation it was sent in,
//! and, for an avatar, anyone signed in. Everyone else gets exactly what an unknown name gets.

use crate::conversations::{person, post, start};
use crate::helpers::{both, error_of, spawn_app, TestApp};
use crate::uploads::{fetch, png, send};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

both!(spawn_app =>
    an_image_is_seen_by_its_uploader_and_the_conversation_it_was_sent_in,
    who_leaves_a_group_no_longer_sees_its_images,
    an_avatar_is_seen_by_everyone_signed_in,
    files_are_served_privately_as_inert_data,
);

/// Uploads a small PNG as the person `token` names; returns its URL.
pub async fn upload(app: &TestApp, token: &str) -> String {
    let response = send(app, token, "/api/uploads", "a.png", "image/png", png(8, 8)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    body["url"].as_str().unwrap().to_owned()
}

/// Sends the image at `url` in `conversation`.
pub async fn send_image(app: &TestApp, token: &str, conversation: &str, url: &str) {
    let response = post(
        app,
        token,
        &format!("/api/conversations/{conversation}/messages"),
        json!({"client_id": Uuid::new_v4(), "img": url}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// Refused exactly as a name that was never issued is: 404 `not_found`, the same body.
async fn assert_hidden(app: &TestApp, token: Option<&str>, url: &str) {
    let response = fetch(app, token, url).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "{url}");
    let hidden = error_of(response).await;
    let unknown = error_of(fetch(app, token, "/uploads/0123456789abcdef.png").await).await;
    assert_eq!(
        (hidden.code.as_str(), &hidden.message),
        ("not_found", &unknown.message)
    );
}

async fn an_image_is_seen_by_its_uploader_and_the_conversation_it_was_sent_in(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let (_, cy) = person(&app, "Cy").await;
    let url = upload(&app, &ana).await;
    assert_eq!(fetch(&app, Some(&ana), &url).await.status(), StatusCode::OK);
    assert_hidden(&app, None, &url).await;
    assert_hidden(&app, Some("not-a-token"), &url).await;
    assert_hidden(&app, Some(&bob), &url).await;

    let conversation = start(&app, &ana, &[bob_id], None).await;
    assert_hidden(&app, Some(&bob), &url).await;
    send_image(&app, &ana, &conversation, &url).await;
    assert_eq!(fetch(&app, Some(&bob), &url).await.status(), StatusCode::OK);
    assert_eq!(fetch(&app, Some(&ana), &url).await.status(), StatusCode::OK);
    assert_hidden(&app, Some(&cy), &url).await;
    // A browser sends the session cookie with `<img src>`.
    let with_cookie = app
        .client
        .get(app.at(&url))
        .header("cookie", format!("letuschat_session={bob}"))
        .send()
        .await
        .unwrap();
    assert_eq!(with_cookie.status(), StatusCode::OK);
}

/// Leaving a group ends access to its history, and to the images sent in it with it.
async fn who_leaves_a_group_no_longer_sees_its_images(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let (cy_id, cy) = person(&app, "Cy").await;
    let group = start(&app, &ana, &[bob_id, cy_id], Some("Trip")).await;
    let url = upload(&app, &ana).await;
    send_image(&app, &ana, &group, &url).await;
    for token in [&ana, &bob, &cy] {
        assert_eq!(
            fetch(&app, Some(token), &url).await.status(),
            StatusCode::OK
        );
    }
    let left = post(
        &app,
        &cy,
        &format!("/api/conversations/{group}/leave"),
        json!({}),
    )
    .await;
    assert_eq!(left.status(), StatusCode::NO_CONTENT);
    assert_hidden(&app, Some(&cy), &url).await;
    assert_eq!(fetch(&app, Some(&bob), &url).await.status(), StatusCode::OK);
}

async fn an_avatar_is_seen_by_everyone_signed_in(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (_, dan) = person(&app, "Dan").await;
    let response = send(
        &app,
        &ana,
        "/api/me/avatar",
        "me.png",
        "image/png",
        png(40, 40),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    let avatar = me["photo_url"].as_str().unwrap().to_owned();
    // Dan shares no conversation with Ana: search results show avatars too.
    assert_eq!(
        fetch(&app, Some(&dan), &avatar).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        fetch(&app, Some(&ana), &avatar).await.status(),
        StatusCode::OK
    );
    assert_hidden(&app, None, &avatar).await;
}

async fn files_are_served_privately_as_inert_data(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let url = upload(&app, &ana).await;
    let served = fetch(&app, Some(&ana), &url).await;
    assert_eq!(served.status(), StatusCode::OK);
    let headers = served.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("sandbox"),
        "{csp}"
    );
    let cache = headers["cache-control"].to_str().unwrap();
    assert!(
        cache.contains("private") && cache.contains("immutable") && !cache.contains("public"),
        "{cache}"
    );
    let whole = served.bytes().await.unwrap();

    let head = app
        .client
        .head(app.at(&url))
        .bearer_auth(&ana)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        head.headers()["content-length"].to_str().unwrap(),
        whole.len().to_string()
    );
    let part = app
        .client
        .get(app.at(&url))
        .bearer_auth(&ana)
        .header("range", "bytes=0-7")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes().await.unwrap(), whole.slice(0..8));

    // Names that are not plain file names never reach the file system.
    let name = url.trim_start_matches("/uploads/");
    for path in [
        "/uploads/..%2Fdata%2Fjwt_secret".to_owned(),
        "/uploads/../data/jwt_secret".to_owned(),
        format!("/uploads/x/{name}"),
        format!("/uploads/.{name}.part"),
        format!("/uploads/%2e%2e%2f{name}"),
    ] {
        let response = fetch(&app, Some(&ana), &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

//! Conversations and messages over HTTP, and the rule that outsiders see nothing.

use crate::auth::register;
use crate::helpers::{both, error_of, spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

/// A registered user: (id, token).
pub async fn person(app: &TestApp, name: &str) -> (i64, String) {
    let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
    let (user, token) = register(app, name, &email).await;
    (user["id"].as_i64().unwrap(), token)
}

pub async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.at(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.at(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The person behind `token` has no conversation: a refused request made nothing.
async fn assert_none_made(app: &TestApp, token: &str) {
    let list: Value = get(app, token, "/api/conversations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["conversations"], json!([]), "nothing made");
}

/// Starts (or finds) a conversation with `members`; returns its id.
pub async fn start(app: &TestApp, token: &str, members: &[i64], title: Option<&str>) -> String {
    let response = post(
        app,
        token,
        "/api/conversations",
        json!({"member_ids": members, "title": title}),
    )
    .await;
    assert!(response.status().is_success(), "{}", response.status());
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

pub async fn say(app: &TestApp, token: &str, conversation: &str, text: &str) -> Value {
    let path = format!("/api/conversations/{conversation}/messages");
    let response = post(
        app,
        token,
        &path,
        json!({"client_id": Uuid::new_v4(), "text": text}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

both!(spawn_app =>
    a_direct_conversation_is_made_once_and_then_found,
    groups_have_titles_and_members,
    conversation_requests_are_validated,
    messages_sent_over_http_are_idempotent,
    history_pages_with_cursors,
    images_in_messages_must_be_the_senders_uploads,
    blank_and_oversized_messages_are_refused,
    the_list_is_most_recent_first_with_unread_counts,
    outsiders_get_404_everywhere_and_change_nothing,
    a_group_holds_a_thousand_people,
);

async fn a_direct_conversation_is_made_once_and_then_found(app: TestApp) {
    let (ana, ana_token) = person(&app, "Ana").await;
    let (bob, bob_token) = person(&app, "Bob").await;
    let first = post(
        &app,
        &ana_token,
        "/api/conversations",
        json!({"member_ids": [bob]}),
    )
    .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["kind"], "direct");
    let ids: Vec<i64> = first["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![ana, bob]);
    for member in first["members"].as_array().unwrap() {
        assert!(member.get("email").is_none(), "no emails of others");
    }
    let again = post(
        &app,
        &bob_token,
        "/api/conversations",
        json!({"member_ids": [ana, bob]}),
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
}

async fn groups_have_titles_and_members(app: TestApp) {
    let (_, ana_token) = person(&app, "Ana").await;
    let (bob, _) = person(&app, "Bob").await;
    let (cy, cy_token) = person(&app, "Cy").await;
    let response = post(
        &app,
        &ana_token,
        "/api/conversations",
        json!({"member_ids": [bob, cy], "title": " Trip "}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let group: Value = response.json().await.unwrap();
    assert_eq!(
        (group["kind"].as_str(), group["title"].as_str()),
        (Some("group"), Some("Trip"))
    );
    assert_eq!(group["members"].as_array().unwrap().len(), 3);
    let seen_by_cy: Value = get(
        &app,
        &cy_token,
        &format!("/api/conversations/{}", group["id"].as_str().unwrap()),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(seen_by_cy["title"], "Trip");
}

async fn conversation_requests_are_validated(app: TestApp) {
    let (ana, token) = person(&app, "Ana").await;
    for (body, field) in [
        (json!({"member_ids": []}), "member_ids"),
        (json!({"member_ids": [ana]}), "member_ids"),
        (json!({"member_ids": [424242]}), "member_ids"),
        (json!({"member_ids": [ana, 424242, 424243]}), "member_ids"),
    ] {
        let response = post(&app, &token, "/api/conversations", body.clone()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        assert!(error_of(response).await.fields.unwrap().contains_key(field));
    }
    assert_none_made(&app, &token).await;
    let unauthenticated = app
        .client
        .get(app.at("/api/conversations"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
}

async fn messages_sent_over_http_are_idempotent(app: TestApp) {
    let (_, ana_token) = person(&app, "Ana").await;
    let (bob, _) = person(&app, "Bob").await;
    let conversation = start(&app, &ana_token, &[bob], None).await;
    let path = format!("/api/conversations/{conversation}/messages");
    let client_id = Uuid::new_v4();
    let first = post(
        &app,
        &ana_token,
        &path,
        json!({"client_id": client_id, "text": "hello"}),
    )
    .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(
        (first["seq"].as_i64(), first["text"].as_str()),
        (Some(1), Some("hello"))
    );
    assert_eq!(first["client_id"], json!(client_id));
    assert!(first["created_at"].as_str().unwrap().ends_with('Z'));
    let retry = post(
        &app,
        &ana_token,
        &path,
        json!({"client_id": client_id, "text": "hello"}),
    )
    .await;
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(retry.json::<Value>().await.unwrap(), first);
    let page: Value = get(&app, &ana_token, &path).await.json().await.unwrap();
    assert_eq!(page["messages"].as_array().unwrap().len(), 1);
}

async fn history_pages_with_cursors(app: TestApp) {
    let (_, token) = person(&app, "Ana").await;
    let (bob, _) = person(&app, "Bob").await;
    let conversation = start(&app, &token, &[bob], None).await;
    for i in 1..=5 {
        say(&app, &token, &conversation, &format!("m{i}")).await;
    }
    let page = |query: &str| {
        let path = format!("/api/conversations/{conversation}/messages{query}");
        let token = token.clone();
        let app = &app;
        async move { get(app, &token, &path).await }
    };
    let seqs = |v: &Value| {
        v["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["seq"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let newest: Value = page("?limit=2").await.json().await.unwrap();
    assert_eq!(
        (seqs(&newest), newest["has_more"].as_bool()),
        (vec![4, 5], Some(true))
    );
    let older: Value = page("?limit=2&before=4").await.json().await.unwrap();
    assert_eq!(
        (seqs(&older), older["has_more"].as_bool()),
        (vec![2, 3], Some(true))
    );
    let missed: Value = page("?after=2").await.json().await.unwrap();
    assert_eq!(
        (seqs(&missed), missed["has_more"].as_bool()),
        (vec![3, 4, 5], Some(false))
    );
    for bad in ["?limit=0", "?limit=101", "?limit=x", "?before=0"] {
        assert_eq!(
            page(bad).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}"
        );
    }
}

async fn images_in_messages_must_be_the_senders_uploads(app: TestApp) {
    let (_, ana_token) = person(&app, "Ana").await;
    let (bob, bob_token) = person(&app, "Bob").await;
    let conversation = start(&app, &ana_token, &[bob], None).await;
    let png = {
        let img = image::RgbImage::from_pixel(4, 4, image::Rgb([1, 2, 3]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let part = reqwest::multipart::Part::bytes(png)
        .file_name("a.png")
        .mime_str("image/png")
        .unwrap();
    let upload: Value = app
        .client
        .post(app.at("/api/uploads"))
        .bearer_auth(&bob_token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bobs_image = upload["url"].as_str().unwrap();
    let path = format!("/api/conversations/{conversation}/messages");
    for img in [
        bobs_image,
        "https://evil.example/x.png",
        "/uploads/../data/jwt_secret",
        "/uploads/nope.png",
    ] {
        let response = post(
            &app,
            &ana_token,
            &path,
            json!({"client_id": Uuid::new_v4(), "img": img}),
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{img}");
        assert!(error_of(response).await.fields.unwrap().contains_key("img"));
    }
    let sent = post(
        &app,
        &bob_token,
        &path,
        json!({"client_id": Uuid::new_v4(), "img": bobs_image}),
    )
    .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(
        (
            sent["img"].as_str(),
            sent["text"].as_str(),
            sent["seq"].as_i64()
        ),
        (Some(bobs_image), Some(""), Some(1))
    );
}

async fn blank_and_oversized_messages_are_refused(app: TestApp) {
    let (_, token) = person(&app, "Ana").await;
    let (bob, _) = person(&app, "Bob").await;
    let conversation = start(&app, &token, &[bob], None).await;
    let path = format!("/api/conversations/{conversation}/messages");
    for body in [
        json!({"client_id": Uuid::new_v4(), "text": "  \n "}),
        json!({"client_id": Uuid::new_v4()}),
        json!({"client_id": Uuid::new_v4(), "text": "x".repeat(4001)}),
    ] {
        let response = post(&app, &token, &path, body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let response = post(&app, &token, &path, json!({"text": "no client id"})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let ok = post(
        &app,
        &token,
        &path,
        json!({"client_id": Uuid::new_v4(), "text": "é".repeat(4000)}),
    )
    .await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    assert_eq!(
        ok.json::<Value>().await.unwrap()["seq"],
        1,
        "the refused ones took no seq"
    );
}

async fn the_list_is_most_recent_first_with_unread_counts(app: TestApp) {
    let (_, ana_token) = person(&app, "Ana").await;
    let (bob, bob_token) = person(&app, "Bob").await;
    let (cy, cy_token) = person(&app, "Cy").await;
    let with_bob = start(&app, &ana_token, &[bob], None).await;
    let with_cy = start(&app, &ana_token, &[cy], None).await;
    say(&app, &bob_token, &with_bob, "one").await;
    say(&app, &bob_token, &with_bob, "two").await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    say(&app, &cy_token, &with_cy, "hi").await;
    let list: Value = get(&app, &ana_token, "/api/conversations")
        .await
        .json()
        .await
        .unwrap();
    let list = list["conversations"].as_array().unwrap();
    assert_eq!(
        list.iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec![with_cy.as_str(), with_bob.as_str()]
    );
    assert_eq!(
        (
            list[1]["unread_count"].as_i64(),
            list[1]["last_message"]["text"].as_str()
        ),
        (Some(2), Some("two"))
    );
    let read = post(
        &app,
        &ana_token,
        &format!("/api/conversations/{with_bob}/read"),
        json!({"seq": 2}),
    )
    .await;
    assert_eq!(read.status(), StatusCode::NO_CONTENT);
    let after: Value = get(&app, &ana_token, &format!("/api/conversations/{with_bob}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["unread_count"], 0);
}

async fn outsiders_get_404_everywhere_and_change_nothing(app: TestApp) {
    let (_, ana_token) = person(&app, "Ana").await;
    let (bob, _) = person(&app, "Bob").await;
    let (_, eve_token) = person(&app, "Eve").await;
    let conversation = start(&app, &ana_token, &[bob], None).await;
    say(&app, &ana_token, &conversation, "private").await;
    let unknown = Uuid::new_v4().to_string();
    for id in [conversation.as_str(), unknown.as_str(), "not-a-uuid"] {
        let responses = [
            get(&app, &eve_token, &format!("/api/conversations/{id}")).await,
            get(
                &app,
                &eve_token,
                &format!("/api/conversations/{id}/messages"),
            )
            .await,
            get(
                &app,
                &eve_token,
                &format!("/api/conversations/{id}/messages?after=0"),
            )
            .await,
            post(
                &app,
                &eve_token,
                &format!("/api/conversations/{id}/messages"),
                json!({"client_id": Uuid::new_v4(), "text": "hi"}),
            )
            .await,
            post(
                &app,
                &eve_token,
                &format!("/api/conversations/{id}/read"),
                json!({"seq": 1}),
            )
            .await,
        ];
        let mut bodies = Vec::new();
        for response in responses {
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id}");
            bodies.push(response.json::<Value>().await.unwrap());
        }
        assert!(bodies
            .iter()
            .all(|b| b == &bodies[0] && b["error"]["code"] == "not_found"));
    }
    let page: Value = get(
        &app,
        &ana_token,
        &format!("/api/conversations/{conversation}/messages"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        page["messages"].as_array().unwrap().len(),
        1,
        "nothing written"
    );
    let view: Value = get(
        &app,
        &ana_token,
        &format!("/api/conversations/{conversation}"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(view["last_message"]["text"], "private");
    let eve_list: Value = get(&app, &eve_token, "/api/conversations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(eve_list["conversations"], json!([]));
}

/// Up to 1,000 people in a group, the creator included; one more is refused and makes nothing.
async fn a_group_holds_a_thousand_people(app: TestApp) {
    let (_, token) = person(&app, "Ana").await;
    let seeded: Vec<_> = (0..1000)
        .map(|i| crate::storage::new_user(&format!("member{i}@example.com"), &format!("M {i}")))
        .collect();
    assert_eq!(app.db().create_users(&seeded).await.unwrap(), 1000);
    let mut ids = Vec::new();
    for new in &seeded {
        ids.push(
            app.db()
                .user_by_email(&new.email)
                .await
                .unwrap()
                .unwrap()
                .id
                .0,
        );
    }
    let refused = post(
        &app,
        &token,
        "/api/conversations",
        json!({"member_ids": ids, "title": "Too many"}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_of(refused).await.fields.unwrap()["member_ids"],
        "A group holds at most 1,000 people."
    );
    assert_none_made(&app, &token).await;
    let group = start(&app, &token, &ids[..999], Some("Everyone")).await;
    let made: Value = get(&app, &token, &format!("/api/conversations/{group}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(made["members"].as_array().unwrap().len(), 1000);
}

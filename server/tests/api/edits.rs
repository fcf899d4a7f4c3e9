//! Messages that change, over HTTP: editing, deleting, replying and reacting, each endpoint's
//! success and refusal paths, and catch-up with `changed_after`.

use crate::conversations::{get, person, post, say, start};
use crate::helpers::{both, error_of, spawn_app, TestApp};
use crate::uploads::{png, send, stored_files};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

both!(spawn_app =>
    only_the_sender_edits_and_the_old_text_is_gone,
    deleting_keeps_the_place_and_removes_the_image,
    replies_quote_a_message_of_their_own_conversation,
    quotes_follow_edits_and_deletions,
    strangers_get_not_found_from_every_change,
    changed_after_returns_every_change_in_rev_order,
    the_list_and_unread_counts_follow_deletions,
    server_functions_change_messages_like_the_api,
);

pub fn message_path(conversation: &str, message: &Value) -> String {
    format!(
        "/api/conversations/{conversation}/messages/{}",
        message["id"].as_str().unwrap()
    )
}

pub async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .patch(app.at(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn delete(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .delete(app.at(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub async fn put(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .put(app.at(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The path of `emoji` on a message, percent-encoded as a client would.
pub fn reaction_path(conversation: &str, message: &Value, emoji: &str) -> String {
    let encoded: String = emoji.bytes().map(|b| format!("%{b:02X}")).collect();
    format!(
        "{}/reactions/{encoded}",
        message_path(conversation, message)
    )
}

/// Every message of the conversation as `token` reads it, by seq.
pub async fn history(app: &TestApp, token: &str, conversation: &str) -> Vec<Value> {
    let page: Value = get(
        app,
        token,
        &format!("/api/conversations/{conversation}/messages?limit=100"),
    )
    .await
    .json()
    .await
    .unwrap();
    page["messages"].as_array().unwrap().clone()
}

pub async fn changed_after(app: &TestApp, token: &str, conversation: &str, rev: i64) -> Value {
    let response = get(
        app,
        token,
        &format!("/api/conversations/{conversation}/messages?changed_after={rev}&limit=100"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn reply(app: &TestApp, token: &str, conversation: &str, to: &Value) -> reqwest::Response {
    post(
        app,
        token,
        &format!("/api/conversations/{conversation}/messages"),
        json!({"client_id": Uuid::new_v4(), "text": "indeed", "reply_to": to["id"]}),
    )
    .await
}

pub async fn assert_refused(response: reqwest::Response, status: StatusCode, code: &str) {
    assert_eq!(response.status(), status);
    assert_eq!(error_of(response).await.code, code);
}

async fn only_the_sender_edits_and_the_old_text_is_gone(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let first = say(&app, &ana, &c, "the secret is 1234").await;
    for field in [
        "rev",
        "edited_at",
        "deleted",
        "reply_to",
        "reactions",
        "file",
    ] {
        assert!(first.get(field).is_some(), "{field} is always present");
    }
    assert_eq!(first["rev"], 1);
    assert_eq!(first["edited_at"], Value::Null);

    let path = message_path(&c, &first);
    let edited = patch(&app, &ana, &path, json!({"text": "no secret here"})).await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(edited["text"], "no secret here");
    assert_eq!(
        (edited["seq"].clone(), edited["rev"].clone()),
        (json!(1), json!(2))
    );
    assert!(edited["edited_at"].is_string());

    assert_refused(
        patch(&app, &bob, &path, json!({"text": "mine now"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_refused(
        patch(&app, &ana, &path, json!({"text": "   "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let long = "x".repeat(4001);
    assert_refused(
        patch(&app, &ana, &path, json!({"text": long})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let unknown = format!("/api/conversations/{c}/messages/{}", Uuid::new_v4());
    assert_refused(
        patch(&app, &ana, &unknown, json!({"text": "x"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Bob sees only the new text, anywhere he can read.
    let seen = history(&app, &bob, &c).await;
    assert_eq!(seen[0]["text"], "no secret here");
    let all = serde_json::to_string(&changed_after(&app, &bob, &c, 0).await).unwrap();
    let list = get(&app, &bob, "/api/conversations")
        .await
        .text()
        .await
        .unwrap();
    assert!(!all.contains("1234") && !list.contains("1234"));

    assert_eq!(
        delete(&app, &ana, &path).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_refused(
        patch(&app, &ana, &path, json!({"text": "back"})).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
}

async fn deleting_keeps_the_place_and_removes_the_image(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let upload: Value = send(&app, &ana, "/api/uploads", "a.png", "image/png", png(4, 4))
        .await
        .json()
        .await
        .unwrap();
    let url = upload["url"].as_str().unwrap();
    let with_image: Value = post(
        &app,
        &ana,
        &format!("/api/conversations/{c}/messages"),
        json!({"client_id": Uuid::new_v4(), "text": "look", "img": url}),
    )
    .await
    .json()
    .await
    .unwrap();
    let after = say(&app, &ana, &c, "after").await;
    let reacted = put(&app, &bob, &reaction_path(&c, &with_image, "👍")).await;
    assert_eq!(reacted.status(), StatusCode::NO_CONTENT);
    assert_eq!(stored_files(&app).len(), 1);

    let path = message_path(&c, &with_image);
    assert_refused(
        delete(&app, &bob, &path).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(
        delete(&app, &ana, &path).await.status(),
        StatusCode::NO_CONTENT
    );
    let rev_after_delete = history(&app, &ana, &c).await[0]["rev"].clone();
    assert_eq!(
        delete(&app, &ana, &path).await.status(),
        StatusCode::NO_CONTENT,
        "again"
    );
    assert_refused(
        delete(&app, &bob, &path).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let seen = history(&app, &bob, &c).await;
    assert_eq!(seen.len(), 2, "no gap in history");
    let gone = &seen[0];
    assert_eq!(gone["id"], with_image["id"]);
    assert_eq!(gone["seq"], 1);
    assert_eq!(gone["deleted"], true);
    assert_eq!(gone["text"], "");
    assert_eq!(gone["img"], Value::Null);
    assert_eq!(gone["file"], Value::Null);
    assert_eq!(gone["reactions"], json!([]));
    assert_eq!(
        gone["rev"], rev_after_delete,
        "a repeated delete takes no rev"
    );
    assert_eq!(seen[1]["id"], after["id"]);
    assert!(stored_files(&app).is_empty(), "the image's file is removed");
    let fetched = crate::uploads::fetch(&app, Some(&ana), url).await;
    assert_eq!(fetched.status(), StatusCode::NOT_FOUND);
    assert_refused(
        put(&app, &bob, &reaction_path(&c, &with_image, "👍")).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_refused(
        reply(&app, &bob, &c, &with_image).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
}

async fn replies_quote_a_message_of_their_own_conversation(app: TestApp) {
    let (ana_id, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let (cid, _) = person(&app, "Cy").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let other = start(&app, &ana, &[cid], None).await;
    let long: String = "é".repeat(150) + &"ü".repeat(150);
    let quoted = say(&app, &ana, &c, &long).await;
    let elsewhere = say(&app, &ana, &other, "elsewhere").await;

    let answer = reply(&app, &bob, &c, &quoted).await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    let answer: Value = answer.json().await.unwrap();
    let expected: String = long.chars().take(200).collect();
    assert_eq!(
        answer["reply_to"],
        json!({"id": quoted["id"], "seq": 1, "sender_id": ana_id, "text": expected})
    );
    assert_eq!(
        history(&app, &ana, &c).await[1]["reply_to"],
        answer["reply_to"]
    );

    assert_refused(
        reply(&app, &bob, &c, &elsewhere).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let unknown = json!({"id": Uuid::new_v4()});
    assert_refused(
        reply(&app, &bob, &c, &unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Bob is no member of the other conversation: he hears "not found", whatever he quotes.
    assert_refused(
        reply(&app, &bob, &other, &elsewhere).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        history(&app, &ana, &c).await.len(),
        2,
        "nothing refused was stored"
    );
}

async fn quotes_follow_edits_and_deletions(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let quoted = say(&app, &ana, &c, "first words").await;
    let answer: Value = reply(&app, &bob, &c, &quoted).await.json().await.unwrap();
    assert_eq!(answer["rev"], 2);

    patch(
        &app,
        &ana,
        &message_path(&c, &quoted),
        json!({"text": "better words"}),
    )
    .await;
    let changes = changed_after(&app, &bob, &c, 2).await;
    let changed = changes["messages"].as_array().unwrap();
    assert_eq!(
        changed.len(),
        2,
        "the edit and the reply quoting it: {changes}"
    );
    assert_eq!(
        (changed[0]["id"].clone(), changed[0]["rev"].clone()),
        (quoted["id"].clone(), json!(3))
    );
    assert_eq!(
        (changed[1]["id"].clone(), changed[1]["rev"].clone()),
        (answer["id"].clone(), json!(4))
    );
    assert_eq!(changed[1]["reply_to"]["text"], "better words");

    delete(&app, &ana, &message_path(&c, &quoted)).await;
    let changes = changed_after(&app, &bob, &c, 4).await;
    let changed = changes["messages"].as_array().unwrap();
    assert_eq!(changed.len(), 2);
    assert_eq!(changed[0]["deleted"], true);
    assert_eq!(changed[0]["reply_to"], Value::Null);
    assert_eq!(changed[1]["reply_to"]["text"], "");
    assert_eq!(changed[1]["rev"], 6);

    // The reply's send retried after the quote was deleted: acked with the first, not refused.
    let retried = post(
        &app,
        &bob,
        &format!("/api/conversations/{c}/messages"),
        json!({"client_id": answer["client_id"], "text": "indeed", "reply_to": quoted["id"]}),
    )
    .await;
    assert_eq!(retried.status(), StatusCode::OK);
    let retried: Value = retried.json().await.unwrap();
    assert_eq!(
        (retried["id"].clone(), retried["rev"].clone()),
        (answer["id"].clone(), json!(6))
    );
    // A new reply to it is refused.
    assert_refused(
        reply(&app, &bob, &c, &quoted).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
}

async fn strangers_get_not_found_from_every_change(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, _) = person(&app, "Bob").await;
    let (_, eve) = person(&app, "Eve").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let m = say(&app, &ana, &c, "private").await;
    let path = message_path(&c, &m);
    let reaction = reaction_path(&c, &m, "👍");
    let answers = [
        patch(&app, &eve, &path, json!({"text": "x"})).await,
        delete(&app, &eve, &path).await,
        put(&app, &eve, &reaction).await,
        delete(&app, &eve, &reaction).await,
        get(
            &app,
            &eve,
            &format!("/api/conversations/{c}/messages?changed_after=0"),
        )
        .await,
        reply(&app, &eve, &c, &m).await,
    ];
    for response in answers {
        assert_refused(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    // A message id that is not a UUID names nothing either.
    let bad = format!("/api/conversations/{c}/messages/nope");
    assert_refused(
        patch(&app, &ana, &bad, json!({"text": "x"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(history(&app, &ana, &c).await[0]["text"], "private");
}

async fn changed_after_returns_every_change_in_rev_order(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let mut sent = Vec::new();
    for i in 0..5 {
        sent.push(say(&app, &ana, &c, &format!("m{i}")).await);
    }
    patch(
        &app,
        &ana,
        &message_path(&c, &sent[1]),
        json!({"text": "m1 again"}),
    )
    .await;
    put(&app, &bob, &reaction_path(&c, &sent[0], "🎉")).await;
    delete(&app, &ana, &message_path(&c, &sent[3])).await;

    let all = changed_after(&app, &bob, &c, 0).await;
    let revs: Vec<i64> = all["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["rev"].as_i64().unwrap())
        .collect();
    assert_eq!(
        revs,
        [3, 5, 6, 7, 8],
        "each message once, at its latest rev"
    );
    assert_eq!(all["has_more"], false);
    let since: Vec<Value> = changed_after(&app, &bob, &c, 4).await["messages"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        since
            .iter()
            .map(|m| m["text"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["m4", "m1 again", "m0", ""]
    );
    let page: Value = get(
        &app,
        &bob,
        &format!("/api/conversations/{c}/messages?changed_after=0&limit=2"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(page["messages"].as_array().unwrap().len(), 2);
    assert_eq!(page["has_more"], true);
    let conversation: Value = get(&app, &bob, &format!("/api/conversations/{c}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(conversation["rev"], 8);
    for bad in ["-1", "x"] {
        let response = get(
            &app,
            &bob,
            &format!("/api/conversations/{c}/messages?changed_after={bad}"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

async fn the_list_and_unread_counts_follow_deletions(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let first = say(&app, &ana, &c, "first").await;
    let second = say(&app, &ana, &c, "second").await;
    let third = say(&app, &ana, &c, "third").await;
    let list = |token: String| {
        let app = &app;
        async move {
            let body: Value = get(app, &token, "/api/conversations")
                .await
                .json()
                .await
                .unwrap();
            body["conversations"][0].clone()
        }
    };
    assert_eq!(list(bob.clone()).await["unread_count"], 3);
    delete(&app, &ana, &message_path(&c, &second)).await;
    assert_eq!(list(bob.clone()).await["unread_count"], 2);
    patch(
        &app,
        &ana,
        &message_path(&c, &third),
        json!({"text": "third, edited"}),
    )
    .await;
    assert_eq!(
        list(bob.clone()).await["last_message"]["text"],
        "third, edited"
    );
    delete(&app, &ana, &message_path(&c, &third)).await;
    let view = list(bob.clone()).await;
    assert_eq!(
        view["last_message"]["id"], first["id"],
        "the newest one not deleted"
    );
    assert_eq!(view["unread_count"], 1);
    delete(&app, &ana, &message_path(&c, &first)).await;
    let view = list(bob.clone()).await;
    assert_eq!(view["last_message"], Value::Null);
    assert_eq!(view["unread_count"], 0);
}

async fn server_function(app: &TestApp, token: &str, name: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.at(&format!("/api/fn/{name}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The page's server functions call the same services: same results, same refusals.
async fn server_functions_change_messages_like_the_api(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let m = say(&app, &ana, &c, "via functions").await;
    let ids = json!({"id": c, "message_id": m["id"]});
    let with = |extra: Value| {
        let mut body = ids.clone();
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let edited = server_function(&app, &ana, "edit_message", with(json!({"text": "edited"}))).await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(
        (edited["text"].clone(), edited["rev"].clone()),
        (json!("edited"), json!(2))
    );
    let refused = server_function(&app, &bob, "edit_message", with(json!({"text": "mine"}))).await;
    assert_refused(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let react = server_function(&app, &bob, "react", with(json!({"emoji": "👍"}))).await;
    assert!(react.status().is_success(), "{}", react.status());
    let bad = server_function(&app, &bob, "react", with(json!({"emoji": "no"}))).await;
    assert_refused(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let page: Value = server_function(&app, &bob, "changed_after", json!({"id": c, "rev": 2}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["messages"][0]["reactions"][0]["user_ids"],
        json!([bob_id])
    );
    let unreact = server_function(&app, &bob, "unreact", with(json!({"emoji": "👍"}))).await;
    assert!(unreact.status().is_success());
    let deleted = server_function(&app, &ana, "delete_message", ids.clone()).await;
    assert!(deleted.status().is_success());
    let seen = history(&app, &bob, &c).await;
    assert_eq!(
        (seen[0]["deleted"].clone(), seen[0]["rev"].clone()),
        (json!(true), json!(5))
    );
}

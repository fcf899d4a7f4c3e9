//! Reactions over HTTP: one emoji each, idempotent, at most twenty distinct per message, and
//! limited per person like sending.

use crate::conversations::{person, say, start};
use crate::edits::{assert_refused, delete, history, message_path, put, reaction_path};
use crate::helpers::{both, error_of, spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

both!(spawn_app =>
    reactions_are_one_emoji_each_and_idempotent,
    a_message_takes_at_most_twenty_emoji,
    reaction_changes_are_rate_limited,
);

async fn reactions_are_one_emoji_each_and_idempotent(app: TestApp) {
    let (ana_id, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let m = say(&app, &ana, &c, "hello").await;
    for (token, emoji) in [(&bob, "❤️"), (&ana, "👍"), (&ana, "❤"), (&bob, "👍🏽")] {
        let response = put(&app, token, &reaction_path(&c, &m, emoji)).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{emoji}");
    }
    let rev = history(&app, &ana, &c).await[0]["rev"].clone();
    assert_eq!(rev, 5);
    // Again, and ❤ for ❤️: nothing changes, no new rev.
    put(&app, &bob, &reaction_path(&c, &m, "❤")).await;
    put(&app, &ana, &reaction_path(&c, &m, "👍")).await;
    let seen = history(&app, &bob, &c).await;
    assert_eq!(seen[0]["rev"], rev);
    assert_eq!(
        seen[0]["reactions"],
        json!([
            {"emoji": "❤️", "user_ids": [bob_id, ana_id]},
            {"emoji": "👍", "user_ids": [ana_id]},
            {"emoji": "👍🏽", "user_ids": [bob_id]},
        ])
    );
    for bad in ["a", "👍👍", "hi", "1", "%20"] {
        let path = format!("{}/reactions/{bad}", message_path(&c, &m));
        assert_refused(
            put(&app, &bob, &path).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    // Taking back: idempotent; an emoji nobody uses goes, and comes back at the end.
    for _ in 0..2 {
        let response = delete(&app, &ana, &reaction_path(&c, &m, "👍")).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    put(&app, &bob, &reaction_path(&c, &m, "👍")).await;
    let seen = history(&app, &ana, &c).await;
    assert_eq!(seen[0]["rev"], 7);
    let order: Vec<&str> = seen[0]["reactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["emoji"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["❤️", "👍🏽", "👍"]);
    let unknown = format!(
        "/api/conversations/{c}/messages/{}/reactions/%F0%9F%91%8D",
        Uuid::new_v4()
    );
    assert_refused(
        put(&app, &bob, &unknown).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn a_message_takes_at_most_twenty_emoji(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let m = say(&app, &ana, &c, "react away").await;
    let emoji: Vec<String> = (0x1F600..0x1F615u32)
        .map(|c| char::from_u32(c).unwrap().to_string())
        .collect();
    for e in &emoji[..20] {
        let response = put(&app, &ana, &reaction_path(&c, &m, e)).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let refused = put(&app, &bob, &reaction_path(&c, &m, &emoji[20])).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = error_of(refused).await;
    assert_eq!(body.code, "validation_failed");
    assert!(body.fields.unwrap().contains_key("emoji"));
    // One already there may still be chosen by someone else.
    let more = put(&app, &bob, &reaction_path(&c, &m, &emoji[0])).await;
    assert_eq!(more.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        history(&app, &ana, &c).await[0]["reactions"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
}

async fn reaction_changes_are_rate_limited(app: TestApp) {
    use server::auth::rate_limit::REACTIONS_PER_MINUTE;
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, _) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let m = say(&app, &ana, &c, "spam me").await;
    let path = reaction_path(&c, &m, "👍");
    for i in 0..REACTIONS_PER_MINUTE {
        let response = if i % 2 == 0 {
            put(&app, &ana, &path).await
        } else {
            delete(&app, &ana, &path).await
        };
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "change {i}");
    }
    let refused = put(&app, &ana, &path).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(error_of(refused).await.code, "rate_limited");
}

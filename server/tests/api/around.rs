//! `GET .../messages?around=SEQ`: a page centred on one message (where a search result opens a
//! conversation), full near either end, and refused like the rest of history.

use crate::conversations::{get, person, say, start};
use crate::helpers::{both, error_of, spawn_app, TestApp};
use reqwest::StatusCode;
use shared::AroundPage;

both!(spawn_app => pages_are_centred_and_full_near_either_end, bad_requests_are_refused);

/// Ana and Bob's conversation with `count` messages, seq 1 to `count`.
async fn conversation_of(app: &TestApp, count: usize) -> (String, String, String) {
    let (_, ana) = person(app, "Ana").await;
    let (bob_id, _) = person(app, "Bob").await;
    let id = start(app, &ana, &[bob_id], None).await;
    for i in 1..=count {
        say(app, &ana, &id, &format!("number {i}")).await;
    }
    let (_, eve) = person(app, "Eve").await;
    (id, ana, eve)
}

async fn around(app: &TestApp, token: &str, id: &str, query: &str) -> reqwest::Response {
    get(
        app,
        token,
        &format!("/api/conversations/{id}/messages?{query}"),
    )
    .await
}

async fn page(app: &TestApp, token: &str, id: &str, query: &str) -> (Vec<i64>, bool, bool) {
    let response = around(app, token, id, query).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    let page: AroundPage = response.json().await.unwrap();
    let seqs = page.messages.iter().map(|m| m.seq).collect();
    (seqs, page.has_more_before, page.has_more_after)
}

async fn pages_are_centred_and_full_near_either_end(app: TestApp) {
    let (id, ana, _) = conversation_of(&app, 20).await;
    assert_eq!(
        page(&app, &ana, &id, "around=10&limit=5").await,
        (vec![8, 9, 10, 11, 12], true, true)
    );
    assert_eq!(
        page(&app, &ana, &id, "around=10&limit=4").await,
        (vec![9, 10, 11, 12], true, true),
        "an even page holds one more newer than older"
    );
    assert_eq!(
        page(&app, &ana, &id, "around=2&limit=5").await,
        (vec![1, 2, 3, 4, 5], false, true)
    );
    assert_eq!(
        page(&app, &ana, &id, "around=19&limit=5").await,
        (vec![16, 17, 18, 19, 20], true, false)
    );
    assert_eq!(
        page(&app, &ana, &id, "around=999&limit=5").await,
        (vec![16, 17, 18, 19, 20], true, false),
        "past the newest: the newest page"
    );
    assert_eq!(
        page(&app, &ana, &id, "around=7&limit=1").await,
        (vec![7], true, true)
    );
    let (all, before, after) = page(&app, &ana, &id, "around=10").await;
    assert_eq!((all, before, after), ((1..=20).collect(), false, false));
    let messages: AroundPage = around(&app, &ana, &id, "around=3&limit=3")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(messages.messages[1].text, "number 3");
}

async fn bad_requests_are_refused(app: TestApp) {
    let (id, ana, eve) = conversation_of(&app, 3).await;
    for (query, field) in [
        ("around=0", "around"),
        ("around=-4", "around"),
        ("around=2&limit=0", "limit"),
        ("around=2&limit=101", "limit"),
        ("around=2&before=3", "around"),
        ("around=2&after=1", "around"),
        ("around=2&changed_after=1", "around"),
        ("around=two", "limit"),
    ] {
        let response = around(&app, &ana, &id, query).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}"
        );
        let error = error_of(response).await;
        assert_eq!(error.code, "validation_failed", "{query}");
        assert!(
            error.fields.as_ref().is_some_and(|f| f.contains_key(field)),
            "{query}: {error:?}"
        );
    }
    // Someone else's conversation looks like one that does not exist.
    let theirs = around(&app, &eve, &id, "around=2").await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let unknown = around(&app, &eve, &uuid::Uuid::new_v4().to_string(), "around=2").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_of(theirs).await, error_of(unknown).await);
    let signed_out = app
        .client
        .get(app.at(&format!("/api/conversations/{id}/messages?around=2")))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::UNAUTHORIZED);
}

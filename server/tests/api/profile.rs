//! Profiles and people search over HTTP, on SQLite and PostgreSQL (sign-up, sign-in and
//! sessions are in `auth.rs`).

use crate::auth::{login, me, register};
use crate::helpers::{both, error_of, spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

both!(spawn_app =>
    profile_changes_are_validated,
    search_finds_people_by_any_part_of_their_name,
);

async fn profile_changes_are_validated(app: TestApp) {
    let (_, token) = register(&app, "Ana", "ana@example.com").await;
    let patch = |body: Value| {
        app.client
            .patch(app.at("/api/me"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let renamed: Value = patch(json!({"display_name": " Ana María "}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["display_name"], "Ana María");
    let bad =
        patch(json!({"display_name": "", "password": {"current": "wrong", "new": "long enough"}}))
            .await
            .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = error_of(bad).await.fields.unwrap();
    assert!(
        fields.contains_key("display_name") && fields.contains_key("password.current"),
        "{fields:?}"
    );
    let short = patch(json!({"password": {"current": "correct horse battery", "new": "short"}}))
        .await
        .unwrap();
    assert_eq!(
        error_of(short)
            .await
            .fields
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["password.new"]
    );
    // Nothing changed by the refused requests.
    let now: Value = me(&app, &token).await.json().await.unwrap();
    assert_eq!(now["display_name"], "Ana María");
    assert_eq!(
        login(&app, "ana@example.com", "correct horse battery")
            .await
            .status(),
        StatusCode::OK
    );
}

async fn search_finds_people_by_any_part_of_their_name(app: TestApp) {
    let (_, token) = register(&app, "Searcher", "s@example.com").await;
    for (name, email) in [
        ("Élodie Martin", "e@example.com"),
        ("Marie-Élodie", "m@example.com"),
        ("Bob", "b@example.com"),
    ] {
        register(&app, name, email).await;
    }
    let search = |q: &str| {
        app.client
            .get(app.at("/api/users"))
            .query(&[("q", q)])
            .bearer_auth(&token)
            .send()
    };
    let found: Value = search("ÉLODIE").await.unwrap().json().await.unwrap();
    let names: Vec<&str> = found["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Élodie Martin", "Marie-Élodie"]);
    for user in found["users"].as_array().unwrap() {
        assert_eq!(
            user.as_object().unwrap().keys().collect::<Vec<_>>(),
            vec!["display_name", "id", "photo_url"],
            "no emails"
        );
    }
    let me: Value = search("search").await.unwrap().json().await.unwrap();
    assert_eq!(me["users"], json!([]), "the caller is left out");
    let limited = app
        .client
        .get(app.at("/api/users?q=e&limit=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        limited.json::<Value>().await.unwrap()["users"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let too_many = app
        .client
        .get(app.at("/api/users?q=e&limit=51"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(too_many.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get("/api/users?q=bob").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

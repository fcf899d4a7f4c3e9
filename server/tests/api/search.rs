//! Message search over HTTP: words found by prefix in any case and script, only in the
//! caller's conversations, never in deleted or replaced text, in pages newest first.

use crate::conversations::{person, say, start};
use crate::edits::{delete, message_path, patch};
use crate::helpers::{both, error_of, spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

both!(spawn_app =>
    words_match_by_prefix_in_any_case,
    only_the_callers_conversations_are_searched,
    deleted_and_replaced_text_is_never_found,
    pages_follow_next_without_gaps_or_repeats,
    bad_searches_are_refused,
    long_texts_come_back_as_a_cut_snippet,
);

/// The response to a search with these query parameters, as `token` (none: signed out).
async fn search_as(
    app: &TestApp,
    token: Option<&str>,
    params: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app.client.get(app.at("/api/search/messages")).query(params);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// A successful search's body.
async fn search(app: &TestApp, token: &str, params: &[(&str, &str)]) -> Value {
    let response = search_as(app, Some(token), params).await;
    assert_eq!(response.status(), StatusCode::OK, "{params:?}");
    response.json().await.unwrap()
}

/// The texts a search for `q` finds, newest first.
async fn found(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let body = search(app, token, &[("q", q)]).await;
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"]["text"].as_str().unwrap().to_owned())
        .collect()
}

async fn words_match_by_prefix_in_any_case(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, _) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    say(&app, &ana, &c, "Shall we meet for the meeting tomorrow?").await;
    say(&app, &ana, &c, "Cet été, à la plage").await;
    say(&app, &ana, &c, "Привет, как дела?").await;
    say(&app, &ana, &c, "Η οδός είναι ΜΕΓΑΛΗ").await;
    say(&app, &ana, &c, "see the follow-up at docs.example").await;

    let meeting = ["Shall we meet for the meeting tomorrow?"];
    assert_eq!(found(&app, &ana, "meet").await, meeting);
    assert_eq!(found(&app, &ana, "MEETING").await, meeting);
    assert_eq!(
        found(&app, &ana, "Meet TOMOR").await,
        meeting,
        "every word, each a prefix"
    );
    assert!(found(&app, &ana, "meet nobody").await.is_empty());
    assert!(
        found(&app, &ana, "eting").await.is_empty(),
        "words match from their start"
    );

    assert_eq!(found(&app, &ana, "ÉTÉ").await, ["Cet été, à la plage"]);
    assert_eq!(found(&app, &ana, "ПРИВ").await, ["Привет, как дела?"]);
    assert_eq!(found(&app, &ana, "дЕЛа").await, ["Привет, как дела?"]);
    assert_eq!(found(&app, &ana, "ΟΔΌΣ").await, ["Η οδός είναι ΜΕΓΑΛΗ"]);
    assert_eq!(
        found(&app, &ana, "μεγάλ").await,
        Vec::<String>::new(),
        "accents count"
    );
    assert_eq!(found(&app, &ana, "μεγαλ").await, ["Η οδός είναι ΜΕΓΑΛΗ"]);
    assert_eq!(
        found(&app, &ana, "follow").await,
        ["see the follow-up at docs.example"]
    );
    assert_eq!(
        found(&app, &ana, "up").await,
        ["see the follow-up at docs.example"]
    );
    // Query syntax of either database is only text to find.
    for q in [
        "meet OR x",
        "meet*",
        "\"meet",
        "'meet':*",
        "meet & !x",
        "NEAR(meet",
        "?!",
    ] {
        let response = search_as(&app, Some(&ana), &[("q", q)]).await;
        assert_eq!(response.status(), StatusCode::OK, "{q}");
    }
    assert!(found(&app, &ana, "?!").await.is_empty());
}

async fn only_the_callers_conversations_are_searched(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let (cleo_id, cleo) = person(&app, "Cleo").await;
    let (_, dan) = person(&app, "Dan").await;
    let ours = start(&app, &ana, &[bob_id], None).await;
    let theirs = start(&app, &bob, &[cleo_id], None).await;
    let group = start(&app, &ana, &[bob_id, cleo_id], Some("Trip")).await;
    say(&app, &ana, &ours, "secret plan for ana and bob").await;
    say(&app, &bob, &theirs, "secret plan for bob and cleo").await;
    say(&app, &cleo, &group, "secret plan for everyone").await;

    assert_eq!(
        found(&app, &ana, "secret").await,
        ["secret plan for everyone", "secret plan for ana and bob"]
    );
    assert_eq!(found(&app, &bob, "secret").await.len(), 3);
    assert!(found(&app, &dan, "secret").await.is_empty());

    let only = search(&app, &ana, &[("q", "secret"), ("conversation_id", &ours)]).await;
    assert_eq!(only["results"].as_array().unwrap().len(), 1);
    assert_eq!(
        only["results"][0]["message"]["conversation_id"],
        ours.as_str()
    );

    // Someone else's conversation answers exactly like one that does not exist.
    let unknown = Uuid::new_v4().to_string();
    let mut bodies = Vec::new();
    for id in [theirs.as_str(), unknown.as_str(), "not-a-uuid"] {
        let response = search_as(
            &app,
            Some(&ana),
            &[("q", "secret"), ("conversation_id", id)],
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id}");
        bodies.push(response.text().await.unwrap());
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[0], bodies[2]);
    assert!(bodies[0].contains("not_found"));

    // Who leaves a group no longer finds its messages.
    let left = app
        .client
        .post(app.at(&format!("/api/conversations/{group}/leave")))
        .bearer_auth(&ana)
        .send()
        .await
        .unwrap();
    assert_eq!(left.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        found(&app, &ana, "secret").await,
        ["secret plan for ana and bob"]
    );

    // Signed out: 401, like the rest of the API.
    let response = search_as(&app, None, &[("q", "secret")]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(response).await.code, "unauthenticated");
}

async fn deleted_and_replaced_text_is_never_found(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let edited = say(&app, &ana, &c, "the password is hunter2").await;
    let deleted = say(&app, &ana, &c, "the launch code is zebra").await;
    say(&app, &bob, &c, "zebras are striped").await;

    let response = patch(
        &app,
        &ana,
        &message_path(&c, &edited),
        json!({"text": "nothing to see"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        found(&app, &bob, "hunter").await.is_empty(),
        "the old text is gone"
    );
    assert!(found(&app, &bob, "password").await.is_empty());
    let now = search(&app, &bob, &[("q", "nothing")]).await;
    assert_eq!(now["results"][0]["message"]["id"], edited["id"]);
    assert_eq!(now["results"][0]["message"]["text"], "nothing to see");
    assert!(now["results"][0]["message"]["edited_at"].is_string());

    assert_eq!(found(&app, &bob, "zebra").await.len(), 2);
    let response = delete(&app, &ana, &message_path(&c, &deleted)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(found(&app, &bob, "zebra").await, ["zebras are striped"]);
    assert!(found(&app, &bob, "launch").await.is_empty());
}

async fn pages_follow_next_without_gaps_or_repeats(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let (cleo_id, _) = person(&app, "Cleo").await;
    let d = start(&app, &bob, &[cleo_id], Some("Notes")).await;
    let mut sent = Vec::new();
    for n in 0..11 {
        let (token, conversation) = if n % 3 == 0 { (&bob, &d) } else { (&ana, &c) };
        sent.push(say(&app, token, conversation, &format!("report number {n}")).await);
        say(&app, &ana, &c, "unrelated chatter").await;
    }
    // Newest first by (created_at, id): what the API shows, compared as the server compares.
    let key = |m: &Value| {
        (
            shared::Timestamp::parse(m["created_at"].as_str().unwrap()).unwrap(),
            m["id"].as_str().unwrap().to_owned(),
        )
    };
    let mut expected: Vec<Value> = sent.clone();
    expected.sort_by_key(|m| std::cmp::Reverse(key(m)));

    let mut seen: Vec<Value> = Vec::new();
    let mut before: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut params = vec![("q", "report"), ("limit", "4")];
        if let Some(cursor) = &before {
            params.push(("before", cursor));
        }
        let page = search(&app, &bob, &params).await;
        pages += 1;
        let results = page["results"].as_array().unwrap();
        assert!(results.len() <= 4);
        seen.extend(results.iter().map(|r| r["message"].clone()));
        match page["next"].as_str() {
            Some(next) => before = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 10, "paging ends");
    }
    assert_eq!(pages, 3);
    let ids = |list: &[Value]| list.iter().map(|m| m["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&seen), ids(&expected));

    // A page that ends exactly at the last match says there is no more.
    let all = search(&app, &bob, &[("q", "report"), ("limit", "11")]).await;
    assert_eq!(all["results"].as_array().unwrap().len(), 11);
    assert_eq!(all["next"], Value::Null);
    let first = search(&app, &bob, &[("q", "report"), ("limit", "10")]).await;
    let rest = search(
        &app,
        &bob,
        &[
            ("q", "report"),
            ("limit", "10"),
            ("before", first["next"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(rest["results"].as_array().unwrap().len(), 1);
    assert_eq!(rest["next"], Value::Null);
    // The default page is 20; Ana sees only the reports of her conversation.
    let hers = search(&app, &ana, &[("q", "report")]).await;
    assert_eq!(hers["results"].as_array().unwrap().len(), 7);
}

async fn bad_searches_are_refused(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let long = "x".repeat(201);
    let cases: [&[(&str, &str)]; 10] = [
        &[],
        &[("q", "")],
        &[("q", "  \n\t ")],
        &[("q", "a"), ("limit", "0")],
        &[("q", "a"), ("limit", "51")],
        &[("q", "a"), ("limit", "-1")],
        &[("q", "a"), ("limit", "ten")],
        &[("q", "a"), ("before", "not a cursor")],
        &[("q", "a"), ("before", "")],
        &[("q", &long)],
    ];
    for params in cases {
        let response = search_as(&app, Some(&ana), params).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{params:?}"
        );
        assert_eq!(
            error_of(response).await.code,
            "validation_failed",
            "{params:?}"
        );
    }
    for limit in ["1", "50"] {
        search(&app, &ana, &[("q", "a"), ("limit", limit)]).await;
    }
    // A NUL is refused by neither database, and is found in no message.
    let body = search(&app, &ana, &[("q", "a\0b")]).await;
    assert_eq!(body["results"], json!([]));
}

async fn long_texts_come_back_as_a_cut_snippet(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, _) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let long = format!(
        "{} the Needle is here {}",
        "hay ".repeat(100),
        "straw ".repeat(100)
    );
    let short = "a short needle";
    say(&app, &ana, &c, &long).await;
    say(&app, &ana, &c, short).await;
    let body = search(&app, &ana, &[("q", "needle")]).await;
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[0]["snippet"], short,
        "a short text is its own snippet"
    );
    assert_eq!(
        results[1]["message"]["text"],
        long.as_str(),
        "the message is whole"
    );
    let snippet = results[1]["snippet"].as_str().unwrap();
    assert!(
        snippet.chars().count() <= 200,
        "{}",
        snippet.chars().count()
    );
    assert!(
        snippet.starts_with('…') && snippet.ends_with('…'),
        "{snippet}"
    );
    assert!(snippet.contains("the Needle is here"), "{snippet}");
    assert!(!snippet.contains('<'));
}

//! Text that must never reach storage as it came: control characters (a NUL breaks PostgreSQL
//! and SQLite's full-text queries), and the invisible or direction-changing characters with
//! which one person passes for another. Every way in answers 422 or a harmless empty result,
//! never a 500, and changes nothing.

use crate::conversations::{get, person, post, start};
use crate::helpers::{both, error_of, spawn_app, TestApp};
use crate::ws_client::connect;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::ws::{ClientMsg, ServerMsg};
use shared::ConversationId;
use uuid::Uuid;

both!(spawn_app =>
    sign_up_and_sign_in_with_a_nul_byte_are_refused,
    messages_and_titles_with_control_characters_are_refused,
    a_websocket_send_with_a_nul_byte_gets_an_error_frame,
    user_searches_with_control_characters_find_no_one,
    user_searches_take_any_printable_text,
    names_and_titles_refuse_invisible_and_direction_characters,
);

const NUL: &str = "\u{0}";

async fn fn_call(app: &TestApp, token: Option<&str>, name: &str, body: Value) -> reqwest::Response {
    let mut request = app.client.post(app.at(&format!("/api/fn/{name}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.json(&body).send().await.unwrap()
}

async fn refused_field(response: reqwest::Response, field: &str) -> String {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = error_of(response).await;
    assert_eq!(error.code, "validation_failed");
    error.fields.unwrap_or_default()[field].clone()
}

async fn sign_up_and_sign_in_with_a_nul_byte_are_refused(app: TestApp) {
    person(&app, "Ana").await;
    let register = |name: String, email: String| {
        app.client
            .post(app.at("/api/auth/register"))
            .json(
                &json!({"display_name": name, "email": email, "password": "correct horse battery"}),
            )
            .send()
    };
    let bad_name = register(format!("Bob{NUL}"), "bob@example.com".into());
    refused_field(bad_name.await.unwrap(), "display_name").await;
    let bad_email = register("Bob".into(), format!("bob{NUL}@example.com"));
    refused_field(bad_email.await.unwrap(), "email").await;

    // Sign-in over the API and through the page's server function: a wrong answer, not a crash.
    let attempts = [
        (
            format!("ana@example.com{NUL}"),
            "correct horse battery".to_owned(),
        ),
        (NUL.to_owned(), "correct horse battery".to_owned()),
        (
            "ana@example.com".to_owned(),
            format!("correct horse battery{NUL}"),
        ),
    ];
    // An email no account can have is refused before anything is looked up (422); a password
    // with a NUL is simply wrong (401).
    for (email, password) in attempts {
        let expected = if email.contains(NUL) {
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
        } else {
            (StatusCode::UNAUTHORIZED, "invalid_credentials")
        };
        let body = json!({"email": email, "password": password});
        let api = post(&app, "", "/api/auth/login", body.clone()).await;
        assert_eq!(api.status(), expected.0, "{body}");
        assert_eq!(error_of(api).await.code, expected.1);
        let page = fn_call(&app, None, "login", body.clone()).await;
        assert_eq!(page.status(), expected.0, "{body}");
    }
    // The account still signs in as before.
    let fine = post(
        &app,
        "",
        "/api/auth/login",
        json!({"email": "ana@example.com", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(fine.status(), StatusCode::OK);
}

async fn messages_and_titles_with_control_characters_are_refused(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob, _) = person(&app, "Bob").await;
    let (cy, _) = person(&app, "Cy").await;
    let id = start(&app, &ana, &[bob], None).await;
    let path = format!("/api/conversations/{id}/messages");
    for text in [
        format!("hi{NUL}"),
        "ring \u{7}".into(),
        "\u{1b}[2J cleared".into(),
    ] {
        let response = post(
            &app,
            &ana,
            &path,
            json!({"client_id": Uuid::new_v4(), "text": text}),
        )
        .await;
        let message = refused_field(response, "text").await;
        assert!(message.contains("control characters"), "{message}");
    }
    let img = post(
        &app,
        &ana,
        &path,
        json!({"client_id": Uuid::new_v4(), "img": format!("/uploads/a{NUL}.png")}),
    )
    .await;
    refused_field(img, "img").await;
    // Line breaks and tabs are text.
    let fine = post(
        &app,
        &ana,
        &path,
        json!({"client_id": Uuid::new_v4(), "text": "two\nlines\r\nand\ta tab"}),
    )
    .await;
    assert_eq!(fine.status(), StatusCode::CREATED);
    let history: Value = get(&app, &ana, &path).await.json().await.unwrap();
    assert_eq!(
        history["messages"].as_array().unwrap().len(),
        1,
        "only the fine one"
    );

    let group = |title: String| {
        post(
            &app,
            &ana,
            "/api/conversations",
            json!({"member_ids": [bob, cy], "title": title}),
        )
    };
    refused_field(group(format!("Team{NUL}")).await, "title").await;
    let through_the_page = fn_call(
        &app,
        Some(&ana),
        "open_conversation",
        json!({"member_ids": [bob, cy], "title": format!("Team{NUL}")}),
    )
    .await;
    refused_field(through_the_page, "title").await;
    let list: Value = get(&app, &ana, "/api/conversations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["conversations"].as_array().unwrap().len(),
        1,
        "no group made"
    );
}

async fn a_websocket_send_with_a_nul_byte_gets_an_error_frame(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob, _) = person(&app, "Bob").await;
    let id = ConversationId(start(&app, &ana, &[bob], None).await.parse().unwrap());
    let mut ws = connect(&app, &ana).await;
    for (text, img) in [
        (Some(format!("hi{NUL}")), None),
        (None, Some(format!("/uploads/x{NUL}.png"))),
    ] {
        let client_id = Uuid::new_v4();
        ws.send(&ClientMsg::Send {
            client_id,
            conversation_id: id,
            text,
            img,
            reply_to: None,
            file: None,
        })
        .await;
        match ws.next_event().await {
            ServerMsg::Error {
                code,
                client_id: Some(answered),
                ..
            } => assert_eq!((code.as_str(), answered), ("validation_failed", client_id)),
            other => panic!("expected an error frame, got {other:?}"),
        }
    }
    ws.send(&ClientMsg::Ping).await;
    assert_eq!(
        ws.next_event().await,
        ServerMsg::Pong,
        "the connection lives"
    );
    let history: Value = get(&app, &ana, &format!("/api/conversations/{id}/messages"))
        .await
        .json()
        .await
        .unwrap();
    assert!(history["messages"].as_array().unwrap().is_empty());
}

async fn search(app: &TestApp, token: &str, q: &str) -> reqwest::Response {
    app.client
        .get(app.at("/api/users"))
        .query(&[("q", q)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn found(response: reqwest::Response) -> Vec<String> {
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["display_name"].as_str().unwrap().to_owned())
        .collect()
}

async fn user_searches_with_control_characters_find_no_one(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    person(&app, "Bobby Tables").await;
    // Short queries scan the names; three characters or more use SQLite's full-text index.
    for q in [
        format!("b{NUL}"),
        format!("bob{NUL}"),
        format!("{NUL}bobby"),
        "bob\u{1b}".into(),
    ] {
        assert!(
            found(search(&app, &ana, &q).await).await.is_empty(),
            "{q:?}"
        );
        let page = fn_call(&app, Some(&ana), "search_users", json!({"query": q})).await;
        assert_eq!(page.status(), StatusCode::OK, "{q:?}");
        let body: Value = page.json().await.unwrap();
        assert!(body["users"].as_array().unwrap().is_empty(), "{q:?}");
    }
    assert_eq!(
        found(search(&app, &ana, "bob").await).await,
        ["Bobby Tables"]
    );
}

async fn user_searches_take_any_printable_text(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    for name in [r#"Dwayne "The Rock""#, "Ann-Marie O'Neil", "x*y (AND) NEAR"] {
        person(&app, name).await;
    }
    // Full-text query syntax in a search is only text to find.
    let cases: [(&str, &[&str]); 9] = [
        (r#""the rock""#, &[r#"Dwayne "The Rock""#]),
        (r#"e "t"#, &[r#"Dwayne "The Rock""#]),
        ("o'n", &["Ann-Marie O'Neil"]),
        ("ann-", &["Ann-Marie O'Neil"]),
        ("x*y", &["x*y (AND) NEAR"]),
        ("(and)", &["x*y (AND) NEAR"]),
        ("near", &["x*y (AND) NEAR"]),
        ("an*", &[]),
        ("^an OR col:x", &[]),
    ];
    for (q, expected) in cases {
        assert_eq!(found(search(&app, &ana, q).await).await, expected, "{q:?}");
    }
    for q in ["\"", "\"\"\"", "*", "NEAR(", "a:b", "{x}", "-x", "%_\\"] {
        found(search(&app, &ana, q).await).await;
    }
}

async fn names_and_titles_refuse_invisible_and_direction_characters(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob, _) = person(&app, "Bob").await;
    let (cy, _) = person(&app, "Cy").await;
    let spoofs = [
        "Ana\u{202E}nimda",
        "Bob\u{200B}",
        "\u{2066}Cy\u{2069}",
        "Ana\u{200F}",
        "B\u{00AD}ob",
        "\u{FEFF}Bob",
    ];
    for name in spoofs {
        let signed_up = app
            .client
            .post(app.at("/api/auth/register"))
            .json(&json!({"display_name": name, "email": "eve@example.com", "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        let message = refused_field(signed_up, "display_name").await;
        assert!(message.contains("invisible"), "{message}");
        let renamed = app
            .client
            .patch(app.at("/api/me"))
            .bearer_auth(&ana)
            .json(&json!({"display_name": name}))
            .send()
            .await
            .unwrap();
        refused_field(renamed, "display_name").await;
        let titled = post(
            &app,
            &ana,
            "/api/conversations",
            json!({"member_ids": [bob, cy], "title": name}),
        )
        .await;
        refused_field(titled, "title").await;
    }
    let me: Value = get(&app, &ana, "/api/me").await.json().await.unwrap();
    assert_eq!(me["display_name"], "Ana");
    // Other scripts and emoji are names like any other.
    let renamed = app
        .client
        .patch(app.at("/api/me"))
        .bearer_auth(&ana)
        .json(&json!({"display_name": "آنا ❤\u{FE0F}"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::OK);
}

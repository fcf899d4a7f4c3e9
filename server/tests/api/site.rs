use crate::helpers::{both, error_of, spawn_app, TestApp};
use std::collections::HashSet;

both!(spawn_app =>
    the_page_is_rendered_on_the_server,
    signed_out_visitors_are_sent_to_sign_in,
    signed_in_visitors_are_sent_from_sign_in_to_the_chat,
    the_sign_in_and_sign_up_pages_render_their_forms,
    unknown_pages_are_404_pages,
    server_function_errors_carry_their_status,
    a_form_posted_without_javascript_comes_back_with_its_error,
    the_search_shows_twenty_and_says_when_more_match,
    malformed_server_function_calls_are_answered_in_the_error_shape,
    a_form_error_in_an_address_is_shown_only_when_the_server_signed_it,
    a_second_failed_post_shows_the_newest_error,
    every_page_has_a_content_security_policy_with_its_own_nonce,
    every_response_of_the_site_refuses_framing_and_sniffing,
);

async fn the_page_is_rendered_on_the_server(app: TestApp) {
    let (_, token) = crate::auth::register(&app, "Ana", "ana@example.com").await;
    let response = app
        .client
        .get(app.at("/"))
        .header("cookie", format!("letuschat_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>LetUsChat</title>"), "{html}");
    // The frame of the app, with the labels people and tests find it by.
    for label in [
        r#"aria-label="Search users""#,
        r#"aria-label="Conversations""#,
        r#"aria-label="Messages""#,
        r#"aria-label="Message""#,
        r#"aria-label="Attach file""#,
        r#"aria-label="Search messages""#,
    ] {
        assert!(html.contains(label), "missing {label}");
    }
    assert!(html.contains(r#"role="log""#));
    assert!(
        html.contains(">Ana<") && html.contains("Log out"),
        "own name and Log out"
    );
    // The script that loads and hydrates the WASM.
    assert!(
        html.contains("/pkg/letuschat") && html.contains("hydrate"),
        "{html}"
    );
}

async fn unknown_pages_are_404_pages(app: TestApp) {
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

async fn signed_out_visitors_are_sent_to_sign_in(app: TestApp) {
    // As a browser asks: a plain redirect is for pages, not for API clients.
    let response = app
        .client
        .get(app.at("/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "/login");
    let stale = app
        .client
        .get(app.at("/"))
        .header("cookie", "letuschat_session=not.a.token")
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.headers()["location"], "/login");
}

async fn signed_in_visitors_are_sent_from_sign_in_to_the_chat(app: TestApp) {
    let (_, token) = crate::auth::register(&app, "Ana", "ana@example.com").await;
    for path in ["/login", "/register", "/login?ended=signed_out"] {
        let response = app.page(path, Some(&token)).await;
        assert_eq!(response.status(), 302, "{path}");
        assert_eq!(response.headers()["location"], "/", "{path}");
    }
    // A session that is over leaves the pages to the visitor.
    for path in ["/login", "/register"] {
        assert_eq!(
            app.page(path, Some("not.a.token")).await.status(),
            200,
            "{path}"
        );
    }
}

async fn the_sign_in_and_sign_up_pages_render_their_forms(app: TestApp) {
    let login = app.get("/login").await.text().await.unwrap();
    for text in [
        "Welcome Back!",
        ">Email<",
        ">Password<",
        ">Sign in<",
        r#"href="/register""#,
    ] {
        assert!(login.contains(text), "login page lacks {text}");
    }
    let register = app.get("/register").await.text().await.unwrap();
    for text in [
        "Welcome to LetUsChat!",
        ">Display name<",
        ">Email<",
        ">Password<",
        r#"aria-label="Avatar""#,
        ">Sign up<",
        r#"href="/login""#,
    ] {
        assert!(register.contains(text), "register page lacks {text}");
    }
    // Signed in, the forms step aside for the chat.
    let (_, token) = crate::auth::register(&app, "Ana", "ana@example.com").await;
    let again = app
        .client
        .get(app.at("/login"))
        .header("accept", "text/html")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            again.status().as_u16(),
            again.headers()["location"].to_str().unwrap()
        ),
        (302, "/")
    );
}

async fn server_function_errors_carry_their_status(app: TestApp) {
    crate::auth::register(&app, "Ana", "ana@example.com").await;
    let wrong = app
        .client
        .post(app.at("/api/fn/login"))
        .json(&serde_json::json!({"email": "ana@example.com", "password": "not the password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(error_of(wrong).await.code, "invalid_credentials");

    let signed_out = app
        .client
        .post(app.at("/api/fn/conversations"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 401);
}

async fn a_form_posted_without_javascript_comes_back_with_its_error(app: TestApp) {
    crate::auth::register(&app, "Ana", "ana@example.com").await;
    let posted = app
        .client
        .post(app.at("/api/fn/login"))
        .header("accept", "text/html")
        .header("referer", app.at("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=ana%40example.com&password=not+the+password")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 302);
    let location = posted.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&app.at("/login?")), "{location}");
    assert!(posted.headers().get("set-cookie").is_none());
    let page = app.client.get(&location).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Wrong email or password."), "{html}");
}

async fn the_search_shows_twenty_and_says_when_more_match(app: TestApp) {
    let (_, token) = crate::auth::register(&app, "Ana", "ana@example.com").await;
    for i in 1..=21 {
        crate::auth::register(&app, &format!("Zed {i}"), &format!("zed{i}@example.com")).await;
    }
    let search = |query: &'static str| {
        app.client
            .post(app.at("/api/fn/search_users"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "query": query }))
            .send()
    };
    let all: serde_json::Value = search("zed").await.unwrap().json().await.unwrap();
    assert_eq!(all["users"].as_array().unwrap().len(), 20);
    assert_eq!(all["more"], true);
    // "Zed 1" and "Zed 10" to "Zed 19": all of them, and no more.
    let some: serde_json::Value = search("zed 1").await.unwrap().json().await.unwrap();
    assert_eq!(some["users"].as_array().unwrap().len(), 11);
    assert_eq!(some["more"], false);
}

async fn malformed_server_function_calls_are_answered_in_the_error_shape(app: TestApp) {
    let (_, token) = crate::auth::register(&app, "Ana", "ana@example.com").await;
    let call = |name: &str, content_type: &'static str, body: Vec<u8>| {
        app.client
            .post(app.at(&format!("/api/fn/{name}")))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let json = "application/json";
    let form = "application/x-www-form-urlencoded";
    let malformed: [(&str, &str, &[u8]); 8] = [
        ("history", json, br#"{"id":"not-a-uuid"}"#),
        ("history", json, br#"{"before":1}"#),
        ("current_user", json, b"not json at all"),
        ("search_users", json, br#"{"query":42}"#),
        ("search_users", json, b"{\"query\":\"\xff\xfe\"}"),
        ("open_conversation", json, br#"{"member_ids":"everyone"}"#),
        ("login", json, br#"{"email":["a"],"password":"x"}"#),
        ("login", form, b"email=ana%40example.com"),
    ];
    for (name, content_type, body) in malformed {
        let response = call(name, content_type, body.to_vec()).await.unwrap();
        let what = format!("{name} {}", String::from_utf8_lossy(body));
        assert_eq!(response.status(), 400, "{what}");
        let text = response.text().await.unwrap();
        let error: shared::ErrorResponse =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}: {text}"));
        assert_eq!(error.error.code, "bad_request", "{what}");
        assert_eq!(error.error.message, "The request is not valid.", "{what}");
    }
    // On a connection of its own: the server answers before reading the whole body, then
    // closes the connection, which a pooled client might try to use again.
    let huge = format!(r#"{{"query":"{}"}}"#, "a".repeat(3 * 1024 * 1024));
    let response = reqwest::Client::new()
        .post(app.at("/api/fn/search_users"))
        .bearer_auth(&token)
        .header("content-type", json)
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(error_of(response).await.code, "payload_too_large");
    // A well-formed call still works.
    let fine = call("search_users", json, br#"{"query":"zed"}"#.to_vec())
        .await
        .unwrap();
    assert_eq!(fine.status(), 200);
}

/// Posts a form the way a browser without the WASM does; returns where it is sent.
async fn post_form(app: &TestApp, function: &str, from: &str, body: &'static str) -> String {
    let posted = app
        .client
        .post(app.at(&format!("/api/fn/{function}")))
        .header("accept", "text/html")
        .header("referer", from)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 302);
    posted.headers()["location"].to_str().unwrap().to_owned()
}

fn base64url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE.encode(text)
}

async fn a_form_error_in_an_address_is_shown_only_when_the_server_signed_it(app: TestApp) {
    let spoof = r#"{"error":{"code":"x","message":"Your account is locked. Call +1 555 0100."}}"#;
    let forged = [
        format!(
            "/login?__path=%2Fapi%2Ffn%2Flogin&__err={}",
            base64url(spoof)
        ),
        format!(
            "/login?__path=%2Fapi%2Ffn%2Flogin&__err={}&__until=99999999999&__sig=AAAA",
            base64url(spoof)
        ),
        "/login?__path=%2Fapi%2Ffn%2Flogin&__err=not%20even%20base64".to_owned(),
        "/register?q=1&__err=x".to_owned(),
    ];
    for address in forged {
        let response = app.get(&address).await;
        assert_eq!(response.status(), 303, "{address}");
        let clean = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(!clean.contains("__"), "{clean}");
        let page = app.get(&clean).await.text().await.unwrap();
        assert!(!page.contains("account is locked"), "{address}");
    }
    // What the server itself sent back is shown, and cannot be edited.
    crate::auth::register(&app, "Ana", "ana@example.com").await;
    let location = post_form(
        &app,
        "login",
        &app.at("/login"),
        "email=ana%40example.com&password=not+the+password",
    )
    .await;
    assert!(location.contains("__sig="), "{location}");
    let shown = app.client.get(&location).send().await.unwrap();
    assert_eq!(shown.status(), 200);
    assert!(shown
        .text()
        .await
        .unwrap()
        .contains("Wrong email or password."));
    let (before, after) = location.split_once("__err=").unwrap();
    let edited = format!(
        "{before}__err={}{}",
        base64url(spoof),
        &after[after.find('&').unwrap()..]
    );
    assert_eq!(app.client.get(&edited).send().await.unwrap().status(), 303);
}

async fn a_second_failed_post_shows_the_newest_error(app: TestApp) {
    let first = post_form(
        &app,
        "register",
        &app.at("/register"),
        "display_name=Ana&email=not-an-email&password=correct+horse+battery",
    )
    .await;
    let page = app.client.get(&first).send().await.unwrap();
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Enter an email address like"));
    // Posted again from the page that shows the first error.
    let second = post_form(
        &app,
        "register",
        &first,
        "display_name=Ana&email=ana%40example.com&password=short",
    )
    .await;
    assert_eq!(second.matches("__err=").count(), 1, "{second}");
    let page = app.client.get(&second).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Use at least 8 characters."), "{html}");
    assert!(!html.contains("Enter an email address like"), "{html}");
}

/// The nonce a policy allows scripts with.
fn policy_nonce(policy: &str) -> String {
    let start = policy.find("'nonce-").expect("a nonce in the policy") + "'nonce-".len();
    policy[start..].split('\'').next().unwrap().to_owned()
}

async fn every_page_has_a_content_security_policy_with_its_own_nonce(app: TestApp) {
    let mut nonces = HashSet::new();
    for path in ["/login", "/register", "/login", "/no/such/page"] {
        let response = app.get(path).await;
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        for part in [
            "script-src 'self' 'nonce-",
            "'wasm-unsafe-eval'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(part), "{path}: {policy} lacks {part}");
        }
        let script_src = policy
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!script_src.contains("unsafe-inline"), "{policy}");
        let nonce = policy_nonce(&policy);
        let html = response.text().await.unwrap();
        let scripts = html.matches("<script").count();
        assert!(scripts > 0, "{path}");
        assert_eq!(
            html.matches(&format!("nonce=\"{nonce}\"")).count(),
            scripts,
            "{path}: every script carries the header's nonce"
        );
        assert!(nonces.insert(nonce), "a new nonce for every response");
    }
}

async fn every_response_of_the_site_refuses_framing_and_sniffing(app: TestApp) {
    for path in [
        "/login",
        "/",
        "/no/such/page",
        "/favicon.ico",
        "/pkg/nothing.js",
    ] {
        let response = app.get(path).await;
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
    }
}

//! Accounts over HTTP: sign up, sign in, sign out, tokens, limits, cross-site requests.

use crate::helpers::{both, error_of, spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub async fn register(app: &TestApp, name: &str, email: &str) -> (Value, String) {
    let response = app
        .client
        .post(app.at("/api/auth/register"))
        .json(&json!({"display_name": name, "email": email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{:?}",
        response.text().await
    );
    let body: Value = response.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    (body["user"].clone(), token)
}

pub async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.at("/api/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

pub async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.at("/api/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

both!(spawn_app =>
    signing_up_returns_the_user_a_token_and_a_cookie,
    sign_up_fields_are_validated_together,
    an_email_is_taken_in_any_case,
    signing_in_works_with_the_cookie_and_the_bearer_token,
    unknown_email_and_wrong_password_get_the_same_answer,
    failed_sign_ins_are_rate_limited,
    sign_in_sizes_are_checked_before_anything_is_kept,
    common_passwords_are_refused,
    logout_revokes_the_token_it_was_sent_with,
    a_password_change_revokes_every_token,
    bad_tokens_are_refused,
    cross_site_posts_are_refused,
    malformed_bodies_get_the_error_shape,
);

async fn signing_up_returns_the_user_a_token_and_a_cookie(app: TestApp) {
    let response = app
        .client
        .post(app.at("/api/auth/register"))
        .json(&json!({"display_name": "  Ana  ", "email": " Ana@Example.com ", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("letuschat_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["display_name"], "Ana");
    assert_eq!(body["user"]["email"], "Ana@Example.com");
    assert_eq!(body["user"]["photo_url"], Value::Null);
    assert!(body["user"].get("password_hash").is_none());
    let token = body["token"].as_str().unwrap();
    assert_eq!(
        cookie.split(';').next().unwrap(),
        format!("letuschat_session={token}")
    );
    let me: Value = me(&app, token).await.json().await.unwrap();
    assert_eq!(me, body["user"]);
}

async fn sign_up_fields_are_validated_together(app: TestApp) {
    let response = app
        .client
        .post(app.at("/api/auth/register"))
        .json(&json!({"display_name": " ", "email": "not-an-email", "password": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = error_of(response).await;
    assert_eq!(error.code, "validation_failed");
    let fields = error.fields.unwrap();
    assert_eq!(
        fields.keys().collect::<Vec<_>>(),
        vec!["display_name", "email", "password"]
    );
    let long_name = "n".repeat(51);
    let response = app
        .client
        .post(app.at("/api/auth/register"))
        .json(&json!({"display_name": long_name, "email": "a@b.co", "password": "8 chars!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response)
            .await
            .fields
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["display_name"]
    );
    // Nothing was written: the address is still free.
    register(&app, "Ana", "a@b.co").await;
    // Long passphrases are welcome.
    let long = "long passphrase ".repeat(64);
    let response = app
        .client
        .post(app.at("/api/auth/register"))
        .json(&json!({"display_name": "Long", "email": "long@b.co", "password": long}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        login(&app, "long@b.co", &long).await.status(),
        StatusCode::OK
    );
}

async fn an_email_is_taken_in_any_case(app: TestApp) {
    register(&app, "Ana", "ana@example.com").await;
    let response = app
        .client
        .post(app.at("/api/auth/register"))
        .json(&json!({"display_name": "Impostor", "email": "ANA@example.COM", "password": "another password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(error_of(response).await.code, "email_taken");
    // The first account is untouched.
    assert_eq!(
        login(&app, "ana@example.com", "correct horse battery")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        login(&app, "ana@example.com", "another password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn signing_in_works_with_the_cookie_and_the_bearer_token(app: TestApp) {
    let (user, _) = register(&app, "Ana", "ana@example.com").await;
    let response = login(&app, "ANA@example.com", "correct horse battery").await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"], user);
    let by_cookie = app
        .client
        .get(app.at("/api/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), StatusCode::OK);
    let by_bearer = me(&app, body["token"].as_str().unwrap()).await;
    assert_eq!(by_bearer.json::<Value>().await.unwrap(), user);
    let anonymous = app.get("/api/me").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(anonymous).await.code, "unauthenticated");
}

async fn unknown_email_and_wrong_password_get_the_same_answer(app: TestApp) {
    register(&app, "Ana", "ana@example.com").await;
    let wrong = login(&app, "ana@example.com", "wrong password").await;
    let unknown = login(&app, "nobody@example.com", "wrong password").await;
    assert_eq!(
        (wrong.status(), unknown.status()),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    let (wrong, unknown): (Value, Value) =
        (wrong.json().await.unwrap(), unknown.json().await.unwrap());
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"]["code"], "invalid_credentials");
}

async fn failed_sign_ins_are_rate_limited(app: TestApp) {
    register(&app, "Ana", "ana@example.com").await;
    for _ in 0..10 {
        assert_eq!(
            login(&app, "ana@example.com", "guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = login(&app, "ana@example.com", "correct horse battery").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert_eq!(error_of(limited).await.code, "rate_limited");
    // Another account from the same address still has its own tries, up to the address limit.
    register(&app, "Bob", "bob@example.com").await;
    assert_eq!(
        login(&app, "bob@example.com", "correct horse battery")
            .await
            .status(),
        StatusCode::OK
    );
    for _ in 0..10 {
        login(&app, "carol@example.com", "guess").await;
    }
    let address_limited = login(&app, "dave@example.com", "guess").await;
    assert_eq!(
        address_limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "20 failures from one address"
    );
}

/// What no account can have (an email of 1.9 MB, a password over 4096 bytes) is refused with
/// 422 before it is looked up, counted or kept, however often it is sent.
async fn sign_in_sizes_are_checked_before_anything_is_kept(app: TestApp) {
    register(&app, "Ana", "ana@example.com").await;
    let huge_email = format!("{}@example.com", "a".repeat(1_900_000));
    for _ in 0..25 {
        let response = login(&app, &huge_email, "a guess").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let fields = error_of(response).await.fields.unwrap();
        assert_eq!(fields["email"], "That email address is too long.");
    }
    let long_guess = "g".repeat(5000);
    for _ in 0..25 {
        let response = login(&app, "ana@example.com", &long_guess).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let fields = error_of(response).await.fields.unwrap();
        assert_eq!(fields["password"], "That password is too long.");
    }
    let not_an_email = login(&app, "ana", "a guess").await;
    assert_eq!(not_an_email.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // None of the 51 counted against the address or the account.
    assert_eq!(
        login(&app, "ana@example.com", "correct horse battery")
            .await
            .status(),
        StatusCode::OK
    );
}

async fn common_passwords_are_refused(app: TestApp) {
    let sign_up = |password: &'static str| {
        app.client
            .post(app.at("/api/auth/register"))
            .json(&json!({"display_name": "Ana", "email": "ana@example.com", "password": password}))
            .send()
    };
    for (password, why) in [
        ("password", "This password is too common; choose another."),
        ("12345678", "This password is too common; choose another."),
        ("Qwertyuiop", "This password is too common; choose another."),
        ("aaaaaaaa", "Use more than one repeated character."),
        ("%%%%%%%%%%%%", "Use more than one repeated character."),
    ] {
        let response = sign_up(password).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password}"
        );
        let fields = error_of(response).await.fields.unwrap();
        assert_eq!(fields["password"], why, "{password}");
    }
    assert_eq!(
        login(&app, "ana@example.com", "password").await.status(),
        StatusCode::UNAUTHORIZED,
        "no account was made"
    );
    let (_, token) = register(&app, "Ana", "ana@example.com").await;
    let change = app
        .client
        .patch(app.at("/api/me"))
        .bearer_auth(&token)
        .json(&json!({"password": {"current": "correct horse battery", "new": "PASSWORD1"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(change.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = error_of(change).await.fields.unwrap();
    assert_eq!(
        fields["password.new"],
        "This password is too common; choose another."
    );
    assert_eq!(
        me(&app, &token).await.status(),
        StatusCode::OK,
        "nothing changed"
    );
}

async fn logout_revokes_the_token_it_was_sent_with(app: TestApp) {
    let (_, first) = register(&app, "Ana", "ana@example.com").await;
    let second: Value = login(&app, "ana@example.com", "correct horse battery")
        .await
        .json()
        .await
        .unwrap();
    let second = second["token"].as_str().unwrap();
    let response = app
        .client
        .post(app.at("/api/auth/logout"))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        me(&app, &first).await.status(),
        StatusCode::UNAUTHORIZED,
        "revoked"
    );
    assert_eq!(
        me(&app, second).await.status(),
        StatusCode::OK,
        "other sessions live on"
    );
    let again = app
        .client
        .post(app.at("/api/auth/logout"))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::NO_CONTENT,
        "signing out twice is fine"
    );
}

async fn a_password_change_revokes_every_token(app: TestApp) {
    let (_, first) = register(&app, "Ana", "ana@example.com").await;
    let other: Value = login(&app, "ana@example.com", "correct horse battery")
        .await
        .json()
        .await
        .unwrap();
    let response = app
        .client
        .patch(app.at("/api/me"))
        .bearer_auth(&first)
        .json(&json!({"password": {"current": "correct horse battery", "new": "a brand new passphrase"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let fresh = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(me(&app, &first).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&app, other["token"].as_str().unwrap()).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let by_new_cookie = app
        .client
        .get(app.at("/api/me"))
        .header("cookie", fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_new_cookie.status(),
        StatusCode::OK,
        "the browser that changed it stays signed in"
    );
    assert_eq!(
        login(&app, "ana@example.com", "correct horse battery")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, "ana@example.com", "a brand new passphrase")
            .await
            .status(),
        StatusCode::OK
    );
}

/// Tokens that must all be refused: tampered, unsigned (`alg: none`), expired, signed with
/// another key, and garbage. Built from a real token of `user`.
pub fn forged_tokens(app: &TestApp, user: &Value, token: &str) -> Vec<(&'static str, String)> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let claims = || serde_json::from_slice::<Value>(&b64.decode(parts[1]).unwrap()).unwrap();
    let mut other_user = claims();
    other_user["sub"] = json!((user["id"].as_i64().unwrap() + 1).to_string());
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(other_user.to_string()),
        parts[2]
    );
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    let sign = |claims: Value, key: &str| {
        let key = jsonwebtoken::EncodingKey::from_secret(key.as_bytes());
        jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap()
    };
    let secret = std::fs::read_to_string(app.database.dir().join("data/jwt_secret")).unwrap();
    let now = chrono::Utc::now().timestamp();
    let mut old = claims();
    old["iat"] = json!(now - 7200);
    old["exp"] = json!(now - 3600);
    vec![
        ("tampered", tampered),
        ("alg none", none),
        ("expired", sign(old, &secret)),
        ("wrong key", sign(claims(), &"w".repeat(64))),
        ("garbage", "garbage".into()),
    ]
}

async fn bad_tokens_are_refused(app: TestApp) {
    let (user, token) = register(&app, "Ana", "ana@example.com").await;
    for (what, bad) in forged_tokens(&app, &user, &token) {
        let response = me(&app, &bad).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
        let cookie = app
            .client
            .get(app.at("/api/me"))
            .header("cookie", format!("letuschat_session={bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            cookie.status(),
            StatusCode::UNAUTHORIZED,
            "{what} as a cookie"
        );
    }
    assert_eq!(
        me(&app, &token).await.status(),
        StatusCode::OK,
        "the real one still works"
    );
}

async fn cross_site_posts_are_refused(app: TestApp) {
    let (_, token) = register(&app, "Ana", "ana@example.com").await;
    let cookie = format!("letuschat_session={token}");
    let attempts = [
        ("origin", "https://evil.example".to_owned()),
        ("sec-fetch-site", "cross-site".to_owned()),
    ];
    for (header, value) in attempts {
        let response = app
            .client
            .patch(app.at("/api/me"))
            .header("cookie", &cookie)
            .header(header, &value)
            .json(&json!({"display_name": "Hacked"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{header}: {value}"
        );
        assert_eq!(error_of(response).await.code, "forbidden");
        let logout = app
            .client
            .post(app.at("/api/auth/logout"))
            .header("cookie", &cookie)
            .header(header, &value)
            .send()
            .await
            .unwrap();
        assert_eq!(logout.status(), StatusCode::FORBIDDEN);
    }
    let same_origin = app
        .client
        .patch(app.at("/api/me"))
        .header("cookie", &cookie)
        .header("origin", app.url.clone())
        .header("sec-fetch-site", "same-origin")
        .json(&json!({"display_name": "Ana B"}))
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), StatusCode::OK);
    let me: Value = me(&app, &token).await.json().await.unwrap();
    assert_eq!(
        me["display_name"], "Ana B",
        "only the same-origin change happened"
    );
}

async fn malformed_bodies_get_the_error_shape(app: TestApp) {
    let post = |body: &'static str, content_type: &'static str| {
        app.client
            .post(app.at("/api/auth/register"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let not_json = post("{not json", "application/json").await.unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_of(not_json).await.code, "bad_request");
    let missing = post(r#"{"email": "a@b.co"}"#, "application/json")
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_of(missing).await.code, "bad_request");
    let form = post("email=a", "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_of(form).await.code, "unsupported_media_type");
}

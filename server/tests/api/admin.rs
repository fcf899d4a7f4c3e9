//! Running a server: the first account is the admin, sign-up modes and invitations, disabling
//! accounts, and the admin paths that do not exist for anyone else. Then an upgrade of a
//! database the last release made.

use crate::auth::{login, me, register};
use crate::conversations::{get, person, post, say, start};
use crate::helpers::{both, error_of, spawn_app, spawn_app_with, Backend, TestApp};
use crate::ws_client::connect;
use serde_json::{json, Value};
use server::config::Registration;
use server::db::InviteRow;
use shared::{Timestamp, UserId};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

pub async fn invite_only(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| s.registration = Registration::Invite).await
}

pub async fn closed(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| s.registration = Registration::Closed).await
}

both!(spawn_app =>
    the_first_account_is_the_admin,
    admin_paths_do_not_exist_for_anyone_else,
    an_admin_disables_and_enables_an_account,
    invitations_are_listed_and_withdrawn,
);
both!(invite_only => sign_up_needs_a_valid_invitation);
both!(closed => a_closed_server_takes_only_its_first_account);

async fn sign_up(app: &TestApp, name: &str, invite: Option<&str>) -> reqwest::Response {
    let email = format!("{}@example.com", name.to_lowercase());
    app.client
        .post(app.at("/api/auth/register"))
        .json(&json!({"display_name": name, "email": email,
                      "password": "correct horse battery", "invite": invite}))
        .send()
        .await
        .unwrap()
}

async fn the_first_account_is_the_admin(app: TestApp) {
    let (ana, ana_token) = register(&app, "Ana", "ana@example.com").await;
    let (bob, _) = register(&app, "Bob", "bob@example.com").await;
    assert_eq!(
        (ana["admin"].clone(), bob["admin"].clone()),
        (json!(true), json!(false))
    );
    let me: Value = me(&app, &ana_token).await.json().await.unwrap();
    assert_eq!(me["admin"], true);
    let list: Value = get(&app, &ana_token, "/api/admin/users")
        .await
        .json()
        .await
        .unwrap();
    let users = list["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[1]["email"], "bob@example.com");
    assert_eq!(
        (users[1]["admin"].clone(), users[1]["disabled"].clone()),
        (json!(false), json!(false))
    );
    assert!(users[0]["created_at"].is_string());
}

async fn admin_paths_do_not_exist_for_anyone_else(app: TestApp) {
    register(&app, "Ana", "ana@example.com").await;
    let (bob, bob_token) = register(&app, "Bob", "bob@example.com").await;
    let bob_id = bob["id"].as_i64().unwrap();
    let unknown = app
        .client
        .get(app.at("/api/admin/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let unknown_body = error_of(unknown).await;
    let paths = [
        ("GET", "/api/admin/users".to_owned()),
        ("POST", format!("/api/admin/users/{bob_id}/disable")),
        ("POST", format!("/api/admin/users/{bob_id}/enable")),
        ("GET", format!("/api/admin/users/{bob_id}/disable")),
        ("GET", "/api/admin/invites".to_owned()),
        ("POST", "/api/admin/invites".to_owned()),
        ("DELETE", "/api/admin/invites/abc".to_owned()),
        ("PUT", "/api/admin/invites".to_owned()),
    ];
    for token in [None, Some(bob_token.as_str())] {
        for (method, path) in &paths {
            let mut request = app
                .client
                .request(method.parse().unwrap(), app.at(path))
                .json(&json!({}));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 404, "{method} {path}");
            assert_eq!(error_of(response).await, unknown_body, "{method} {path}");
        }
    }
    // Bob is still no admin, and nothing was disabled.
    assert_eq!(
        login(&app, "bob@example.com", "correct horse battery")
            .await
            .status(),
        200
    );
}

async fn an_admin_disables_and_enables_an_account(app: TestApp) {
    let (ana, ana_token) = person(&app, "Ana").await;
    let (bob, bob_token) = person(&app, "Bob").await;
    let conversation = start(&app, &ana_token, &[bob], None).await;
    say(&app, &bob_token, &conversation, "a message that stays").await;
    let mut bob_ws = connect(&app, &bob_token).await;

    let own = post(
        &app,
        &ana_token,
        &format!("/api/admin/users/{ana}/disable"),
        json!({}),
    )
    .await;
    assert_eq!(own.status(), 422, "an admin cannot lock themselves out");
    let started = std::time::Instant::now();
    let done = post(
        &app,
        &ana_token,
        &format!("/api/admin/users/{bob}/disable"),
        json!({}),
    )
    .await;
    assert_eq!(done.status(), 204);
    assert_eq!(bob_ws.closed().await, Some(CloseCode::from(4001)));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "closed at once"
    );
    assert_eq!(me(&app, &bob_token).await.status(), 401, "sessions ended");
    let refused = login(&app, "bob@example.com", "correct horse battery").await;
    assert_eq!(refused.status(), 403);
    assert_eq!(error_of(refused).await.code, "forbidden");
    let wrong = login(&app, "bob@example.com", "not his password").await;
    assert_eq!(
        wrong.status(),
        401,
        "only the password's owner learns it is disabled"
    );
    let page: Value = get(
        &app,
        &ana_token,
        &format!("/api/conversations/{conversation}/messages"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(page["messages"][0]["text"], "a message that stays");
    let list: Value = get(&app, &ana_token, "/api/admin/users")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["users"][1]["disabled"], true);

    let again = post(
        &app,
        &ana_token,
        &format!("/api/admin/users/{bob}/enable"),
        json!({}),
    )
    .await;
    assert_eq!(again.status(), 204);
    assert_eq!(
        login(&app, "bob@example.com", "correct horse battery")
            .await
            .status(),
        200
    );
    let nobody = post(
        &app,
        &ana_token,
        "/api/admin/users/999999/disable",
        json!({}),
    )
    .await;
    assert_eq!(nobody.status(), 404);
}

async fn invitations_are_listed_and_withdrawn(app: TestApp) {
    let (_, ana_token) = register(&app, "Ana", "ana@example.com").await;
    let made = post(
        &app,
        &ana_token,
        "/api/admin/invites",
        json!({"max_uses": 3, "expires_in_hours": 2}),
    )
    .await;
    assert_eq!(made.status(), 201);
    let invite: Value = made.json().await.unwrap();
    let code = invite["code"].as_str().unwrap().to_owned();
    assert!(code.len() >= 20, "hard to guess: {code}");
    assert_eq!(
        (invite["max_uses"].clone(), invite["uses"].clone()),
        (json!(3), json!(0))
    );
    assert!(invite["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/register?invite={code}")));
    let default: Value = post(&app, &ana_token, "/api/admin/invites", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(default["max_uses"], 1);
    for bad in [
        json!({"max_uses": 0}),
        json!({"expires_in_hours": 0}),
        json!({"max_uses": "many"}),
    ] {
        let refused = post(&app, &ana_token, "/api/admin/invites", bad.clone()).await;
        assert!([400, 422].contains(&refused.status().as_u16()), "{bad}");
    }
    let list: Value = get(&app, &ana_token, "/api/admin/invites")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["invites"].as_array().unwrap().len(), 2);
    let path = format!("/api/admin/invites/{code}");
    let gone = app
        .client
        .delete(app.at(&path))
        .bearer_auth(&ana_token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 204);
    let again = app
        .client
        .delete(app.at(&path))
        .bearer_auth(&ana_token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
    let list: Value = get(&app, &ana_token, "/api/admin/invites")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["invites"].as_array().unwrap().len(), 1);
}

async fn sign_up_needs_a_valid_invitation(app: TestApp) {
    let first = sign_up(&app, "Ana", None).await;
    assert_eq!(first.status(), 201, "the first account needs no invitation");
    let ana_token = first.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    for (name, code) in [("Bob", None), ("Bob", Some("made-up-code"))] {
        let refused = sign_up(&app, name, code).await;
        assert_eq!(refused.status(), 403, "{code:?}");
        assert_eq!(error_of(refused).await.code, "forbidden");
    }
    let invite: Value = post(
        &app,
        &ana_token,
        "/api/admin/invites",
        json!({"max_uses": 1}),
    )
    .await
    .json()
    .await
    .unwrap();
    let code = invite["code"].as_str().unwrap();
    assert_eq!(sign_up(&app, "Bob", Some(code)).await.status(), 201);
    let used_up = sign_up(&app, "Carol", Some(code)).await;
    assert_eq!(used_up.status(), 403, "used up");
    // A sign-up refused for another reason does not spend the invitation.
    let two: Value = post(
        &app,
        &ana_token,
        "/api/admin/invites",
        json!({"max_uses": 1}),
    )
    .await
    .json()
    .await
    .unwrap();
    let two = two["code"].as_str().unwrap();
    assert_eq!(
        sign_up(&app, "Bob", Some(two)).await.status(),
        409,
        "email taken"
    );
    assert_eq!(sign_up(&app, "Carol", Some(two)).await.status(), 201);
    // An expired one.
    app.db()
        .create_invite(
            &InviteRow {
                code: "expired-code".into(),
                created_by: UserId(1),
                max_uses: 5,
                uses: 0,
                expires_at: Timestamp(chrono::Utc::now().timestamp_millis() - 1000),
            },
            Timestamp(chrono::Utc::now().timestamp_millis() - 10_000),
        )
        .await
        .unwrap();
    assert_eq!(
        sign_up(&app, "Dave", Some("expired-code")).await.status(),
        403
    );
    let list: Value = get(&app, &ana_token, "/api/admin/users")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["users"].as_array().unwrap().len(),
        3,
        "Ana, Bob, Carol"
    );
}

async fn a_closed_server_takes_only_its_first_account(app: TestApp) {
    let first = sign_up(&app, "Ana", None).await;
    assert_eq!(first.status(), 201);
    let ana_token = first.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let invite: Value = post(&app, &ana_token, "/api/admin/invites", json!({}))
        .await
        .json()
        .await
        .unwrap();
    for code in [None, invite["code"].as_str()] {
        let refused = sign_up(&app, "Bob", code).await;
        assert_eq!(refused.status(), 403);
    }
}

/// A database made by the last release (migration 0001 only) with people and messages in it
/// upgrades: its first account becomes the admin, and nothing is lost.
async fn upgrade_keeps_data(backend: Backend) {
    let seed = [
        "INSERT INTO users (id, email, email_key, display_name, name_key, password_hash, created_at)
         VALUES (1, 'Ana@example.com', 'ana@example.com', 'Ana', 'ana', 'x', CREATED)",
        "INSERT INTO users (id, email, email_key, display_name, name_key, password_hash, created_at)
         VALUES (2, 'bob@example.com', 'bob@example.com', 'Bob', 'bob', 'x', CREATED)",
        "INSERT INTO conversations (id, kind, direct_low, direct_high, last_seq, created_at, updated_at)
         VALUES ('0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11', 'direct', 1, 2, 1, CREATED, CREATED)",
        "INSERT INTO user_conversations (conversation_id, user_id, joined_at)
         VALUES ('0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11', 1, CREATED), ('0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11', 2, CREATED)",
        "INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, text, created_at)
         VALUES ('6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d10', '0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11', 1, 1,
                 '6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d11', 'from the last release', CREATED)",
    ];
    let seed = seed.map(str::to_owned);
    let database = crate::released::database_at(backend, 1, &seed).await;
    let store = server::db::connect(&database.url).await.expect("upgrades");
    let accounts = store.accounts().await.unwrap();
    assert_eq!(
        accounts
            .iter()
            .map(|a| (a.email.as_str(), a.admin, a.disabled))
            .collect::<Vec<_>>(),
        vec![
            ("Ana@example.com", true, false),
            ("bob@example.com", false, false)
        ]
    );
    let conversation =
        shared::ConversationId("0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11".parse().unwrap());
    let kept = store
        .message_at(conversation, 1)
        .await
        .unwrap()
        .expect("the message");
    assert_eq!(kept.text, "from the last release");
    let view = store
        .conversation(conversation, UserId(2))
        .await
        .unwrap()
        .expect("Bob's view");
    assert_eq!(view.unread_count, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_keeps_data_on_sqlite() {
    upgrade_keeps_data(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_keeps_data_on_postgres() {
    upgrade_keeps_data(Backend::Postgres).await
}

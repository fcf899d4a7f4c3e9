//! Limits on guessing and on sign-ups: the counters in the database (both backends), sign-in
//! guesses sent in parallel, client addresses behind a proxy, sign-ups per address, guesses at
//! the current password, and two servers on one database sharing the limits.

use crate::auth::{login, register};
use crate::helpers::{both, error_of, spawn_app, spawn_app_with, Backend, TestApp};
use crate::storage::{store, Fixture};
use reqwest::StatusCode;
use serde_json::json;
use server::db::Attempt;
use shared::Timestamp;

both!(store =>
    attempts_are_counted_in_fixed_windows,
    attempts_sent_together_never_pass_the_limit,
);

both!(spawn_app =>
    parallel_wrong_sign_ins_are_checked_at_most_ten_times,
    guesses_at_the_current_password_share_the_accounts_limit,
);

both!(spawn_behind_a_proxy =>
    a_forged_forwarded_for_cannot_dodge_the_address_limit,
);

both!(spawn_with_few_sign_ups =>
    sign_ups_are_limited_per_address,
);

const MINUTE: i64 = 60_000;

async fn attempts_are_counted_in_fixed_windows(f: Fixture) {
    let db = &f.db;
    let at = |ms: i64| Timestamp(1_800_000_000_000 + ms);
    let count = |key: &'static str, now: Timestamp| db.count_attempt(key, 3, 15 * MINUTE, now);
    let window_end = at(15 * MINUTE);
    for minute in 0..3 {
        assert_eq!(
            count("ip:10.0.0.1", at(minute * MINUTE)).await.unwrap(),
            Attempt::Counted { window_end },
            "a window starts at the first attempt and stays put"
        );
    }
    assert_eq!(
        count("ip:10.0.0.1", at(5 * MINUTE)).await.unwrap(),
        Attempt::Refused { window_end }
    );
    assert!(
        matches!(
            count("ip:10.0.0.2", at(5 * MINUTE)).await.unwrap(),
            Attempt::Counted { .. }
        ),
        "keys are counted apart"
    );
    // A refund gives back one attempt of that window only.
    db.refund_attempt("ip:10.0.0.1", at(0)).await.unwrap();
    assert!(matches!(
        count("ip:10.0.0.1", at(6 * MINUTE)).await.unwrap(),
        Attempt::Refused { .. }
    ));
    db.refund_attempt("ip:10.0.0.1", window_end).await.unwrap();
    assert!(matches!(
        count("ip:10.0.0.1", at(6 * MINUTE)).await.unwrap(),
        Attempt::Counted { .. }
    ));
    assert!(matches!(
        count("ip:10.0.0.1", at(6 * MINUTE)).await.unwrap(),
        Attempt::Refused { .. }
    ));
    // The window ends by itself, and the next one starts from zero.
    let next_end = at(30 * MINUTE);
    assert_eq!(
        count("ip:10.0.0.1", window_end).await.unwrap(),
        Attempt::Counted {
            window_end: next_end
        }
    );
    // Clearing forgets the key.
    for _ in 0..2 {
        count("acct:ana", at(0)).await.unwrap();
    }
    db.clear_attempts("acct:ana").await.unwrap();
    for _ in 0..3 {
        assert!(matches!(
            count("acct:ana", at(MINUTE)).await.unwrap(),
            Attempt::Counted { .. }
        ));
    }
    // Sweeping deletes the windows that have ended, and only those.
    // (acct:ana's window ended at 16 minutes, ip:10.0.0.2's at 20, ip:10.0.0.1's ends at 30.)
    assert_eq!(db.sweep_attempts(at(20 * MINUTE)).await.unwrap(), 2);
    assert_eq!(
        count("ip:10.0.0.1", at(21 * MINUTE)).await.unwrap(),
        Attempt::Counted {
            window_end: next_end
        },
        "the current window was kept"
    );
}

async fn attempts_sent_together_never_pass_the_limit(f: Fixture) {
    let now = Timestamp(chrono::Utc::now().timestamp_millis());
    let tries = (0..30).map(|_| {
        let db = f.db.clone();
        tokio::spawn(async move { db.count_attempt("acct:x", 10, 15 * MINUTE, now).await })
    });
    let mut counted = 0;
    for attempt in futures_util::future::join_all(tries).await {
        if matches!(attempt.unwrap().unwrap(), Attempt::Counted { .. }) {
            counted += 1;
        }
    }
    assert_eq!(counted, 10);
}

/// Thirty wrong guesses at once: the limit is reserved before the slow password check, so at
/// most ten are checked; the rest are told when to come back.
async fn parallel_wrong_sign_ins_are_checked_at_most_ten_times(app: TestApp) {
    register(&app, "Ana", "ana@example.com").await;
    let passwords: Vec<String> = (0..30).map(|i| format!("guess number {i}")).collect();
    let guesses = passwords.iter().map(|p| login(&app, "ana@example.com", p));
    let mut checked = 0;
    for response in futures_util::future::join_all(guesses).await {
        match response.status() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                let retry: u64 = response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((1..=900).contains(&retry), "{retry}");
                assert_eq!(error_of(response).await.code, "rate_limited");
            }
            other => panic!("{other}"),
        }
    }
    assert!(
        (1..=10).contains(&checked),
        "{checked} guesses were checked"
    );
    // One at a time, the account takes exactly the rest of its ten.
    while login(&app, "ana@example.com", "one more guess")
        .await
        .status()
        == StatusCode::UNAUTHORIZED
    {
        checked += 1;
    }
    assert_eq!(checked, 10);
    assert_eq!(
        login(&app, "ana@example.com", "correct horse battery")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS,
        "not even the right password is checked now"
    );
    // The page's sign-in (a server function) is the same limit, with the same answer.
    let page = app
        .client
        .post(app.at("/api/fn/login"))
        .json(&json!({"email": "ana@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers().contains_key("retry-after"));
}

async fn spawn_behind_a_proxy(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| s.trust_proxy = 1).await
}

/// Behind one proxy the client is the entry the proxy appended (the rightmost), whatever the
/// client wrote to the left of it.
async fn a_forged_forwarded_for_cannot_dodge_the_address_limit(app: TestApp) {
    let sign_in = |forwarded_for: String, email: String| {
        app.client
            .post(app.at("/api/auth/login"))
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({"email": email, "password": "a guess at it"}))
            .send()
    };
    for i in 0..20 {
        let response = sign_in(
            format!("10.9.8.{i}, 203.0.113.7"),
            format!("p{i}@example.com"),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let forged = sign_in("10.9.9.9, 203.0.113.7".into(), "new@example.com".into())
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);
    // The address counted is the one the proxy saw, not the proxy's own (the socket's peer).
    let someone_else = sign_in("198.51.100.9".into(), "new@example.com".into())
        .await
        .unwrap();
    assert_eq!(someone_else.status(), StatusCode::UNAUTHORIZED);
}

async fn spawn_with_few_sign_ups(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| s.signups_per_hour = 3).await
}

async fn sign_ups_are_limited_per_address(app: TestApp) {
    let sign_up = |name: &'static str, password: &'static str| {
        app.client
            .post(app.at("/api/auth/register"))
            .json(&json!({
                "display_name": name,
                "email": format!("{}@example.com", name.to_lowercase()),
                "password": password,
            }))
            .send()
    };
    // Refused sign-ups cost no hash and count for nothing.
    for _ in 0..5 {
        let refused = sign_up("Short", "short").await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    for name in ["Ana", "Bob", "Cy"] {
        let response = sign_up(name, "correct horse battery").await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
    }
    let limited = sign_up("Dee", "correct horse battery").await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3000..=3600).contains(&retry), "about an hour: {retry}");
    assert_eq!(error_of(limited).await.code, "rate_limited");
    assert_eq!(
        login(&app, "dee@example.com", "correct horse battery")
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "no account was made"
    );
}

/// Wrong current passwords at `PATCH /api/me` count against the account like wrong sign-ins:
/// a stolen session cannot be used to guess the password at leisure.
async fn guesses_at_the_current_password_share_the_accounts_limit(app: TestApp) {
    let (_, token) = register(&app, "Ana", "ana@example.com").await;
    let change = |current: &'static str| {
        app.client
            .patch(app.at("/api/me"))
            .bearer_auth(&token)
            .json(&json!({"password": {"current": current, "new": "a brand new passphrase"}}))
            .send()
    };
    for _ in 0..5 {
        let wrong = login(&app, "ana@example.com", "a guess").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    for _ in 0..5 {
        let wrong = change("a guess").await.unwrap();
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let fields = error_of(wrong).await.fields.unwrap();
        assert!(fields.contains_key("password.current"), "{fields:?}");
    }
    let limited = change("correct horse battery").await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(error_of(limited).await.code, "rate_limited");
    assert_eq!(
        login(&app, "ana@example.com", "correct horse battery")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let me = crate::auth::me(&app, &token).await;
    assert_eq!(me.status(), StatusCode::OK, "the password was not changed");
}

/// Two servers on one PostgreSQL database count the same guesses, whichever one they reach.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_share_the_limits() {
    let first = spawn_app(Backend::Postgres).await;
    let second = first.twin().await;
    register(&first, "Ana", "ana@example.com").await;
    for i in 0..10 {
        let server = if i % 2 == 0 { &first } else { &second };
        let wrong = login(server, "ana@example.com", "a guess").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    for server in [&first, &second] {
        let limited = login(server, "ana@example.com", "correct horse battery").await;
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}

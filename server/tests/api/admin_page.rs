//! The admin page and the sign-up page as a browser without the WASM sees them: plain pages and
//! plain form posts. (Chromium drives the same in `end2end/tests/admin.spec.ts`.)

use crate::admin::{closed, invite_only};
use crate::auth::{me, register};
use crate::conversations::get;
use crate::helpers::{both, spawn_app, TestApp};
use serde_json::Value;

both!(spawn_app =>
    the_admin_page_is_for_admins_only,
    admins_invite_and_disable_with_plain_forms,
);
both!(invite_only => the_sign_up_page_says_an_invitation_is_needed);
both!(closed => the_sign_up_page_says_sign_up_is_closed);

/// Posts a form from the admin page the way a browser without the WASM does; returns where the
/// browser is sent next.
async fn post_form(app: &TestApp, token: &str, function: &str, body: String) -> String {
    let posted = app
        .client
        .post(app.at(&format!("/api/fn/{function}")))
        .header("cookie", format!("letuschat_session={token}"))
        .header("accept", "text/html")
        .header("referer", app.at("/admin"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 302, "{function}");
    posted.headers()["location"].to_str().unwrap().to_owned()
}

async fn html(app: &TestApp, location: &str, token: &str) -> String {
    let path = location.strip_prefix(&app.at("")).unwrap_or(location);
    let response = app.page(path, Some(token)).await;
    assert_eq!(response.status(), 200, "{location}");
    response.text().await.unwrap()
}

async fn invites(app: &TestApp, token: &str) -> Vec<Value> {
    let list: Value = get(app, token, "/api/admin/invites")
        .await
        .json()
        .await
        .unwrap();
    list["invites"].as_array().unwrap().clone()
}

async fn the_admin_page_is_for_admins_only(app: TestApp) {
    let (_, ana) = register(&app, "Ana", "ana@example.com").await;
    let (_, bob) = register(&app, "Bob", "bob@example.com").await;

    let signed_out = app.page("/admin", None).await;
    assert_eq!(signed_out.status(), 302);
    assert_eq!(signed_out.headers()["location"], "/login");

    let refused = app.page("/admin", Some(&bob)).await;
    assert_eq!(refused.status(), 404, "as if there were no such page");
    assert!(refused.text().await.unwrap().contains("Page not found"));
    // The link to it is in the chat of admins only.
    let chat = |token: String| {
        let app = &app;
        async move { html(app, "/", &token).await }
    };
    assert!(chat(ana.clone()).await.contains(r#"href="/admin""#));
    assert!(!chat(bob.clone()).await.contains(r#"href="/admin""#));

    let admin = html(&app, "/admin", &ana).await;
    for part in [
        "<h1>Admin</h1>",
        "Create invite link",
        r#"aria-label="People""#,
        "ana@example.com",
        "bob@example.com",
        r#"aria-label="Disable Bob""#,
        "Anyone can sign up.",
    ] {
        assert!(admin.contains(part), "missing {part} in {admin}");
    }
    assert!(
        !admin.contains("Disable Ana"),
        "no button to disable oneself"
    );
    assert!(
        !admin.contains("hydrate") && !admin.contains(".wasm"),
        "the admin page loads no WASM: {admin}"
    );
    assert!(admin.contains("stylesheet"), "but it has the styles");

    // Bob's forms are refused and change nothing.
    let location = post_form(
        &app,
        &bob,
        "admin_create_invite",
        "max_uses=1&expires_in_hours=1".into(),
    )
    .await;
    assert!(location.contains("__err="), "{location}");
    assert!(invites(&app, &ana).await.is_empty());
    post_form(
        &app,
        &bob,
        "admin_set_disabled",
        "user_id=1&disabled=true".into(),
    )
    .await;
    assert_eq!(me(&app, &ana).await.status(), 200, "Ana is still in");
}

async fn admins_invite_and_disable_with_plain_forms(app: TestApp) {
    let (_, ana) = register(&app, "Ana", "ana@example.com").await;
    let (bob, bob_token) = register(&app, "Bob", "bob@example.com").await;

    let back = post_form(
        &app,
        &ana,
        "admin_create_invite",
        "max_uses=2&expires_in_hours=24".into(),
    )
    .await;
    assert_eq!(
        back.trim_end_matches('?'),
        app.at("/admin"),
        "a success goes back to the page"
    );
    let created = invites(&app, &ana).await;
    assert_eq!(created.len(), 1);
    assert_eq!(
        (created[0]["max_uses"].as_i64(), created[0]["uses"].as_i64()),
        (Some(2), Some(0))
    );
    let code = created[0]["code"].as_str().unwrap().to_owned();
    let admin = html(&app, &back, &ana).await;
    assert!(
        admin.contains(&format!("/register?invite={code}")),
        "{admin}"
    );
    assert!(admin.contains("0 of 2"));

    // Refusals come back to the page with the server's sentence, and change nothing.
    let location = post_form(
        &app,
        &ana,
        "admin_create_invite",
        "max_uses=0&expires_in_hours=24".into(),
    )
    .await;
    assert!(html(&app, &location, &ana)
        .await
        .contains("Use a number from 1 to 1000."));
    let location = post_form(
        &app,
        &ana,
        "admin_set_disabled",
        "user_id=1&disabled=true".into(),
    )
    .await;
    assert!(html(&app, &location, &ana)
        .await
        .contains("You cannot disable your own account."));
    assert_eq!(invites(&app, &ana).await.len(), 1);

    let bob_id = bob["id"].as_i64().unwrap();
    post_form(
        &app,
        &ana,
        "admin_set_disabled",
        format!("user_id={bob_id}&disabled=true"),
    )
    .await;
    assert_eq!(
        me(&app, &bob_token).await.status(),
        401,
        "Bob's session ended"
    );
    let admin = html(&app, "/admin", &ana).await;
    assert!(admin.contains(r#"aria-label="Enable Bob""#) && admin.contains("Disabled"));
    post_form(
        &app,
        &ana,
        "admin_set_disabled",
        format!("user_id={bob_id}&disabled=false"),
    )
    .await;
    assert!(html(&app, "/admin", &ana)
        .await
        .contains(r#"aria-label="Disable Bob""#));

    post_form(&app, &ana, "admin_withdraw_invite", format!("code={code}")).await;
    assert!(invites(&app, &ana).await.is_empty());
    let location = post_form(&app, &ana, "admin_withdraw_invite", format!("code={code}")).await;
    assert!(
        location.contains("__err="),
        "withdrawing it again: {location}"
    );
}

async fn the_sign_up_page_says_an_invitation_is_needed(app: TestApp) {
    // An empty server takes its first account without one.
    let first = app.page("/register", None).await;
    assert_eq!(first.status(), 200);
    assert!(first.text().await.unwrap().contains(r#"name="password""#));
    let stale = app.page("/register?invitation=needed", None).await;
    assert_eq!(stale.headers()["location"], "/register");

    let (_, ana) = register(&app, "Ana", "ana@example.com").await;
    let sent = app.page("/register", None).await;
    assert_eq!(sent.status(), 303);
    assert_eq!(sent.headers()["location"], "/register?invitation=needed");
    let notice = app
        .page("/register?invitation=needed", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        notice.contains("Sign-up on this server needs an invitation."),
        "{notice}"
    );
    assert!(
        !notice.contains(r#"name="password""#),
        "no form to fill in for nothing"
    );

    post_form(
        &app,
        &ana,
        "admin_create_invite",
        "max_uses=1&expires_in_hours=24".into(),
    )
    .await;
    let code = invites(&app, &ana).await[0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let invited = app.page(&format!("/register?invite={code}"), None).await;
    assert_eq!(invited.status(), 200);
    let invited = invited.text().await.unwrap();
    assert!(
        invited.contains(&format!(r#"name="invite" value="{code}""#)),
        "{invited}"
    );
    assert!(invited.contains("You have been invited"));

    // The form as a browser without the WASM posts it.
    let posted = app
        .client
        .post(app.at("/api/fn/register"))
        .header("accept", "text/html")
        .header("referer", app.at(&format!("/register?invite={code}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "display_name=Bob&email=bob%40example.com&password=correct+horse+battery&invite={code}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 302);
    assert_eq!(posted.headers()["location"], "/");
    assert!(
        posted.headers().get("set-cookie").is_some(),
        "Bob is signed in"
    );
    assert_eq!(invites(&app, &ana).await[0]["uses"], 1);
}

async fn the_sign_up_page_says_sign_up_is_closed(app: TestApp) {
    assert_eq!(app.page("/register", None).await.status(), 200);
    register(&app, "Ana", "ana@example.com").await;
    for path in ["/register", "/register?invite=anything"] {
        let sent = app.page(path, None).await;
        assert_eq!(
            sent.headers()["location"],
            "/register?invitation=closed",
            "{path}"
        );
    }
    let notice = app
        .page("/register?invitation=closed", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        notice.contains("Sign-up is closed on this server."),
        "{notice}"
    );
}

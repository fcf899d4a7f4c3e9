//! A URL per conversation: `/c/{id}` renders the chat with that conversation open, for its
//! members; to anyone else it is the same 404 page as an unknown conversation.

use crate::conversations::{person, start};
use crate::helpers::{both, spawn_app, TestApp};
use uuid::Uuid;

both!(spawn_app => a_conversation_has_an_address_of_its_own);

async fn a_conversation_has_an_address_of_its_own(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, _) = person(&app, "Bob").await;
    let (cy_id, cy) = person(&app, "Cy").await;
    let trio = start(&app, &ana, &[bob_id, cy_id], Some("Trio")).await;
    let direct = start(&app, &ana, &[bob_id], None).await;
    let path = format!("/c/{direct}");

    let open = app.page(&path, Some(&ana)).await;
    assert_eq!(open.status(), 200);
    let html = open.text().await.unwrap();
    // The header names the open conversation (Bob), where "/" asks to choose one.
    assert!(html.contains(r#"class="frame has-open""#), "{html}");
    assert!(!html.contains("Select a conversation"));
    assert!(
        html.contains(r#"<span class="chat-name">Bob</span>"#),
        "{html}"
    );
    let home = app.page("/", Some(&ana)).await.text().await.unwrap();
    assert!(home.contains("Select a conversation"));

    // Not a member, unknown, or not a conversation id at all: one and the same 404 page.
    for (path, token) in [
        (path.clone(), &cy),
        (format!("/c/{}", Uuid::new_v4()), &ana),
        ("/c/not-an-id".to_owned(), &ana),
    ] {
        let refused = app.page(&path, Some(token)).await;
        assert_eq!(refused.status(), 404, "{path}");
        assert!(refused.text().await.unwrap().contains("Page not found"));
    }
    let member = app.page(&format!("/c/{trio}"), Some(&cy)).await;
    assert_eq!(member.status(), 200, "Cy is in the group");

    let signed_out = app.page(&path, None).await;
    assert_eq!(signed_out.status(), 302);
    assert_eq!(signed_out.headers()["location"], "/login");
}

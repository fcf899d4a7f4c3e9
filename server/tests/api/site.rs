use crate::helpers::{both, spawn_app, TestApp};

both!(spawn_app => the_page_is_rendered_on_the_server, unknown_pages_are_404_pages);

async fn the_page_is_rendered_on_the_server(app: TestApp) {
    let response = app.get("/").await;
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
        r#"aria-label="Attach image""#,
    ] {
        assert!(html.contains(label), "missing {label}");
    }
    assert!(html.contains(r#"role="log""#));
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

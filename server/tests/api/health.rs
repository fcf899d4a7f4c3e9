use crate::helpers::{both, error_of, spawn_app, TestApp};

both!(spawn_app => healthz_answers_while_the_process_runs, readyz_reports_the_database, unknown_api_paths_are_json_404s, wrong_methods_are_json_405s, data_survives_a_restart);

async fn healthz_answers_while_the_process_runs(app: TestApp) {
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

async fn readyz_reports_the_database(app: TestApp) {
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    let expected = match app.backend {
        crate::helpers::Backend::Sqlite => "sqlite",
        crate::helpers::Backend::Postgres => "postgres",
    };
    assert_eq!(body["database"], expected);
}

async fn unknown_api_paths_are_json_404s(app: TestApp) {
    for path in ["/api", "/api/", "/api/nope", "/api/conversations/x/y/z"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(error_of(response).await.code, "not_found", "{path}");
    }
    let response = app
        .client
        .post(app.at("/api/nope"))
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(error_of(response).await.code, "not_found");
}

async fn wrong_methods_are_json_405s(app: TestApp) {
    let response = app.client.post(app.at("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(error_of(response).await.code, "method_not_allowed");
}

async fn data_survives_a_restart(mut app: TestApp) {
    let user = app
        .db()
        .create_user(crate::storage::new_user("keep@example.com", "Keeper"))
        .await
        .unwrap();
    app.restart().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    let found = app
        .db()
        .user_by_email("keep@example.com")
        .await
        .unwrap()
        .expect("user kept");
    assert_eq!(found.id, user.id);
}

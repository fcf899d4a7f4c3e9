//! Files in messages: uploaded with `POST /api/files`, sent over HTTP and the WebSocket, read on
//! every path, downloaded only by those who may see them, and gone with their message.

use crate::conversations::{get, person, post, start};
use crate::edits::{changed_after, delete, history, message_path, patch};
use crate::helpers::{both, error_of, spawn_app, TestApp};
use crate::uploads::{fetch, stored_files};
use crate::ws_client::connect;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::ws::{ClientMsg, ServerMsg};
use shared::ConversationId;
use uuid::Uuid;

both!(spawn_app =>
    a_file_sent_over_http_reaches_history_and_the_members_live,
    a_file_sent_over_the_websocket_is_acked_and_delivered,
    only_who_may_see_a_file_downloads_it,
    a_message_carries_only_its_senders_file_and_not_an_image_too,
    deleting_the_message_deletes_its_file,
    the_sweep_keeps_sent_files_and_takes_unsent_ones,
);

/// A multipart body as a browser makes it: the name raw UTF-8, with `"`, CR and LF written as
/// `%22`, `%0D` and `%0A` (pass `name_as_sent` already written so).
pub async fn upload(
    app: &TestApp,
    token: &str,
    name_as_sent: &str,
    declared: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let boundary = "----letuschatTestBoundary7MA4YWxk";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name_as_sent}\"\r\nContent-Type: {declared}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.client
        .post(app.at("/api/files"))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Uploads `bytes` as `name`; returns the `{url, name, content_type, bytes}` answered.
pub async fn upload_ok(app: &TestApp, token: &str, name: &str, bytes: &[u8]) -> Value {
    let response = upload(app, token, name, "application/octet-stream", bytes).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

pub async fn send_file(
    app: &TestApp,
    token: &str,
    conversation: &str,
    body: Value,
) -> reqwest::Response {
    let mut body = body;
    body["client_id"] = json!(Uuid::new_v4());
    post(
        app,
        token,
        &format!("/api/conversations/{conversation}/messages"),
        body,
    )
    .await
}

/// The headers every download of a file carries; `name` in both forms of its disposition.
pub fn assert_download_headers(response: &reqwest::Response, content_type: &str, fallback: &str) {
    let headers = response.headers();
    assert_eq!(headers["content-type"], content_type);
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with(&format!(
            "attachment; filename=\"{fallback}\"; filename*=UTF-8''"
        )),
        "{disposition}"
    );
    let cache = headers["cache-control"].to_str().unwrap();
    assert!(
        cache.starts_with("private") && !cache.contains("public"),
        "{cache}"
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("sandbox"),
        "{csp}"
    );
}

async fn a_file_sent_over_http_reaches_history_and_the_members_live(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let before = crate::conversations::say(&app, &ana, &c, "the report follows").await;
    assert_eq!(before["file"], Value::Null, "present and null: {before}");
    let mut bob_ws = connect(&app, &bob).await;

    let text = b"quarterly numbers\n1,2,3\n";
    let file = upload_ok(&app, &ana, "report.csv", text).await;
    assert_eq!(file["name"], "report.csv");
    assert_eq!(file["content_type"], "text/plain; charset=utf-8");
    assert_eq!(file["bytes"], text.len());
    let url = file["url"].as_str().unwrap();
    assert!(
        url.starts_with("/uploads/") && !url.contains("report"),
        "{url}"
    );

    // A file alone, no text: enough for a message.
    let sent = send_file(&app, &ana, &c, json!({"file": url})).await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let message: Value = sent.json().await.unwrap();
    assert_eq!(message["file"], file);
    assert_eq!(
        (message["text"].as_str(), &message["img"]),
        (Some(""), &Value::Null)
    );
    match bob_ws.next_event().await {
        ServerMsg::Message { message: live } => {
            assert_eq!(serde_json::to_value(&live.file).unwrap(), file)
        }
        other => panic!("{other:?}"),
    }

    // With text too, so search finds it.
    let sent = send_file(
        &app,
        &ana,
        &c,
        json!({"file": url, "text": "quarterly figures"}),
    )
    .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let all = history(&app, &bob, &c).await;
    assert_eq!(all.len(), 3);
    assert_eq!(all[0]["file"], Value::Null);
    assert_eq!((&all[1]["file"], &all[2]["file"]), (&file, &file));
    let changed = changed_after(&app, &bob, &c, 1).await;
    assert_eq!(changed["messages"][0]["file"], file);
    let around: Value = get(
        &app,
        &bob,
        &format!("/api/conversations/{c}/messages?around=2"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(around["messages"][1]["file"], file);
    let found: Value = get(&app, &bob, "/api/search/messages?q=quarterly")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["results"][0]["message"]["file"], file, "{found}");
    let listed: Value = get(&app, &bob, &format!("/api/conversations/{c}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["last_message"]["file"], file);

    let download = fetch(&app, Some(&bob), url).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_download_headers(&download, "text/plain; charset=utf-8", "report.csv");
    assert_eq!(
        download.headers()["content-disposition"],
        "attachment; filename=\"report.csv\"; filename*=UTF-8''report.csv"
    );
    assert_eq!(download.bytes().await.unwrap().as_ref(), text);
}

async fn a_file_sent_over_the_websocket_is_acked_and_delivered(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let file = upload_ok(&app, &ana, "notes.bin", &[0, 1, 2, 3]).await;
    assert_eq!(file["content_type"], "application/octet-stream");
    let (mut ana_ws, mut bob_ws) = (connect(&app, &ana).await, connect(&app, &bob).await);
    let client_id = Uuid::new_v4();
    let frame = ClientMsg::Send {
        client_id,
        conversation_id: ConversationId(c.parse().unwrap()),
        text: None,
        img: None,
        reply_to: None,
        file: Some(file["url"].as_str().unwrap().to_owned()),
    };
    ana_ws.send(&frame).await;
    let acked = match ana_ws.next_event().await {
        ServerMsg::Ack { message, .. } => message,
        other => panic!("{other:?}"),
    };
    assert_eq!(serde_json::to_value(&acked.file).unwrap(), file);
    match bob_ws.next_event().await {
        ServerMsg::Message { message } => assert_eq!(message, acked),
        other => panic!("{other:?}"),
    }
    // Someone else's file over the socket: refused like over HTTP.
    let (_, cy) = person(&app, "Cy").await;
    let theirs = upload_ok(&app, &cy, "cy.txt", b"mine").await;
    let client_id = Uuid::new_v4();
    ana_ws
        .send(&ClientMsg::Send {
            client_id,
            conversation_id: ConversationId(c.parse().unwrap()),
            text: Some("look".into()),
            img: None,
            reply_to: None,
            file: Some(theirs["url"].as_str().unwrap().to_owned()),
        })
        .await;
    match ana_ws.next_event().await {
        ServerMsg::Error {
            code,
            client_id: about,
            ..
        } => {
            assert_eq!(
                (code.as_str(), about),
                ("validation_failed", Some(client_id))
            )
        }
        other => panic!("{other:?}"),
    }
}

async fn only_who_may_see_a_file_downloads_it(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let (_, cy) = person(&app, "Cy").await;
    let file = upload_ok(&app, &ana, "plan.txt", b"the plan").await;
    let url = file["url"].as_str().unwrap();
    assert_eq!(fetch(&app, Some(&ana), url).await.status(), StatusCode::OK);
    let early = fetch(&app, Some(&bob), url).await;
    assert_eq!(early.status(), StatusCode::NOT_FOUND, "not sent yet");
    let c = start(&app, &ana, &[bob_id], None).await;
    let sent = send_file(&app, &ana, &c, json!({"file": url})).await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    assert_eq!(fetch(&app, Some(&bob), url).await.status(), StatusCode::OK);
    for (who, token) in [("a stranger", Some(cy.as_str())), ("signed out", None)] {
        let response = fetch(&app, token, url).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{who}");
        assert_eq!(error_of(response).await.code, "not_found");
    }
    let head = app
        .client
        .head(app.at(url))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_download_headers(&head, "text/plain; charset=utf-8", "plan.txt");
}

async fn a_message_carries_only_its_senders_file_and_not_an_image_too(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let mine = upload_ok(&app, &ana, "a.txt", b"a").await;
    let theirs = upload_ok(&app, &bob, "b.txt", b"b").await;
    let image = crate::upload_access::upload(&app, &ana).await;
    let cases = [
        (
            "someone else's file",
            json!({"file": theirs["url"], "text": "x"}),
            "file",
        ),
        (
            "an unknown file",
            json!({"file": "/uploads/file-0123456789abcdef"}),
            "file",
        ),
        (
            "not an upload",
            json!({"file": "https://example.com/x.txt"}),
            "file",
        ),
        ("an image as a file", json!({"file": image}), "file"),
        ("a file as an image", json!({"img": mine["url"]}), "img"),
        (
            "an image and a file",
            json!({"img": image, "file": mine["url"]}),
            "file",
        ),
        ("nothing at all", json!({"text": "  "}), "text"),
    ];
    for (case, body, field) in cases {
        let response = send_file(&app, &ana, &c, body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case}"
        );
        let error = error_of(response).await;
        assert_eq!(error.code, "validation_failed", "{case}");
        assert!(error.fields.unwrap().contains_key(field), "{case}");
    }
    assert!(history(&app, &ana, &c).await.is_empty());
}

async fn deleting_the_message_deletes_its_file(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let file = upload_ok(&app, &ana, "gone.txt", b"soon gone").await;
    let url = file["url"].as_str().unwrap();
    let sent = send_file(&app, &ana, &c, json!({"file": url, "text": "see"})).await;
    let message: Value = sent.json().await.unwrap();
    let path = message_path(&c, &message);
    // Blank text is fine while the message keeps its file.
    let edited = patch(&app, &ana, &path, json!({"text": ""})).await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(
        (edited["text"].as_str(), &edited["file"]),
        (Some(""), &file)
    );
    let name = url.trim_start_matches("/uploads/").to_owned();
    assert!(stored_files(&app).contains(&name));

    let mut bob_ws = connect(&app, &bob).await;
    assert_eq!(
        delete(&app, &ana, &path).await.status(),
        StatusCode::NO_CONTENT
    );
    match bob_ws.next_event().await {
        ServerMsg::MessageChanged { message } => {
            assert!(message.deleted && message.file.is_none(), "{message:?}")
        }
        other => panic!("{other:?}"),
    }
    let all = history(&app, &bob, &c).await;
    assert_eq!(
        (&all[0]["file"], &all[0]["deleted"]),
        (&Value::Null, &json!(true))
    );
    for token in [&ana, &bob] {
        assert_eq!(
            fetch(&app, Some(token), url).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    assert!(
        !stored_files(&app).contains(&name),
        "{:?}",
        stored_files(&app)
    );
}

async fn the_sweep_keeps_sent_files_and_takes_unsent_ones(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, _) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    let sent = upload_ok(&app, &ana, "sent.txt", b"kept").await;
    let unsent = upload_ok(&app, &ana, "unsent.txt", b"swept").await;
    let response = send_file(&app, &ana, &c, json!({"file": sent["url"]})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let later = shared::Timestamp(chrono::Utc::now().timestamp_millis() + 60_000);
    let swept = app.db().delete_unused_uploads(later, 100).await.unwrap();
    let name = |file: &Value| file["url"].as_str().unwrap()["/uploads/".len()..].to_owned();
    assert_eq!(swept, [name(&unsent)]);
    // Too late now: the sweep took it.
    let response = send_file(&app, &ana, &c, json!({"file": unsent["url"]})).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

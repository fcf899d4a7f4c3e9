//! Images over HTTP: uploads for messages and avatars, judged by their bytes, bounded in size
//! and pixels, and served as inert data.

use crate::auth::register;
use crate::helpers::{both, error_of, spawn_app, TestApp};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::Value;

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A PNG whose header claims `width` x `height`; only its first bytes are real.
fn bomb_header(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = png(8, 8);
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                0xedb8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub async fn send(
    app: &TestApp,
    token: &str,
    path: &str,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let part = Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(mime)
        .unwrap();
    let request = if path == "/api/me/avatar" {
        app.client.put(app.at(path))
    } else {
        app.client.post(app.at(path))
    };
    request
        .bearer_auth(token)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap_or_else(|e| panic!("sending {name} to {path}: {e:?}"))
}

/// `GET url`, signed in with `token` or not signed in at all.
pub async fn fetch(app: &TestApp, token: Option<&str>, url: &str) -> reqwest::Response {
    let mut request = app.client.get(app.at(url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

pub fn stored_files(app: &TestApp) -> Vec<String> {
    let dir = app.database.dir().join("uploads");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

both!(spawn_app =>
    a_50_mib_body_is_refused_before_it_is_read,
    an_image_is_stored_re_encoded_and_served_as_data,
    an_avatar_is_squared_and_replaces_the_old_one,
    what_is_not_an_image_is_refused_and_nothing_is_written,
    uploads_need_a_session,
);

async fn an_image_is_stored_re_encoded_and_served_as_data(app: TestApp) {
    let (_, token) = register(&app, "Ana", "ana@example.com").await;
    let response = send(
        &app,
        &token,
        "/api/uploads",
        "photo.png",
        "image/png",
        png(64, 32),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["width"].as_u64(), body["height"].as_u64()),
        (Some(64), Some(32))
    );
    assert_eq!(body["content_type"], "image/png");
    let url = body["url"].as_str().unwrap();
    assert!(
        url.starts_with("/uploads/") && !url.contains("photo"),
        "a name the server made: {url}"
    );
    let served = fetch(&app, Some(&token), url).await;
    assert_eq!(served.status(), StatusCode::OK);
    let headers = served.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let cache = headers["cache-control"].to_str().unwrap();
    assert!(
        cache.contains("private") && cache.contains("immutable"),
        "{cache}"
    );
    let bytes = served.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, body["bytes"].as_u64().unwrap());
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 64);
    // The upload is recorded as Ana's: messages may only carry their sender's images.
    let name = url.trim_start_matches("/uploads/");
    assert!(app.db().upload_owner(name).await.unwrap().is_some());
}

async fn an_avatar_is_squared_and_replaces_the_old_one(app: TestApp) {
    let (_, token) = register(&app, "Ana", "ana@example.com").await;
    let first: Value = send(
        &app,
        &token,
        "/api/me/avatar",
        "a.png",
        "image/png",
        png(300, 200),
    )
    .await
    .json()
    .await
    .unwrap();
    let first_url = first["photo_url"].as_str().unwrap().to_owned();
    let served = fetch(&app, Some(&token), &first_url).await;
    let avatar = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!((avatar.width(), avatar.height()), (256, 256));
    let second = send(
        &app,
        &token,
        "/api/me/avatar",
        "b.png",
        "image/png",
        png(50, 80),
    )
    .await;
    assert_eq!(second.status(), StatusCode::OK);
    let second: Value = second.json().await.unwrap();
    assert_ne!(second["photo_url"], first["photo_url"]);
    assert_eq!(
        fetch(&app, Some(&token), &first_url).await.status(),
        StatusCode::NOT_FOUND,
        "the old avatar is removed"
    );
    assert_eq!(stored_files(&app).len(), 1);
    let me: Value = app
        .client
        .get(app.at("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["photo_url"], second["photo_url"]);
}

async fn what_is_not_an_image_is_refused_and_nothing_is_written(app: TestApp) {
    let (_, token) = register(&app, "Ana", "ana@example.com").await;
    let svg =
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
    let html = b"<!doctype html><html><script>alert(1)</script></html>".to_vec();
    let mut truncated = png(64, 64);
    truncated.truncate(truncated.len() / 2);
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode)> = vec![
        (
            "logo.svg",
            "image/svg+xml",
            svg,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "cat.png",
            "image/png",
            html,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "cut.png",
            "image/png",
            truncated,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "huge.png",
            "image/png",
            bomb_header(30_000, 30_000),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (name, mime, bytes, status) in cases {
        for path in ["/api/uploads", "/api/me/avatar"] {
            let response = send(&app, &token, path, name, mime, bytes.clone()).await;
            assert_eq!(response.status(), status, "{name} to {path}");
            let error = error_of(response).await;
            assert!(!error.message.is_empty());
        }
    }
    assert!(
        stored_files(&app).is_empty(),
        "nothing written: {:?}",
        stored_files(&app)
    );
    let me: Value = app
        .client
        .get(app.at("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["photo_url"], Value::Null);
    // No file part at all.
    let empty = app
        .client
        .post(app.at("/api/uploads"))
        .bearer_auth(&token)
        .multipart(Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let not_multipart = app
        .client
        .post(app.at("/api/uploads"))
        .bearer_auth(&token)
        .body("raw")
        .send()
        .await
        .unwrap();
    assert_eq!(not_multipart.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

async fn uploads_need_a_session(app: TestApp) {
    let response = send(
        &app,
        "not-a-token",
        "/api/uploads",
        "a.png",
        "image/png",
        png(4, 4),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(stored_files(&app).is_empty());
    assert_eq!(
        app.get("/uploads/").await.status(),
        StatusCode::NOT_FOUND,
        "no listing"
    );
    assert_eq!(
        app.get("/uploads/missing.png").await.status(),
        StatusCode::NOT_FOUND
    );
}

/// Announces 50 MiB, sends only the head and a few bytes, and still gets its answer: the server
/// refuses from the declared length without waiting for the body.
async fn a_50_mib_body_is_refused_before_it_is_read(app: TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_, token) = register(&app, "Ana", "ana@example.com").await;
    for (method, path) in [("POST", "/api/uploads"), ("PUT", "/api/me/avatar")] {
        let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\n\r\n--x\r\n",
            app.addr,
            50 * 1024 * 1024
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut response = vec![0u8; 4096];
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stream.read(&mut response),
        )
        .await
        .expect("answered without the body")
        .unwrap();
        let text = String::from_utf8_lossy(&response[..read]);
        assert!(text.starts_with("HTTP/1.1 413"), "{path}: {text}");
        assert!(text.contains("payload_too_large"), "{text}");
    }
    assert!(stored_files(&app).is_empty());
}

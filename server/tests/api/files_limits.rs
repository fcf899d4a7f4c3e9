//! What `POST /api/files` takes: at most 25 MiB (refused from the declared length, or while a
//! chunked body streams in, leaving nothing behind), typed by the bytes and not by what the
//! client declares, under the name the person gave it, whatever its characters.

use crate::conversations::{person, start};
use crate::files::{assert_download_headers, send_file, upload, upload_ok};
use crate::helpers::{both, error_of, spawn_app, TestApp};
use crate::uploads::{fetch, png, stored_files};
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MAX: usize = 25 * 1024 * 1024;

both!(spawn_app =>
    a_file_over_25_mib_is_refused_and_nothing_is_stored,
    a_file_of_exactly_25_mib_is_taken,
    the_type_comes_from_the_bytes,
    names_come_back_as_they_were_given,
);

/// Sends `head` and then `body` on a connection of its own; returns the response's start.
async fn raw(app: &TestApp, head: String, body: impl IntoIterator<Item = Vec<u8>>) -> String {
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    for piece in body {
        // The server may answer (and stop reading) before the end.
        if stream.write_all(&piece).await.is_err() {
            break;
        }
    }
    let mut response = vec![0u8; 4096];
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        stream.read(&mut response),
    )
    .await
    .expect("answered")
    .unwrap();
    String::from_utf8_lossy(&response[..read]).into_owned()
}

fn form_head(boundary: &str) -> Vec<u8> {
    format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n"
    )
    .into_bytes()
}

async fn a_file_over_25_mib_is_refused_and_nothing_is_stored(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    // Declared: refused before a byte of the body is sent.
    let head = format!(
        "POST /api/files HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {ana}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\n\r\n",
        app.addr,
        MAX + 64 * 1024 + 1
    );
    let answer = raw(&app, head, []).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("payload_too_large"), "{answer}");

    // A body of a known length, one byte too many.
    let over = vec![7u8; MAX + 1];
    let response = upload(&app, &ana, "big.bin", "application/octet-stream", &over).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let error = error_of(response).await;
    assert!(error.message.contains("25 MiB"), "{}", error.message);
    drop(over);

    // Chunked, no length declared: refused as it streams in.
    let boundary = "xyz";
    let head = format!(
        "POST /api/files HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {ana}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\n\r\n",
        app.addr
    );
    let mut pieces = vec![form_head(boundary)];
    pieces.extend((0..25).map(|_| vec![1u8; 1024 * 1024]));
    pieces.push(vec![1u8]);
    pieces.push(format!("\r\n--{boundary}--\r\n").into_bytes());
    let chunked = pieces.into_iter().map(|piece| {
        let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
        chunk.extend_from_slice(&piece);
        chunk.extend_from_slice(b"\r\n");
        chunk
    });
    let last = std::iter::once(b"0\r\n\r\n".to_vec());
    let answer = raw(&app, head, chunked.chain(last)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        stored_files(&app).is_empty(),
        "nothing stored: {:?}",
        stored_files(&app)
    );
}

async fn a_file_of_exactly_25_mib_is_taken(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let mut bytes = vec![0u8; MAX];
    bytes[MAX - 1] = 9;
    let file = upload_ok(&app, &ana, "exact.bin", &bytes).await;
    assert_eq!(file["bytes"], MAX);
    assert_eq!(file["content_type"], "application/octet-stream");
    let download = fetch(&app, Some(&ana), file["url"].as_str().unwrap()).await;
    assert_eq!(download.status(), StatusCode::OK);
    let got = download.bytes().await.unwrap();
    assert!(got.len() == MAX && got[MAX - 1] == 9);
    assert_eq!(stored_files(&app).len(), 1, "{:?}", stored_files(&app));
}

async fn the_type_comes_from_the_bytes(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let cases: [(&str, &str, Vec<u8>, &str); 5] = [
        (
            "picture.bin",
            "application/octet-stream",
            png(4, 4),
            "image/png",
        ),
        (
            "notes.png",
            "image/png",
            b"just words\n".to_vec(),
            "text/plain; charset=utf-8",
        ),
        (
            "page.txt",
            "text/plain",
            b"%PDF-1.7\n%\xe2\xe3\n".to_vec(),
            "application/pdf",
        ),
        (
            "data.txt",
            "text/plain",
            vec![0, 159, 146, 150],
            "application/octet-stream",
        ),
        (
            "empty.txt",
            "text/plain",
            Vec::new(),
            "application/octet-stream",
        ),
    ];
    for (name, declared, bytes, judged) in cases {
        let response = upload(&app, &ana, name, declared, &bytes).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
        let file: serde_json::Value = response.json().await.unwrap();
        assert_eq!(file["content_type"], judged, "{name}");
        let download = fetch(&app, Some(&ana), file["url"].as_str().unwrap()).await;
        assert_download_headers(&download, judged, name);
        assert_eq!(download.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }
}

/// Percent-decodes the `filename*` of a `Content-Disposition`.
fn encoded_name(disposition: &str) -> String {
    let encoded = disposition.split("filename*=UTF-8''").nth(1).unwrap();
    let mut bytes = Vec::new();
    let mut rest = encoded.as_bytes();
    while let [first, tail @ ..] = rest {
        if *first == b'%' {
            bytes.push(u8::from_str_radix(std::str::from_utf8(&tail[..2]).unwrap(), 16).unwrap());
            rest = &tail[2..];
        } else {
            bytes.push(*first);
            rest = tail;
        }
    }
    String::from_utf8(bytes).unwrap()
}

async fn names_come_back_as_they_were_given(app: TestApp) {
    let (_, ana) = person(&app, "Ana").await;
    let (bob_id, bob) = person(&app, "Bob").await;
    let c = start(&app, &ana, &[bob_id], None).await;
    // (as a browser sends it, the name, the fallback for old clients)
    let cases = [
        ("a%22b.txt", "a\"b.txt", "a_b.txt"),
        (
            "reports/2026/q1.txt",
            "reports/2026/q1.txt",
            "reports_2026_q1.txt",
        ),
        ("back\\slash.txt", "back\\slash.txt", "back_slash.txt"),
        ("two%0D%0Alines.txt", "two\r\nlines.txt", "two__lines.txt"),
        ("تقرير مالي.txt", "تقرير مالي.txt", "_____ ____.txt"),
        ("\u{202e}txt.exe", "\u{202e}txt.exe", "_txt.exe"),
        ("party 🎉.txt", "party 🎉.txt", "party _.txt"),
        ("", "file", "file"),
    ];
    for (sent, name, fallback) in cases {
        let file = upload_ok(&app, &ana, sent, b"x").await;
        assert_eq!(file["name"], name, "{sent}");
        let message = send_file(&app, &ana, &c, json!({"file": file["url"]})).await;
        let message: serde_json::Value = message.json().await.unwrap();
        assert_eq!(message["file"]["name"], name);
        let download = fetch(&app, Some(&bob), file["url"].as_str().unwrap()).await;
        assert_download_headers(&download, "text/plain; charset=utf-8", fallback);
        let disposition = download.headers()["content-disposition"].to_str().unwrap();
        assert_eq!(encoded_name(disposition), name, "{disposition}");
    }
    let long = format!("{}.txt", "n".repeat(300));
    let file = upload_ok(&app, &ana, &long, b"x").await;
    let kept = file["name"].as_str().unwrap();
    assert!(
        kept.chars().count() == 255 && kept.ends_with("n.txt"),
        "{kept}"
    );
}

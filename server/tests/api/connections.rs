//! The server's connections: clients that hold one without finishing a request are let go after
//! the header timeout (one second here), while requests, kept-alive connections in use and
//! WebSockets go on as usual; and a stop lets the request in flight finish.

use crate::conversations::person;
use crate::helpers::{both, spawn_app_with, Backend, TestApp};
use crate::ws_client::connect;
use shared::ws::{ClientMsg, ServerMsg};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn spawn_impatient_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |settings| {
        settings.header_timeout = Duration::from_secs(1)
    })
    .await
}

both!(spawn_impatient_app =>
    a_connection_that_sends_nothing_is_closed,
    a_request_with_unfinished_headers_is_closed,
    an_idle_kept_alive_connection_is_closed,
    requests_and_websockets_outlive_the_header_timeout,
    a_request_in_flight_when_the_server_stops_is_answered,
);

/// Reads until the server closes the connection; what it sent before closing. Fails the test
/// if the connection is still open long after the timeout (so that it cannot hang).
async fn read_until_closed(tcp: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(30), async {
        let mut buf = [0u8; 4096];
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server kept the connection open");
    received
}

async fn a_connection_that_sends_nothing_is_closed(app: TestApp) {
    let mut tcp = TcpStream::connect(app.addr).await.unwrap();
    read_until_closed(&mut tcp).await;
    assert_eq!(app.get("/healthz").await.status(), 200, "others are served");
}

async fn a_request_with_unfinished_headers_is_closed(app: TestApp) {
    let mut tcp = TcpStream::connect(app.addr).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let answer = read_until_closed(&mut tcp).await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "the request was never answered"
    );
}

async fn an_idle_kept_alive_connection_is_closed(app: TestApp) {
    let mut tcp = TcpStream::connect(app.addr).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut tcp).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert_eq!(answer.matches("HTTP/1.1").count(), 1, "{answer}");
}

async fn requests_and_websockets_outlive_the_header_timeout(app: TestApp) {
    // Several requests on one kept-alive connection, each sent in time.
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let response = client.get(app.at("/healthz")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // An upgraded connection is no longer waiting for headers.
    let (_, token) = person(&app, "Ana").await;
    let mut ws = connect(&app, &token).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    ws.send(&ClientMsg::Ping).await;
    assert_eq!(ws.next_event().await, ServerMsg::Pong);
}

async fn a_request_in_flight_when_the_server_stops_is_answered(mut app: TestApp) {
    let body = br#"{"email":"nobody@example.com","password":"not a password"}"#;
    let mut tcp = TcpStream::connect(app.addr).await.unwrap();
    // With `Expect: 100-continue` the server says when the handler starts reading the body:
    // from then on the request is in flight.
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut interim = Vec::new();
    while !interim.ends_with(b"\r\n\r\n") {
        interim.push(tcp.read_u8().await.unwrap());
    }
    assert!(interim.starts_with(b"HTTP/1.1 100"), "{interim:?}");
    // The server is told to stop, and stops taking new connections; then the body arrives.
    let addr = app.addr;
    let stopped = tokio::spawn(async move {
        app.stop().await;
        app
    });
    while TcpStream::connect(addr).await.is_ok() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tcp.write_all(body).await.unwrap();
    let answer = read_until_closed(&mut tcp).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    stopped.await.unwrap();
}

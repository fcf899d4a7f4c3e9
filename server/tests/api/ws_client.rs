//! A real WebSocket client for the tests, speaking the `shared` protocol types.

use crate::helpers::TestApp;
use futures_util::{SinkExt, StreamExt};
use shared::ws::{ClientMsg, ServerMsg};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
}

/// Opens `/ws` with extra headers; the HTTP status when the upgrade is refused.
pub async fn connect_with(app: &TestApp, headers: &[(&str, String)]) -> Result<WsClient, u16> {
    open(&app.addr.to_string(), headers).await
}

async fn open(host: &str, headers: &[(&str, String)]) -> Result<WsClient, u16> {
    let mut request = format!("ws://{host}/ws").into_client_request().unwrap();
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
        request
            .headers_mut()
            .insert(name, HeaderValue::from_str(value).unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((stream, _)) => Ok(WsClient { stream }),
        Err(Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("websocket connect failed: {e}"),
    }
}

/// Opens `/ws` with a bearer token and reads the `ready` frame.
pub async fn connect(app: &TestApp, token: &str) -> WsClient {
    connect_to(&app.addr.to_string(), token).await
}

/// The same, for a server at `host` (`127.0.0.1:PORT`).
pub async fn connect_to(host: &str, token: &str) -> WsClient {
    let mut client = open(host, &[("authorization", format!("Bearer {token}"))])
        .await
        .expect("upgrade accepted");
    match client.next().await {
        ServerMsg::Ready { .. } => client,
        other => panic!("expected ready first, got {other:?}"),
    }
}

impl WsClient {
    pub async fn send(&mut self, msg: &ClientMsg) {
        self.send_raw(Message::text(serde_json::to_string(msg).unwrap()))
            .await;
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.stream.send(message).await.expect("send frame");
    }

    /// The next frame the server sends (presence frames included), within five seconds.
    pub async fn next(&mut self) -> ServerMsg {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), self.stream.next())
                .await
                .expect("a frame within 5 s")
                .expect("connection open")
                .expect("frame");
            match message {
                Message::Text(text) => return serde_json::from_str(&text).expect("a ServerMsg"),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    /// The next frame that is not presence, or `None` when none comes within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<ServerMsg> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return None,
                Ok(Some(Ok(Message::Text(text)))) => {
                    match serde_json::from_str(&text).expect("a ServerMsg") {
                        ServerMsg::Presence { .. } => continue,
                        msg => return Some(msg),
                    }
                }
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                Ok(other) => panic!("unexpected {other:?}"),
            }
        }
    }

    /// The next frame that is not presence.
    pub async fn next_event(&mut self) -> ServerMsg {
        loop {
            match self.next().await {
                ServerMsg::Presence { .. } => continue,
                other => return other,
            }
        }
    }

    /// Asserts nothing but presence arrives for `wait`.
    pub async fn expect_silence(&mut self, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return,
                Ok(Some(Ok(Message::Text(text)))) => {
                    let msg: ServerMsg = serde_json::from_str(&text).unwrap();
                    assert!(
                        matches!(msg, ServerMsg::Presence { .. }),
                        "expected silence, got {msg:?}"
                    );
                }
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
                Ok(other) => panic!("expected silence, got {other:?}"),
            }
        }
    }

    /// The next frame, or the close code when the server closes instead.
    pub async fn next_or_close(&mut self) -> Result<ServerMsg, Option<CloseCode>> {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), self.stream.next())
                .await
                .expect("a frame within 5 s");
            match message {
                Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text).unwrap()),
                Some(Ok(Message::Close(frame))) => return Err(frame.map(|f| f.code)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Err(None),
            }
        }
    }

    /// Waits for the server to close the connection; returns the close code.
    pub async fn closed(&mut self) -> Option<CloseCode> {
        self.closed_within(Duration::from_secs(5)).await
    }

    /// The same, reading (and so answering pings) for up to `limit`.
    pub async fn closed_within(&mut self, limit: Duration) -> Option<CloseCode> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .expect("closed in time")
            {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }
}

//! The server's HTTP API and WebSocket, as a bot would use them (bearer tokens, no cookies).

use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::ws::{ClientMsg, ServerMsg};
use shared::{
    AuthResponse, Conversation, ConversationId, CreateConversationRequest, LoginRequest, Message,
    MessagePage, RegisterRequest, SendMessageRequest, UserId, UserList,
};
use std::net::{IpAddr, SocketAddr};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::WebSocketStream;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

pub type Socket = WebSocketStream<TcpStream>;

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    addr: SocketAddr,
}

impl Api {
    /// `base` is the server's root URL, e.g. `http://127.0.0.1:3000`.
    pub async fn new(base: &str) -> Result<Self> {
        let base = base.trim_end_matches('/').to_string();
        let authority = base
            .strip_prefix("http://")
            .ok_or("the URL must start with http://")?;
        let addr = tokio::net::lookup_host(authority)
            .await?
            .next()
            .ok_or("the URL's host does not resolve")?;
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()?;
        Ok(Api { http, base, addr })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    async fn call<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T> {
        let response = req.send().await?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(format!("{status}: {body}").into());
        }
        Ok(response.json().await?)
    }

    fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl Serialize,
    ) -> reqwest::RequestBuilder {
        let req = self.http.post(format!("{}{path}", self.base)).json(body);
        match token {
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    pub async fn register(
        &self,
        display_name: &str,
        email: &str,
        password: &str,
    ) -> Result<AuthResponse> {
        let body = RegisterRequest {
            display_name: display_name.into(),
            email: email.into(),
            password: password.into(),
            invite: None,
        };
        self.call(self.post("/api/auth/register", None, &body))
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Result<AuthResponse> {
        let body = LoginRequest {
            email: email.into(),
            password: password.into(),
        };
        self.call(self.post("/api/auth/login", None, &body)).await
    }

    pub async fn create_conversation(
        &self,
        token: &str,
        member_ids: Vec<UserId>,
        title: Option<String>,
    ) -> Result<Conversation> {
        let body = CreateConversationRequest { member_ids, title };
        self.call(self.post("/api/conversations", Some(token), &body))
            .await
    }

    pub async fn history(
        &self,
        token: &str,
        id: ConversationId,
        after: Option<i64>,
        limit: i64,
    ) -> Result<MessagePage> {
        let mut url = format!(
            "{}/api/conversations/{id}/messages?limit={limit}",
            self.base
        );
        if let Some(after) = after {
            url.push_str(&format!("&after={after}"));
        }
        self.call(self.http.get(url).bearer_auth(token)).await
    }

    /// Sends a message over HTTP; sent again with the same `client_id`, it is stored once.
    pub async fn send_message(
        &self,
        token: &str,
        id: ConversationId,
        client_id: uuid::Uuid,
        text: String,
    ) -> Result<Message> {
        let body = SendMessageRequest {
            client_id,
            text: Some(text),
            img: None,
            reply_to: None,
            file: None,
        };
        let path = format!("/api/conversations/{id}/messages");
        self.call(self.post(&path, Some(token), &body)).await
    }

    pub async fn search(&self, token: &str, q: &str, limit: u32) -> Result<UserList> {
        let req = self
            .http
            .get(format!("{}/api/users", self.base))
            .query(&[("q", q), ("limit", &limit.to_string())])
            .bearer_auth(token);
        self.call(req).await
    }

    pub async fn ready(&self) -> bool {
        match self.http.get(format!("{}/readyz", self.base)).send().await {
            Ok(response) => response.status().is_success(),
            Err(_) => false,
        }
    }

    /// Opens an authenticated WebSocket and waits for `ready`. `source` picks the local address,
    /// so that more than one address's worth of ports can be used.
    pub async fn connect(&self, token: &str, source: Option<IpAddr>) -> Result<Socket> {
        let socket = if self.addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        if let Some(ip) = source {
            socket.bind(SocketAddr::new(ip, 0))?;
        }
        let stream = socket.connect(self.addr).await?;
        stream.set_nodelay(true)?;
        let url = format!("ws://{}/ws", self.addr);
        let mut request = url.into_client_request()?;
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse()?);
        // Small buffers: the generator holds thousands of these too.
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0);
        let (mut ws, _) =
            tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await?;
        match next_frame(&mut ws).await? {
            Some(ServerMsg::Ready { .. }) => Ok(ws),
            other => Err(format!("expected ready, got {other:?}").into()),
        }
    }
}

/// The next server frame, skipping control frames; `None` when the socket closed.
pub async fn next_frame(ws: &mut Socket) -> Result<Option<ServerMsg>> {
    while let Some(message) = ws.next().await {
        match message? {
            WsMessage::Text(text) => return Ok(Some(serde_json::from_str(&text)?)),
            WsMessage::Close(_) => return Ok(None),
            _ => {}
        }
    }
    Ok(None)
}

pub fn frame(msg: &ClientMsg) -> WsMessage {
    WsMessage::text(serde_json::to_string(msg).expect("client frames serialise"))
}

/// Waits for the next frame of any kind; `false` once the socket closed or failed.
pub async fn next_frame_or_end(ws: &mut Socket) -> bool {
    matches!(ws.next().await, Some(Ok(message)) if !message.is_close())
}

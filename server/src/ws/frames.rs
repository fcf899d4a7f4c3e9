//! What each client frame does for one connection, and the error frames the server makes.

use crate::auth::AuthUser;
use crate::changes;
use crate::error::AppError;
use crate::messaging::{self, Outgoing};
use crate::realtime::hub::serialize;
use crate::realtime::ConnId;
use crate::state::AppState;
use axum::extract::ws::Utf8Bytes;
use shared::ws::{ClientMsg, CloseCode, ServerMsg};
use shared::ConversationId;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// At most one `typing` relayed per conversation in this time, however often a client sends it.
const TYPING_EVERY: Duration = Duration::from_secs(2);

/// What the connection does after an event. Small, with a reply already serialised: it is
/// held while the connection writes, so its size is paid by every connection's task.
pub enum Step {
    Nothing,
    Send(Utf8Bytes),
    /// `ack` marks the answer to a stored change or message, for the metrics.
    Reply {
        frame: Utf8Bytes,
        ack: bool,
    },
    Ping,
    Close(CloseCode, &'static str),
}

impl Step {
    pub fn reply(msg: ServerMsg) -> Step {
        Step::Reply {
            ack: matches!(msg, ServerMsg::Ack { .. }),
            frame: serialize(&msg),
        }
    }
}

/// The signed-in person behind one connection, and what the frames need to remember.
pub struct Client {
    pub state: AppState,
    pub me: AuthUser,
    pub conn: ConnId,
    /// When this connection last relayed `typing`, per conversation.
    typing: HashMap<ConversationId, Instant>,
}

impl Client {
    pub fn new(state: AppState, me: AuthUser, conn: ConnId) -> Self {
        Client {
            state,
            me,
            conn,
            typing: HashMap::new(),
        }
    }

    pub async fn handle(&mut self, frame: ClientMsg) -> Step {
        let (state, me) = (&self.state, &self.me);
        match frame {
            ClientMsg::Ping => Step::reply(ServerMsg::Pong),
            ClientMsg::Send {
                client_id,
                conversation_id,
                text,
                img,
                reply_to,
                file,
            } => {
                let out = Outgoing {
                    conversation_id,
                    client_id,
                    text,
                    img,
                    reply_to,
                    file,
                };
                match messaging::send(state, me, out, Some(self.conn)).await {
                    Ok((message, _)) => Step::reply(ServerMsg::Ack { client_id, message }),
                    Err(e) => Step::reply(from_error(&e, Some(client_id))),
                }
            }
            ClientMsg::Edit {
                client_id,
                conversation_id,
                message_id,
                text,
            } => acked(
                client_id,
                changes::edit(
                    state,
                    me,
                    conversation_id,
                    message_id,
                    &text,
                    Some(self.conn),
                )
                .await,
            ),
            ClientMsg::Delete {
                client_id,
                conversation_id,
                message_id,
            } => acked(
                client_id,
                changes::delete(state, me, conversation_id, message_id, Some(self.conn)).await,
            ),
            ClientMsg::React {
                client_id,
                conversation_id,
                message_id,
                emoji,
            } => acked(
                client_id,
                changes::react(
                    state,
                    me,
                    conversation_id,
                    message_id,
                    &emoji,
                    true,
                    Some(self.conn),
                )
                .await,
            ),
            ClientMsg::Unreact {
                client_id,
                conversation_id,
                message_id,
                emoji,
            } => acked(
                client_id,
                changes::react(
                    state,
                    me,
                    conversation_id,
                    message_id,
                    &emoji,
                    false,
                    Some(self.conn),
                )
                .await,
            ),
            ClientMsg::Read {
                conversation_id,
                seq,
            } => match messaging::mark_read(state, me, conversation_id, seq).await {
                // The reader's connections, this one included, hear of it through the fan-out.
                Ok(_) => Step::Nothing,
                Err(e) => Step::reply(from_error(&e, None)),
            },
            ClientMsg::Typing { conversation_id } => {
                let now = Instant::now();
                let recent = self
                    .typing
                    .get(&conversation_id)
                    .is_some_and(|at| now.duration_since(*at) < TYPING_EVERY);
                if recent {
                    return Step::Nothing;
                }
                match messaging::typing(state, me, conversation_id).await {
                    Ok(()) => {
                        self.typing.insert(conversation_id, now);
                        Step::Nothing
                    }
                    Err(e) => Step::reply(from_error(&e, None)),
                }
            }
        }
    }
}

/// A change frame's answer: `ack` with the message as it is now, or the error, both carrying
/// the frame's `client_id` (as for `send`).
fn acked(client_id: Uuid, result: Result<shared::Message, AppError>) -> Step {
    Step::reply(match result {
        Ok(message) => ServerMsg::Ack { client_id, message },
        Err(e) => from_error(&e, Some(client_id)),
    })
}

pub fn error(code: &str, message: &str, client_id: Option<Uuid>) -> ServerMsg {
    ServerMsg::Error {
        code: code.into(),
        message: message.into(),
        client_id,
    }
}

/// The same code and sentence the HTTP API would answer with.
pub fn from_error(e: &AppError, client_id: Option<Uuid>) -> ServerMsg {
    if let AppError::Internal(detail) = e {
        tracing::error!(%detail, "internal error on a websocket frame");
    }
    let body = e.body();
    let message = match &body.fields {
        Some(fields) if !fields.is_empty() => fields
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(" "),
        _ => body.message,
    };
    ServerMsg::Error {
        code: body.code,
        message,
        client_id,
    }
}

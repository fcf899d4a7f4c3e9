//! What each client frame does, and the frames the server makes on its own (errors, presence).

use super::connection::{Connection, Step};
use crate::error::AppError;
use crate::messaging::{self, Outgoing};
use crate::state::AppState;
use shared::ws::{ClientMsg, ServerMsg};
use shared::UserId;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// At most one `typing` relayed per conversation in this time, however often a client sends it.
const TYPING_EVERY: Duration = Duration::from_secs(2);

pub async fn handle(conn: &mut Connection, frame: ClientMsg) -> Step {
    let (state, me) = (&conn.state, &conn.me);
    match frame {
        ClientMsg::Ping => Step::Reply(ServerMsg::Pong),
        ClientMsg::Send {
            client_id,
            conversation_id,
            text,
            img,
        } => {
            let out = Outgoing {
                conversation_id,
                client_id,
                text,
                img,
            };
            match messaging::send(state, me, out, Some(conn.registration.id)).await {
                Ok((message, _)) => Step::Reply(ServerMsg::Ack { client_id, message }),
                Err(e) => Step::Reply(from_error(&e, Some(client_id))),
            }
        }
        ClientMsg::Read {
            conversation_id,
            seq,
        } => match messaging::mark_read(state, me, conversation_id, seq).await {
            // The reader's connections, this one included, hear of it through the fan-out.
            Ok(_) => Step::Nothing,
            Err(e) => Step::Reply(from_error(&e, None)),
        },
        ClientMsg::Typing { conversation_id } => {
            let now = Instant::now();
            let recent = conn
                .typing
                .get(&conversation_id)
                .is_some_and(|at| now.duration_since(*at) < TYPING_EVERY);
            if recent {
                return Step::Nothing;
            }
            match messaging::typing(state, me, conversation_id).await {
                Ok(()) => {
                    conn.typing.insert(conversation_id, now);
                    Step::Nothing
                }
                Err(e) => Step::Reply(from_error(&e, None)),
            }
        }
    }
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

/// Tells everyone who shares a conversation with `user` that they came online or went away.
pub async fn announce_presence(state: &AppState, user: UserId, online: bool) {
    match state.db.contact_ids(user).await {
        Ok(contacts) => state.fanout.frame(
            &contacts,
            ServerMsg::Presence {
                user_id: user,
                online,
            },
        ),
        Err(e) => tracing::warn!(error = %e, "could not announce presence"),
    }
}

/// Which of `user`'s contacts are online right now, for a connection that just opened.
pub async fn present_contacts(state: &AppState, user: UserId) -> Vec<ServerMsg> {
    let contacts = state.db.contact_ids(user).await.unwrap_or_default();
    contacts
        .into_iter()
        .filter(|c| state.hub.is_online(*c))
        .map(|c| ServerMsg::Presence {
            user_id: c,
            online: true,
        })
        .collect()
}

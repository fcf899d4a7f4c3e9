//! The WebSocket protocol: one JSON object per text frame, tagged by `type` in snake_case.

use crate::{Conversation, ConversationId, Me, Message, MessageId, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Sent in `ready`; bumped whenever a frame changes in a way old clients cannot read.
pub const PROTOCOL_VERSION: u32 = 1;

/// Why the server closed a WebSocket: the code in its Close frame, and what a client does next.
/// 4000-4999 are the application's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum CloseCode {
    /// The server is stopping: reconnect (to it or another process) and catch up.
    GoingAway = 1001,
    /// Abuse (flooding, a silent client): reconnecting is allowed but the cause stays.
    Policy = 1008,
    /// The connection fell behind and was let go: reconnect and catch up.
    TryAgain = 1013,
    /// This session ended (signed out, expired, or the account was disabled): sign in again.
    SignedOut = 4001,
    /// The password changed, which ends every session: sign in again.
    PasswordChanged = 4002,
    /// Too many connections open for this person at once.
    TooManyConnections = 4003,
}

impl CloseCode {
    pub const ALL: [CloseCode; 6] = [
        CloseCode::GoingAway,
        CloseCode::Policy,
        CloseCode::TryAgain,
        CloseCode::SignedOut,
        CloseCode::PasswordChanged,
        CloseCode::TooManyConnections,
    ];

    pub fn code(self) -> u16 {
        self as u16
    }

    pub fn from_code(code: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The reason sent in the Close frame (also what a person may be shown).
    pub fn reason(self) -> &'static str {
        match self {
            CloseCode::GoingAway => "server shutting down",
            CloseCode::Policy => "closed by the server",
            CloseCode::TryAgain => "too slow; reconnect and catch up",
            CloseCode::SignedOut => "signed out",
            CloseCode::PasswordChanged => "password changed; sign in again",
            CloseCode::TooManyConnections => "too many open connections",
        }
    }

    /// Whether the client must sign in again rather than reconnect.
    pub fn ends_session(self) -> bool {
        matches!(self, CloseCode::SignedOut | CloseCode::PasswordChanged)
    }
}

/// Frames a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    Send {
        client_id: Uuid,
        conversation_id: ConversationId,
        #[serde(default)]
        text: Option<String>,
        #[serde(default)]
        img: Option<String>,
        /// Left out when null, so an older server (which refuses unknown fields) still reads it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<MessageId>,
        /// A file's URL from `POST /api/files`; left out when null, as `reply_to`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<String>,
    },
    /// Changes one's own message's text; acked like `send` (with the changed message), errors
    /// carry `client_id`. `client_id` names this request only.
    Edit {
        client_id: Uuid,
        conversation_id: ConversationId,
        message_id: MessageId,
        text: String,
    },
    /// Deletes one's own message; acked with the deleted message.
    Delete {
        client_id: Uuid,
        conversation_id: ConversationId,
        message_id: MessageId,
    },
    /// Adds one's reaction (idempotent); acked with the message.
    React {
        client_id: Uuid,
        conversation_id: ConversationId,
        message_id: MessageId,
        emoji: String,
    },
    /// Takes one's reaction back (idempotent); acked with the message.
    Unreact {
        client_id: Uuid,
        conversation_id: ConversationId,
        message_id: MessageId,
        emoji: String,
    },
    Typing {
        conversation_id: ConversationId,
    },
    Read {
        conversation_id: ConversationId,
        seq: i64,
    },
    Ping,
}

/// Frames the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    Ready {
        user: Me,
        protocol: u32,
    },
    Ack {
        client_id: Uuid,
        message: Message,
    },
    Message {
        message: Message,
    },
    /// A message was edited, deleted, reacted to, or the message it quotes changed. Keep the
    /// one with the highest `rev`: frames of concurrent changes may arrive out of order.
    MessageChanged {
        message: Message,
    },
    Conversation {
        conversation: Conversation,
    },
    Typing {
        conversation_id: ConversationId,
        user_id: UserId,
    },
    Presence {
        user_id: UserId,
        online: bool,
    },
    Read {
        conversation_id: ConversationId,
        user_id: UserId,
        seq: i64,
    },
    Error {
        code: String,
        message: String,
        client_id: Option<Uuid>,
    },
    Pong,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_frames_read_the_contract_shapes() {
        let send: ClientMsg = serde_json::from_str(
            r#"{"type":"send","client_id":"6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d10","conversation_id":"0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11","text":"hi","img":null}"#,
        )
        .unwrap();
        assert!(matches!(send, ClientMsg::Send { text: Some(ref t), img: None, .. } if t == "hi"));
        assert_eq!(
            serde_json::from_str::<ClientMsg>(r#"{"type":"ping"}"#).unwrap(),
            ClientMsg::Ping
        );
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"shout"}"#).is_err());
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"read","seq":1}"#).is_err());
    }

    #[test]
    fn change_frames_read_and_write_their_shapes() {
        let react: ClientMsg = serde_json::from_str(
            r#"{"type":"react","client_id":"6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d10","conversation_id":"0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11","message_id":"0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c12","emoji":"👍"}"#,
        )
        .unwrap();
        assert!(matches!(react, ClientMsg::React { ref emoji, .. } if emoji == "👍"));
        let message: Message = serde_json::from_value(serde_json::json!({
            "id": "0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c12",
            "conversation_id": "0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11",
            "seq": 1, "sender_id": 2, "client_id": "6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d10",
            "text": "", "img": null, "created_at": "2026-11-24T01:02:03.456Z"
        }))
        .unwrap();
        let json = serde_json::to_value(ServerMsg::MessageChanged { message }).unwrap();
        assert_eq!(json["type"], "message_changed");
        for field in [
            "rev",
            "edited_at",
            "deleted",
            "reply_to",
            "reactions",
            "file",
        ] {
            assert!(
                json["message"].get(field).is_some(),
                "{field} is always present"
            );
        }
    }

    #[test]
    fn close_codes_round_trip() {
        for code in CloseCode::ALL {
            assert_eq!(CloseCode::from_code(code.code()), Some(code));
        }
        assert_eq!(CloseCode::SignedOut.code(), 4001);
        assert_eq!(CloseCode::PasswordChanged.code(), 4002);
        assert_eq!(CloseCode::from_code(1000), None);
        assert!(CloseCode::SignedOut.ends_session() && !CloseCode::TryAgain.ends_session());
    }

    #[test]
    fn server_frames_are_tagged_snake_case() {
        let json = serde_json::to_value(ServerMsg::Presence {
            user_id: UserId(3),
            online: true,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "presence", "user_id": 3, "online": true})
        );
        assert_eq!(
            serde_json::to_value(ServerMsg::Pong).unwrap(),
            serde_json::json!({"type": "pong"})
        );
    }
}

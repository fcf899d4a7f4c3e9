//! Bodies of the HTTP API (see CONTRACT.md), shared by the server, the browser and the tests.

use crate::{ConversationId, MessageId, Timestamp, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Another person, as anyone may see them: never an email, never a password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub display_name: String,
    pub photo_url: Option<String>,
}

/// The signed-in person: `User` plus their own email, in one flat object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "MeFields")]
pub struct Me {
    #[serde(flatten)]
    pub user: User,
    pub email: String,
    /// Runs the server: may see its people, disable accounts and invite.
    pub admin: bool,
}

/// How `Me` is read: field by field. A flattened field would be read through serde's buffered
/// path, which costs the WASM a second reader for everything.
#[derive(Deserialize)]
struct MeFields {
    id: UserId,
    display_name: String,
    photo_url: Option<String>,
    email: String,
    #[serde(default)]
    admin: bool,
}

impl From<MeFields> for Me {
    fn from(f: MeFields) -> Me {
        Me {
            user: User {
                id: f.id,
                display_name: f.display_name,
                photo_url: f.photo_url,
            },
            email: f.email,
            admin: f.admin,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    Direct,
    Group,
}

impl ConversationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationKind::Direct => "direct",
            ConversationKind::Group => "group",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub kind: ConversationKind,
    pub title: Option<String>,
    pub members: Vec<User>,
    pub last_message: Option<Message>,
    pub unread_count: i64,
    pub updated_at: Timestamp,
    /// The highest change number in it (see [`Message::rev`]).
    #[serde(default)]
    pub rev: i64,
    /// How far each member has read (their last read `seq`), so "Seen" survives a reload.
    #[serde(default)]
    pub read_positions: Vec<ReadPosition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadPosition {
    pub user_id: UserId,
    pub seq: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub seq: i64,
    pub sender_id: UserId,
    pub client_id: Uuid,
    pub text: String,
    pub img: Option<String>,
    pub created_at: Timestamp,
    /// The conversation's change number at this message's last change (new, edited, deleted,
    /// reacted to, or its quote changed).
    #[serde(default)]
    pub rev: i64,
    #[serde(default)]
    pub edited_at: Option<Timestamp>,
    /// Kept in history (same id and seq) with its content cleared.
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub reply_to: Option<ReplyTo>,
    #[serde(default)]
    pub reactions: Vec<Reaction>,
    /// A non-image attachment (`POST /api/files`); null when there is none.
    #[serde(default)]
    pub file: Option<FileRef>,
}

/// The message a reply quotes, as it reads now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyTo {
    pub id: MessageId,
    pub seq: i64,
    pub sender_id: UserId,
    /// The first [`REPLY_QUOTE_CHARS`] characters; "" once the quoted message is deleted.
    pub text: String,
}

/// How much of a quoted message a reply carries (Unicode scalar values).
pub const REPLY_QUOTE_CHARS: usize = 200;

/// At most this many distinct emoji on one message.
pub const REACTIONS_MAX: usize = 20;

/// One emoji on a message and who chose it, in the order they did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    pub user_ids: Vec<UserId>,
}

/// The largest file `POST /api/files` takes (25 MiB).
pub const FILE_MAX_BYTES: u64 = 25 * 1024 * 1024;

/// A file as stored (`POST /api/files`) and as a message carries it: `name` is the name it was
/// uploaded under, `content_type` what the server judged from its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub url: String,
    pub name: String,
    pub content_type: String,
    pub bytes: u64,
}

/// `PATCH /api/conversations/{id}/messages/{message_id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EditMessageRequest {
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub display_name: String,
    pub email: String,
    pub password: String,
    /// An invitation code, for a server where sign-up needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthResponse {
    pub user: Me,
    pub token: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateMeRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<PasswordChange>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<User>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateConversationRequest {
    pub member_ids: Vec<UserId>,
    #[serde(default)]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConversationList {
    pub conversations: Vec<Conversation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendMessageRequest {
    pub client_id: Uuid,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub img: Option<String>,
    /// A message of the same conversation this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<MessageId>,
    /// A file's URL from `POST /api/files`, uploaded by the sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub has_more: bool,
}

/// `GET .../messages?around=SEQ`: a page centred on one message, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AroundPage {
    pub messages: Vec<Message>,
    pub has_more_before: bool,
    pub has_more_after: bool,
}

/// `GET /api/search/messages`: matching messages, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchPage {
    pub results: Vec<SearchResult>,
    /// Passed back as `before` for the next page; `None` when there is none.
    pub next: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchResult {
    pub message: Message,
    /// Plain text around the first match, at most [`SNIPPET_CHARS`] characters, with "…" where
    /// the text was cut.
    pub snippet: String,
}

/// The longest snippet, in Unicode scalar values, its ellipses included.
pub const SNIPPET_CHARS: usize = 200;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadRequest {
    pub seq: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadResponse {
    pub url: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// Validation problems, keyed by the request field they belong to.
pub type FieldErrors = BTreeMap<String, String>;

/// The one shape every error response has: `{"error": {...}}`.
/// An account as an admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
    pub admin: bool,
    pub disabled: bool,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountList {
    pub users: Vec<Account>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateInviteRequest {
    #[serde(default)]
    pub max_uses: Option<i64>,
    #[serde(default)]
    pub expires_in_hours: Option<i64>,
}

/// An invitation to sign up: `url` is the sign-up page with the code in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub code: String,
    pub url: String,
    pub max_uses: i64,
    pub uses: i64,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteList {
    pub invites: Vec<Invite>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<FieldErrors>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn me_is_a_user_plus_email_on_the_wire() {
        let me = Me {
            user: User {
                id: UserId(7),
                display_name: "Ana".into(),
                photo_url: None,
            },
            email: "ana@example.com".into(),
            admin: false,
        };
        let json = serde_json::to_value(&me).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"id": 7, "display_name": "Ana", "photo_url": null, "email": "ana@example.com", "admin": false})
        );
        assert_eq!(serde_json::from_value::<Me>(json).unwrap(), me);
    }

    #[test]
    fn error_leaves_out_fields_unless_there_are_some() {
        let body = ErrorBody {
            code: "not_found".into(),
            message: "Not found.".into(),
            fields: None,
        };
        let json = serde_json::to_value(ErrorResponse { error: body }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "not_found", "message": "Not found."}})
        );
    }
}

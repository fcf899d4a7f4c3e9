//! Storage: the one interface the rest of the server uses, with a SQLite and a PostgreSQL
//! implementation. No SQL lives outside this module.

pub mod admin;
mod attempts;
mod batch;
mod changes;
pub mod notify;
mod postgres;
mod presence;
mod search;
mod sqlite;
mod uploads;

use crate::config::DatabaseUrl;
use async_trait::async_trait;
use shared::{
    Conversation, ConversationId, Me, Message, MessageId, ReadPosition, Timestamp, User, UserId,
};
use std::sync::Arc;
use uuid::Uuid;

pub use admin::{AccountRow, Admin, Admission, InviteRow};
pub use attempts::{Attempt, Attempts};
pub use changes::{Change, Changes, Refusal};
pub use postgres::PgStore;
pub use presence::Presence;
pub use search::{Search, SearchQuery};
pub use sqlite::SqliteStore;
pub use uploads::{StoredUpload, Uploads};

pub type Db = Arc<dyn Store>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A uniqueness rule of the schema refused the write; names the rule.
    #[error("conflict on {0}")]
    Conflict(&'static str),
    /// The row to act on does not exist, or is not the caller's to act on.
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A message's image: its upload was deleted as unused (see [`Uploads`]) before the message
    /// could be stored, and nothing was stored.
    #[error("upload gone")]
    UploadGone,
    /// The same for a message's file.
    #[error("file gone")]
    FileGone,
    /// A change to a message that its rules refuse.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// The storage task is gone (the server is stopping).
    #[error("storage stopped")]
    Stopped,
}

pub type DbResult<T> = Result<T, DbError>;

/// A password hash: readable by the auth code, never serialised, never printed.
#[derive(Clone)]
pub struct PasswordHash(pub String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub photo_url: Option<String>,
    pub password_hash: PasswordHash,
    pub admin: bool,
    /// A disabled account cannot sign in and has no sessions; its messages stay.
    pub disabled: bool,
}

impl UserRecord {
    pub fn user(&self) -> User {
        User {
            id: self.id,
            display_name: self.display_name.clone(),
            photo_url: self.photo_url.clone(),
        }
    }

    pub fn me(&self) -> Me {
        Me {
            user: self.user(),
            email: self.email.clone(),
            admin: self.admin,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    /// As typed (trimmed); shown back to its owner.
    pub email: String,
    pub display_name: String,
    pub password_hash: PasswordHash,
}

#[derive(Debug, Clone)]
pub struct UploadRecord {
    pub name: String,
    pub owner_id: UserId,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// The name a file was uploaded under; `None` for an image or an avatar.
    pub original_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub conversation_id: ConversationId,
    pub sender_id: UserId,
    pub client_id: Uuid,
    pub text: String,
    pub img: Option<String>,
    /// Checked by the caller to be a message of the same conversation.
    pub reply_to: Option<MessageId>,
    /// A file's URL (`/uploads/NAME`); the message copies its name, type and size.
    pub file: Option<String>,
}

/// Which page of a conversation's history to read. Results are always in ascending `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryQuery {
    pub before: Option<i64>,
    pub after: Option<i64>,
    pub limit: i64,
}

/// A message the store took (see [`Store::store_message`]).
#[derive(Debug)]
pub struct Stored {
    pub message: Message,
    pub created: Created,
    /// For a new message, its conversation's members when the store read them in the same
    /// trip as the insert (PostgreSQL does); `None`: ask `member_ids`.
    pub members: Option<Vec<UserId>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New,
    Existing,
}

/// A connection pool's use at this moment (for `/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub pool: &'static str,
    /// Connections open, idle ones included.
    pub size: u32,
    pub idle: usize,
}

impl PoolUse {
    pub fn of<DB: sqlx::Database>(pool: &'static str, of: &sqlx::Pool<DB>) -> Self {
        PoolUse {
            pool,
            size: of.size(),
            idle: of.num_idle(),
        }
    }
}

/// Everything the server stores; edits, deletions and reactions are [`Changes`], the attempt
/// counters of the limiter are [`Attempts`], who is
/// online where is [`Presence`], admission and admins are [`Admin`], who may see an upload and
/// which are unused is [`Uploads`], message search is [`Search`].
#[async_trait]
pub trait Store:
    Admin + Attempts + Changes + Presence + Search + Uploads + Send + Sync + 'static
{
    fn backend(&self) -> &'static str;

    /// The use of each connection pool the store keeps.
    fn pools(&self) -> Vec<PoolUse>;

    /// Answers when the database does; for `/readyz`.
    async fn ping(&self) -> DbResult<()>;

    /// Adds those of `users` whose email is not taken yet, in one transaction; returns how
    /// many it added. For `server seed-users`.
    async fn create_users(&self, users: &[NewUser]) -> DbResult<u64>;
    async fn user_by_email(&self, email: &str) -> DbResult<Option<UserRecord>>;
    async fn user_by_id(&self, id: UserId) -> DbResult<Option<UserRecord>>;
    /// Those of `ids` that exist, in no particular order.
    async fn users_by_ids(&self, ids: &[UserId]) -> DbResult<Vec<User>>;

    /// Changes the name and/or password hash; `None` leaves a value as it is.
    async fn update_user(
        &self,
        id: UserId,
        display_name: Option<&str>,
        password_hash: Option<&PasswordHash>,
    ) -> DbResult<UserRecord>;
    /// Sets the avatar URL; returns the one it replaced.
    async fn set_photo(&self, id: UserId, photo_url: &str) -> DbResult<Option<String>>;
    /// Users whose name contains `query` (any case), prefix matches first, `exclude` left out.
    async fn search_users(&self, query: &str, exclude: UserId, limit: i64) -> DbResult<Vec<User>>;

    async fn create_session(&self, id: Uuid, user: UserId, expires_at: Timestamp) -> DbResult<()>;
    /// The user a live (present, unexpired) session belongs to.
    async fn session_user(&self, id: Uuid, user: UserId) -> DbResult<Option<UserRecord>>;
    async fn delete_session(&self, id: Uuid) -> DbResult<()>;
    /// Revokes every session of `user`, as a password change must.
    async fn delete_sessions(&self, user: UserId) -> DbResult<()>;
    /// Deletes the sessions expired by `now` (they no longer sign anyone in); returns how many.
    async fn delete_expired_sessions(&self, now: Timestamp) -> DbResult<u64>;

    async fn record_upload(&self, upload: UploadRecord) -> DbResult<()>;
    /// Who uploaded the file stored under `name`.
    async fn upload_owner(&self, name: &str) -> DbResult<Option<UserId>>;

    /// Finds the direct conversation of `a` and `b`, creating it when there is none; the
    /// database, not a check before the insert, keeps it unique.
    async fn find_or_create_direct(
        &self,
        a: UserId,
        b: UserId,
    ) -> DbResult<(ConversationId, Created)>;
    /// A group of `creator` and `members`.
    async fn create_group(
        &self,
        creator: UserId,
        members: &[UserId],
        title: Option<&str>,
    ) -> DbResult<ConversationId>;
    /// The conversation as `viewer` sees it, or `None` when it does not exist or `viewer` is not
    /// a member: callers must not be able to tell the two apart.
    async fn conversation(
        &self,
        id: ConversationId,
        viewer: UserId,
    ) -> DbResult<Option<Conversation>>;
    /// Every conversation of `viewer`, most recent activity first.
    async fn conversations(&self, viewer: UserId) -> DbResult<Vec<Conversation>>;
    async fn member_ids(&self, id: ConversationId) -> DbResult<Vec<UserId>>;
    /// Takes `user` out of a group. `NotFound` when they are not in it; `Conflict` for a
    /// direct conversation, which cannot be left.
    async fn leave(&self, id: ConversationId, user: UserId) -> DbResult<()>;
    async fn is_member(&self, id: ConversationId, user: UserId) -> DbResult<bool>;

    /// Stores a message with the conversation's next `seq`, in one transaction. Idempotent on
    /// (sender, client_id): a repeat returns the first message and `Created::Existing`.
    /// `NotFound` when the sender is not a member; `UploadGone` (`FileGone`) when `img`
    /// (`file`) names no upload of the sender's (any more).
    async fn store_message(&self, new: NewMessage) -> DbResult<Stored>;
    /// `store_message`, without the members.
    async fn insert_message(&self, new: NewMessage) -> DbResult<(Message, Created)> {
        let stored = self.store_message(new).await?;
        Ok((stored.message, stored.created))
    }
    /// The message at `seq`, if there is one.
    async fn message_at(&self, id: ConversationId, seq: i64) -> DbResult<Option<Message>>;
    /// `(messages, has_more)`; `has_more` tells whether more lie beyond the page in the
    /// direction read (older without `after`, newer with it).
    async fn messages(
        &self,
        id: ConversationId,
        query: HistoryQuery,
    ) -> DbResult<(Vec<Message>, bool)>;
    /// Moves `user`'s read position forward to `seq` (never back, never past the last message);
    /// returns the position now stored. `NotFound` when `user` is not a member.
    async fn mark_read(&self, id: ConversationId, user: UserId, seq: i64) -> DbResult<i64>;
}

/// Copies a SQLite database to the new file `to`, consistently, while a server may be using it.
/// A PostgreSQL database is backed up with its own tools.
pub async fn backup(url: &DatabaseUrl, to: &std::path::Path) -> Result<(), String> {
    match url {
        DatabaseUrl::Sqlite(url) => sqlite::backup(url, to).await.map_err(|e| e.to_string()),
        DatabaseUrl::Postgres(_) => Err(
            "the database is PostgreSQL: back it up with pg_dump, e.g. pg_dump --format=custom \"$DATABASE_URL\" > letuschat.dump (and copy the upload folder beside it)".into(),
        ),
    }
}

/// Opens the database the URL names and brings its schema up to date.
pub async fn connect(url: &DatabaseUrl) -> DbResult<Db> {
    Ok(match url {
        DatabaseUrl::Sqlite(url) => Arc::new(SqliteStore::connect(url).await?),
        DatabaseUrl::Postgres(url) => Arc::new(PgStore::connect(url.expose()).await?),
    })
}

/// Orders the two members of a direct conversation, as the schema stores them.
fn direct_pair(a: UserId, b: UserId) -> (i64, i64) {
    (a.0.min(b.0), a.0.max(b.0))
}

fn now() -> Timestamp {
    Timestamp(chrono::Utc::now().timestamp_millis())
}

/// Assembles the API shape of conversations from the rows both backends read the same way.
struct ConversationRow {
    id: ConversationId,
    kind: shared::ConversationKind,
    title: Option<String>,
    last_seq: i64,
    read_seq: i64,
    /// Deleted messages past `read_seq`: they are not unread.
    deleted_unread: i64,
    rev: i64,
    updated_at: Timestamp,
}

fn assemble(
    rows: Vec<ConversationRow>,
    members: Vec<(ConversationId, User, i64)>,
    last: Vec<Message>,
) -> Vec<Conversation> {
    use std::collections::HashMap;
    let mut members_of: HashMap<ConversationId, Vec<User>> = HashMap::new();
    let mut reads_of: HashMap<ConversationId, Vec<ReadPosition>> = HashMap::new();
    for (cid, user, read_seq) in members {
        let position = ReadPosition {
            user_id: user.id,
            seq: read_seq,
        };
        reads_of.entry(cid).or_default().push(position);
        members_of.entry(cid).or_default().push(user);
    }
    let mut last_of: HashMap<ConversationId, Message> =
        last.into_iter().map(|m| (m.conversation_id, m)).collect();
    rows.into_iter()
        .map(|row| Conversation {
            id: row.id,
            kind: row.kind,
            title: row.title,
            members: members_of.remove(&row.id).unwrap_or_default(),
            last_message: last_of.remove(&row.id),
            unread_count: (row.last_seq - row.read_seq - row.deleted_unread).max(0),
            updated_at: row.updated_at,
            rev: row.rev,
            read_positions: reads_of.remove(&row.id).unwrap_or_default(),
        })
        .collect()
}

/// `query` as a LIKE pattern that matches it literally anywhere (backslash escapes).
fn like_contains(query: &str) -> String {
    format!("%{}%", escape_like(query))
}

fn like_prefix(query: &str) -> String {
    format!("{}%", escape_like(query))
}

fn escape_like(query: &str) -> String {
    query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn parse_kind(kind: &str) -> shared::ConversationKind {
    match kind {
        "direct" => shared::ConversationKind::Direct,
        _ => shared::ConversationKind::Group,
    }
}

/// A uniqueness rule of the schema refused the write.
fn unique_violation(e: sqlx::Error, rule: &'static str) -> DbError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => DbError::Conflict(rule),
        _ => DbError::Sqlx(e),
    }
}

/// A member id that names nobody.
fn foreign_key_violation(e: sqlx::Error) -> DbError {
    match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => DbError::NotFound,
        _ => DbError::Sqlx(e),
    }
}

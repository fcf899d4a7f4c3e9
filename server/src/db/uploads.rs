//! Who may see an uploaded file, and which uploads nothing refers to any more. An upload is
//! referred to by the URL (`/uploads/NAME`) that messages (`img`, `file`) and profiles
//! (`photo_url`) store.

use super::DbResult;
use async_trait::async_trait;
use shared::{Timestamp, UserId};

/// An upload as a message or a download needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUpload {
    pub owner: UserId,
    pub content_type: String,
    pub bytes: u64,
    /// The name a file was uploaded under; `None` for an image or an avatar.
    pub original_name: Option<String>,
}

#[async_trait]
pub trait Uploads: Send + Sync {
    /// The upload stored under `name`, if there is one.
    async fn upload(&self, name: &str) -> DbResult<Option<StoredUpload>>;
    /// Whether `viewer` may see the file stored under `name`: they uploaded it, it is someone's
    /// avatar, or it was sent in a conversation they are a member of now.
    async fn may_see_upload(&self, name: &str, viewer: UserId) -> DbResult<bool>;
    /// Deletes the rows of at most `limit` uploads made before `uploaded_before` that no message
    /// and no profile refers to; returns their names, whose files the caller deletes.
    ///
    /// A message being stored meanwhile with one of them is never left pointing to a deleted
    /// upload: the send checks, inside its transaction, that its upload row exists (and on
    /// PostgreSQL holds a lock on it until it commits), so either the message commits first and
    /// the upload is kept, or the row is gone first and the message is refused with
    /// [`super::DbError::UploadGone`].
    async fn delete_unused_uploads(
        &self,
        uploaded_before: Timestamp,
        limit: i64,
    ) -> DbResult<Vec<String>>;
    /// Deletes the row of the upload `name` if no message and no profile refers to it (a
    /// deleted message's image or file); whether it did. Safe against a message being sent with it
    /// meanwhile, as the sweep is; one in flight keeps it (the sweep may take it later).
    async fn delete_upload_if_unused(&self, name: &str) -> DbResult<bool>;
}

/// The name of the upload a message's `img` URL points to (`None`: not one of ours).
pub(super) fn upload_name(img: &str) -> Option<&str> {
    img.strip_prefix("/uploads/")
}

/// Both backends spell placeholders as `$n` (SQLite reads them too). `$1` the name, `$2` its URL,
/// `$3` the viewer. Each test is an index lookup: uploads by name, users by photo_url, messages
/// by img and by file (then membership by its primary key).
pub(super) const MAY_SEE_UPLOAD: &str = "
    SELECT EXISTS (SELECT 1 FROM uploads WHERE name = $1 AND owner_id = $3)
        OR EXISTS (SELECT 1 FROM users WHERE photo_url = $2)
        OR EXISTS (SELECT 1 FROM messages m
                     JOIN user_conversations c ON c.conversation_id = m.conversation_id
                    WHERE m.img = $2 AND c.user_id = $3)
        OR EXISTS (SELECT 1 FROM messages m
                     JOIN user_conversations c ON c.conversation_id = m.conversation_id
                    WHERE m.file = $2 AND c.user_id = $3)";

/// `$1` the name.
pub(super) const UPLOAD: &str =
    "SELECT owner_id, content_type, bytes, original_name FROM uploads WHERE name = $1";

/// The condition "no message and no profile refers to the upload `u`".
macro_rules! unreferenced {
    () => {
        "NOT EXISTS (SELECT 1 FROM messages m WHERE m.img = '/uploads/' || u.name)
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.file = '/uploads/' || u.name)
         AND NOT EXISTS (SELECT 1 FROM users p WHERE p.photo_url = '/uploads/' || u.name)"
    };
}
pub(super) use unreferenced;

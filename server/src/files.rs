//! Files for messages (`POST /api/files`): any type, streamed to disk within the size limit,
//! typed by their bytes (never by the name or the declared type), stored under a name the server
//! makes, and recorded as the caller's with the name they were uploaded under.

mod name;
mod sniff;

pub use name::{content_disposition, original_name};

use crate::auth::AuthUser;
use crate::db::UploadRecord;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::uploads;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use shared::{FileRef, FILE_MAX_BYTES};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// Room for the multipart envelope around a file of the largest allowed size.
pub const MAX_BODY_BYTES: usize = FILE_MAX_BYTES as usize + 64 * 1024;
const TOO_LARGE: &str = "Files may be at most 25 MiB.";
/// Stored files' names start with this, so serving them needs no look-up to tell them from images.
pub const PREFIX: &str = "file-";

/// Refuses a body that declares itself too large before a byte of it is read.
pub async fn refuse_oversized(request: Request, next: Next) -> Response {
    if uploads::declared_length(&request).is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return AppError::PayloadTooLarge(TOO_LARGE).into_response();
    }
    next.run(request).await
}

/// Stores the part named `file` and records it as the caller's. Counted against the caller's
/// uploads before a byte is stored; a file over the limit is refused while it streams in and
/// leaves nothing behind.
pub async fn store_file(
    state: &AppState,
    me: &AuthUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<FileRef> {
    let mut multipart = multipart.map_err(|_| {
        AppError::UnsupportedMediaType(
            "Send the file as multipart/form-data, in a part named \"file\".".into(),
        )
    })?;
    state.auth.limits.upload(&state.db, me.user.id).await?;
    let dir = &state.settings.upload_dir;
    let mut stored = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        if stored.is_some() || field.name() != Some("file") {
            // Read past, so the connection stays usable (the body limit bounds it).
            while field.chunk().await.map_err(multipart_error)?.is_some() {}
            continue;
        }
        let name = original_name(field.file_name()).map_err(|e| AppError::field("file", e))?;
        stored = Some((name, receive(dir, &mut field).await?));
    }
    let Some((name, (partial, received))) = stored else {
        return Err(AppError::field("file", "Choose a file to upload."));
    };
    let stored_name = partial.keep().await?;
    let record = UploadRecord {
        name: stored_name.clone(),
        owner_id: me.user.id,
        content_type: received.content_type.clone(),
        width: 0,
        height: 0,
        bytes: received.bytes,
        original_name: Some(name.clone()),
    };
    if let Err(e) = state.db.record_upload(record).await {
        let _ = tokio::fs::remove_file(dir.join(&stored_name)).await;
        return Err(e.into());
    }
    Ok(FileRef {
        url: format!("/uploads/{stored_name}"),
        name,
        content_type: received.content_type,
        bytes: received.bytes,
    })
}

struct Received {
    bytes: u64,
    content_type: String,
}

/// Streams the part to a hidden file in `dir`, judging its type on the way.
async fn receive(dir: &Path, field: &mut Field<'_>) -> AppResult<(Partial, Received)> {
    let partial = Partial::new(dir);
    let mut out = tokio::fs::File::create(&partial.path)
        .await
        .map_err(|e| AppError::internal(format!("creating {}: {e}", partial.path.display())))?;
    let (mut bytes, mut sniffer) = (0u64, sniff::Sniffer::default());
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        bytes += chunk.len() as u64;
        if bytes > FILE_MAX_BYTES {
            drop((out, partial));
            // The little left within the body limit is read, so the client gets the answer
            // instead of a reset connection.
            while let Ok(Some(_)) = field.chunk().await {}
            return Err(AppError::PayloadTooLarge(TOO_LARGE));
        }
        sniffer.push(&chunk);
        out.write_all(&chunk)
            .await
            .map_err(|e| AppError::internal(format!("writing an upload: {e}")))?;
    }
    out.flush()
        .await
        .map_err(|e| AppError::internal(format!("writing an upload: {e}")))?;
    let content_type = sniffer.content_type().to_owned();
    Ok((
        partial,
        Received {
            bytes,
            content_type,
        },
    ))
}

/// A file being received under a hidden `.part` name (never served, see
/// [`uploads::is_stored_name`]); removed when dropped unless kept, so an upload that fails or
/// is abandoned halfway leaves nothing behind.
struct Partial {
    dir: PathBuf,
    name: String,
    path: PathBuf,
    kept: bool,
}

impl Partial {
    fn new(dir: &Path) -> Self {
        let name = format!("{PREFIX}{}", Uuid::new_v4().simple());
        Partial {
            dir: dir.to_owned(),
            path: dir.join(format!(".{name}.part")),
            name,
            kept: false,
        }
    }

    /// Gives the file its real name; returns it.
    async fn keep(mut self) -> AppResult<String> {
        tokio::fs::rename(&self.path, self.dir.join(&self.name))
            .await
            .map_err(|e| AppError::internal(format!("storing upload {}: {e}", self.name)))?;
        self.kept = true;
        Ok(std::mem::take(&mut self.name))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge(TOO_LARGE)
    } else {
        AppError::BadRequest(format!("The upload could not be read: {}", e.body_text()))
    }
}

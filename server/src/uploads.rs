//! Uploaded images: read from a multipart body within the size limit, judged and re-encoded
//! (`images`), stored under a name the server makes, and recorded with their owner.

use crate::auth::AuthUser;
use crate::db::{UploadRecord, UserRecord};
use crate::error::{AppError, AppResult};
use crate::images::{self, ImageError, Processed};
use crate::state::AppState;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{Multipart, Request};
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use shared::UploadResponse;
use std::path::Path;
use uuid::Uuid;

/// Room for the multipart envelope around a file of the largest allowed size.
pub const MAX_BODY_BYTES: usize = images::MAX_UPLOAD_BYTES + 64 * 1024;
const TOO_LARGE: &str = "Images may be at most 10 MiB.";

/// Refuses a body that declares itself too large before a byte of it is read.
pub async fn refuse_oversized(request: Request, next: Next) -> Response {
    if declared_length(&request).is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return AppError::PayloadTooLarge(TOO_LARGE).into_response();
    }
    next.run(request).await
}

/// The body's length as its `Content-Length` declares it.
pub fn declared_length(request: &Request) -> Option<u64> {
    request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// The bytes of the part named `file`, never more than the limit. The rest of the body is read
/// too (within the body limit), so the connection stays usable for the client's next request.
pub async fn read_file_part(
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Vec<u8>> {
    let mut multipart = multipart.map_err(|_| {
        AppError::UnsupportedMediaType(
            "Send the image as multipart/form-data, in a part named \"file\".".into(),
        )
    })?;
    let mut file = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let wanted = file.is_none() && field.name() == Some("file");
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if wanted {
                if bytes.len() + chunk.len() > images::MAX_UPLOAD_BYTES {
                    return Err(AppError::PayloadTooLarge(TOO_LARGE));
                }
                bytes.extend_from_slice(&chunk);
            }
        }
        if wanted {
            file = Some(bytes);
        }
    }
    file.ok_or_else(|| AppError::field("file", "Choose an image to upload."))
}

fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge(TOO_LARGE)
    } else {
        AppError::BadRequest(format!("The upload could not be read: {}", e.body_text()))
    }
}

impl From<ImageError> for AppError {
    fn from(e: ImageError) -> Self {
        match e {
            ImageError::Unsupported => AppError::UnsupportedMediaType(e.to_string()),
            ImageError::TooManyPixels { .. } => {
                AppError::PayloadTooLarge("The image has too many pixels.")
            }
            ImageError::TooManyFrames { .. } => {
                AppError::PayloadTooLarge("The animation has too many frames (at most 1,000).")
            }
            ImageError::Corrupt => AppError::field("file", e.to_string()),
        }
    }
}

/// An image for a message: stored, recorded as the caller's, and described.
pub async fn store_image(
    state: &AppState,
    me: &AuthUser,
    bytes: Vec<u8>,
) -> AppResult<UploadResponse> {
    state.auth.limits.upload(&state.db, me.user.id).await?;
    let processed = process(bytes, images::process_upload).await?;
    let name = format!("{}.{}", Uuid::new_v4().simple(), processed.kind.extension());
    let dir = &state.settings.upload_dir;
    write(dir, &name, &processed.bytes).await?;
    let record = UploadRecord {
        name: name.clone(),
        owner_id: me.user.id,
        content_type: processed.kind.content_type().into(),
        width: processed.width,
        height: processed.height,
        bytes: processed.bytes.len() as u64,
        original_name: None,
    };
    if let Err(e) = state.db.record_upload(record).await {
        let _ = tokio::fs::remove_file(dir.join(&name)).await;
        return Err(e.into());
    }
    Ok(UploadResponse {
        url: format!("/uploads/{name}"),
        content_type: processed.kind.content_type().into(),
        width: processed.width,
        height: processed.height,
        bytes: processed.bytes.len() as u64,
    })
}

/// A new avatar for the caller; the one it replaces is deleted.
pub async fn set_avatar(state: &AppState, me: &AuthUser, bytes: Vec<u8>) -> AppResult<UserRecord> {
    state.auth.limits.upload(&state.db, me.user.id).await?;
    let processed = process(bytes, images::process_avatar).await?;
    let name = format!(
        "avatar-{}.{}",
        Uuid::new_v4().simple(),
        processed.kind.extension()
    );
    let dir = &state.settings.upload_dir;
    write(dir, &name, &processed.bytes).await?;
    let old = match state
        .db
        .set_photo(me.user.id, &format!("/uploads/{name}"))
        .await
    {
        Ok(old) => old,
        Err(e) => {
            let _ = tokio::fs::remove_file(dir.join(&name)).await;
            return Err(e.into());
        }
    };
    if let Some(old_name) = old
        .as_deref()
        .and_then(|url| url.strip_prefix("/uploads/avatar-"))
    {
        let _ = tokio::fs::remove_file(dir.join(format!("avatar-{old_name}"))).await;
    }
    state
        .db
        .user_by_id(me.user.id)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Whether `name` could be one this server made (`{hex}.{ext}`, `avatar-{hex}.{ext}`,
/// `file-{hex}`): a plain file name, never a path, a hidden file or a half-written `.part`.
pub fn is_stored_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && !name.ends_with(".part")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
}

/// Images decoded at once. Decoding and resizing a 40-megapixel photo peaks at about 340 MB,
/// so a burst of uploads waits its turn instead of multiplying that.
const IMAGE_JOBS: usize = 2;
static IMAGE_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(IMAGE_JOBS);

/// Image work is CPU-bound: it runs on the blocking pool, a few jobs at a time.
async fn process(
    bytes: Vec<u8>,
    f: fn(&[u8]) -> Result<Processed, ImageError>,
) -> AppResult<Processed> {
    let _slot = IMAGE_SLOTS.acquire().await.map_err(AppError::internal)?;
    Ok(tokio::task::spawn_blocking(move || f(&bytes))
        .await
        .map_err(AppError::internal)??)
}

/// Writes under a temporary name and renames, so a half-written file is never served.
async fn write(dir: &Path, name: &str, bytes: &[u8]) -> AppResult<()> {
    let tmp = dir.join(format!(".{name}.part"));
    let result = async {
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, dir.join(name)).await
    }
    .await;
    if let Err(e) = result {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(AppError::internal(format!("storing upload {name}: {e}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_stored_name;

    #[test]
    fn only_plain_file_names_are_stored_names() {
        for name in [
            "0123abcd.png",
            "avatar-0123abcd.jpg",
            "a.gif",
            "file-0123abcd",
        ] {
            assert!(is_stored_name(name), "{name}");
        }
        for name in [
            "",
            ".",
            "..",
            "../data/jwt_secret",
            "a/b.png",
            ".0123abcd.png.part",
            "x.part",
            ".file-0123abcd.part",
            "a\\b.png",
            "%2e%2e",
            "a b.png",
            &"a".repeat(101),
        ] {
            assert!(!is_stored_name(name), "{name}");
        }
    }
}

//! `/api/uploads` (images for messages), `/api/files` (other files) and `/uploads/{name}`
//! (serving them and avatars, only to those who may see them).

use crate::auth::AuthUser;
use crate::error::{AppError, AppResult, Json};
use crate::state::AppState;
use crate::{files, uploads};
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use shared::{FileRef, UploadResponse};
use tower::ServiceExt;
use tower_http::services::ServeFile;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/uploads",
            post(upload)
                .layer(DefaultBodyLimit::max(uploads::MAX_BODY_BYTES))
                .layer(axum::middleware::from_fn(uploads::refuse_oversized)),
        )
        .route(
            "/api/files",
            post(upload_file)
                .layer(DefaultBodyLimit::max(files::MAX_BODY_BYTES))
                .layer(axum::middleware::from_fn(files::refuse_oversized)),
        )
        .route("/uploads/{*name}", get(serve))
}

async fn upload(
    State(state): State<AppState>,
    me: AuthUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<(StatusCode, Json<UploadResponse>)> {
    let bytes = uploads::read_file_part(multipart).await?;
    let stored = uploads::store_image(&state, &me, bytes).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

async fn upload_file(
    State(state): State<AppState>,
    me: AuthUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<(StatusCode, Json<FileRef>)> {
    let stored = files::store_file(&state, &me, multipart).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// A stored file, to a signed-in user who may see it (`Uploads::may_see_upload`). Everyone else,
/// signed in or not, gets the 404 an unknown name gets, so nobody learns which names exist.
/// `ServeFile` answers `HEAD`, ranges and `If-Modified-Since`, with the type the (server-made)
/// extension says; a file (not an image) goes with the type judged at upload, as an attachment
/// under its original name.
async fn serve(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
    request: Request,
) -> AppResult<Response> {
    let Ok(Path(name)) = name else {
        return Err(AppError::NotFound);
    };
    let me = match AuthUser::from_headers(&state, request.headers()).await {
        Err(AppError::Unauthenticated) => return Err(AppError::NotFound),
        other => other?,
    };
    if !uploads::is_stored_name(&name) || !state.db.may_see_upload(&name, me.user.id).await? {
        return Err(AppError::NotFound);
    }
    let download = if name.starts_with(files::PREFIX) {
        let upload = state.db.upload(&name).await?.ok_or(AppError::NotFound)?;
        let original = upload.original_name.as_deref().unwrap_or("file");
        Some((upload.content_type, files::content_disposition(original)))
    } else {
        None
    };
    let file = ServeFile::new(state.settings.upload_dir.join(&name));
    let Ok(mut response) = file.oneshot(request).await;
    let status = response.status();
    if status == StatusCode::NOT_FOUND {
        return Err(AppError::NotFound);
    }
    let headers = response.headers_mut();
    // Uploaded files are data, never pages: no sniffing, no scripts, no plugins.
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        ),
    );
    // Names are never reused, so a browser may keep a file for good; shared caches must not,
    // since not everyone may see it.
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        headers.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=31536000, immutable"),
        );
    }
    // Downloaded, never shown in the page: whatever it holds, the browser saves it.
    if let Some((content_type, disposition)) = download {
        let header = |value: &str| HeaderValue::from_str(value).map_err(AppError::internal);
        if status.is_success() {
            headers.insert(CONTENT_TYPE, header(&content_type)?);
        }
        headers.insert(CONTENT_DISPOSITION, header(&disposition)?);
    }
    Ok(response.map(Body::new))
}

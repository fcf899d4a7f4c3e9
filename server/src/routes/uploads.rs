//! `/api/uploads` (images for messages) and `/uploads/{name}` (serving them and avatars).

use crate::auth::AuthUser;
use crate::error::{AppResult, Json};
use crate::state::AppState;
use crate::uploads;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, Response, StatusCode};
use axum::routing::post;
use axum::Router;
use shared::UploadResponse;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

pub fn router(state: &AppState) -> Router<AppState> {
    // Uploaded files are data, never pages: no sniffing, no scripts, no plugins. Their names
    // are never reused, so browsers may keep them.
    let files = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            CACHE_CONTROL,
            |res: &Response<_>| {
                res.status()
                    .is_success()
                    .then(|| HeaderValue::from_static("public, max-age=31536000, immutable"))
            },
        ))
        .service(ServeDir::new(&state.settings.upload_dir));
    Router::new()
        .route(
            "/api/uploads",
            post(upload)
                .layer(DefaultBodyLimit::max(uploads::MAX_BODY_BYTES))
                .layer(axum::middleware::from_fn(uploads::refuse_oversized)),
        )
        .nest_service("/uploads", files)
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

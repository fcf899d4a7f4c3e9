//! The one error type of the server, mapped once to the contract's JSON error shape. Detail of
//! internal failures is logged here and never sent to the client.

use crate::db::{DbError, Refusal};
use axum::extract::rejection::JsonRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use shared::{ErrorBody, ErrorResponse, FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("invalid fields")]
    Validation(FieldErrors),
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {code}")]
    Conflict {
        code: &'static str,
        message: &'static str,
    },
    #[error("payload too large")]
    PayloadTooLarge(&'static str),
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("not ready")]
    NotReady,
    #[error("internal: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// One invalid field, as `{"fields": {field: message}}`.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(FieldErrors::from([(field.to_owned(), message.into())]))
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotReady => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body a client sees: a stable code and a sentence a person can read.
    pub fn body(&self) -> ErrorBody {
        let (code, message, fields) = match self {
            AppError::BadRequest(m) => ("bad_request", m.clone(), None),
            AppError::Validation(f) => (
                "validation_failed",
                "Some fields need attention.".into(),
                Some(f.clone()),
            ),
            AppError::Unauthenticated => ("unauthenticated", "Sign in to continue.".into(), None),
            AppError::InvalidCredentials => (
                "invalid_credentials",
                "Wrong email or password.".into(),
                None,
            ),
            AppError::Forbidden(m) => ("forbidden", (*m).into(), None),
            AppError::NotFound => ("not_found", "Not found.".into(), None),
            AppError::MethodNotAllowed => (
                "method_not_allowed",
                "That method is not allowed here.".into(),
                None,
            ),
            AppError::Conflict { code, message } => (*code, (*message).into(), None),
            AppError::PayloadTooLarge(m) => ("payload_too_large", (*m).into(), None),
            AppError::UnsupportedMediaType(m) => ("unsupported_media_type", m.clone(), None),
            AppError::RateLimited { .. } => (
                "rate_limited",
                "Too many attempts; try again later.".into(),
                None,
            ),
            AppError::NotReady => ("not_ready", "The server is not ready yet.".into(), None),
            AppError::Internal(_) => ("internal", "Something went wrong on our side.".into(), None),
        };
        ErrorBody {
            code: code.into(),
            message,
            fields,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let mut response = (
            self.status(),
            axum::Json(ErrorResponse { error: self.body() }),
        )
            .into_response();
        if let AppError::RateLimited { retry_after_secs } = self {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs.max(1)),
            );
        }
        response
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => AppError::NotFound,
            DbError::UploadGone => {
                AppError::field("img", "This image was removed as unused; attach it again.")
            }
            DbError::FileGone => {
                AppError::field("file", "This file was removed as unused; attach it again.")
            }
            DbError::Refused(refusal) => refused(refusal),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// The contract's answer to a change to a message that its rules refuse.
fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::NotSender => AppError::Forbidden("Only its sender may change this message."),
        Refusal::Deleted => AppError::Conflict {
            code: "conflict",
            message: "This message was deleted.",
        },
        Refusal::Blank => AppError::field("text", "Write something, or keep an image or a file."),
        Refusal::TooManyEmoji => AppError::field(
            "emoji",
            format!(
                "A message takes at most {} different emoji.",
                shared::REACTIONS_MAX
            ),
        ),
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedMediaType(
                "Send the body as JSON (Content-Type: application/json).".into(),
            ),
            JsonRejection::BytesRejection(_) => {
                AppError::PayloadTooLarge("The request body is too large.")
            }
            other => AppError::BadRequest(format!(
                "The request body is not valid: {}",
                other.body_text()
            )),
        }
    }
}

/// `axum::Json`, with rejections in our error shape instead of axum's plain text.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A panic in a handler becomes an opaque 500 and the server keeps serving.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    AppError::Internal(format!("handler panicked: {detail}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_never_reaches_the_body() {
        let body = AppError::Internal("SELECT * FROM users failed at /var/lib/x".into()).body();
        assert_eq!(body.code, "internal");
        assert!(!body.message.contains("SELECT") && !body.message.contains("/var"));
    }

    #[test]
    fn validation_errors_name_their_fields() {
        let e = AppError::field("email", "Enter your email address.");
        assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            e.body().fields.unwrap()["email"],
            "Enter your email address."
        );
    }

    #[test]
    fn rate_limits_say_when_to_retry() {
        let response = AppError::RateLimited {
            retry_after_secs: 30,
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "30");
    }
}

#[cfg(test)]
mod panic_tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;
    use tower_http::catch_panic::CatchPanicLayer;

    #[tokio::test]
    async fn a_panicking_handler_becomes_an_opaque_500_and_serving_goes_on() {
        let app = Router::new()
            .route(
                "/boom",
                get(|| async { panic!("secret detail") as &'static str }),
            )
            .route("/fine", get(|| async { "fine" }))
            .layer(CatchPanicLayer::custom(panic_response));
        let response = app
            .clone()
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let error: ErrorResponse = serde_json::from_slice(&body).unwrap();
        assert_eq!(error.error.code, "internal");
        assert!(!String::from_utf8_lossy(&body).contains("secret detail"));
        let after = app
            .oneshot(Request::get("/fine").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(after.status(), StatusCode::OK);
    }
}

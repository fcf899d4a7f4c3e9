//! Someone already signed in who opens the sign-in or sign-up page is sent on to the chat by
//! the server, so those pages need not ask in the browser who is signed in.

use crate::auth::AuthUser;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn leave_sign_in_pages(
    State(state): State<AppState>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let sign_in_page = matches!(req.uri().path(), "/login" | "/register");
    if sign_in_page && AuthUser::from_headers(&state, req.headers()).await.is_ok() {
        // 302, as the page's own redirects (Leptos's) are.
        return (StatusCode::FOUND, [(header::LOCATION, "/")]).into_response();
    }
    next.run(req).await
}

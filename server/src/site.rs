//! The pages: Leptos renders them on the server and the WASM hydrates them. Also the page's
//! server functions, the site's files (`/pkg` and the favicon: built into release binaries,
//! else read from the site folder), the fallback for every other path, and the security
//! headers of them all.

mod embedded;
mod files;
mod form_errors;
mod headers;
#[cfg(test)]
mod scan;
mod sign_up;
mod signed_in;

pub use files::{leptos_options, SiteError};

use crate::error::AppError;
use crate::state::AppState;
use app::backend::Backend;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, on, MethodFilter};
use axum::Router;
use files::Files;
use leptos::prelude::provide_context;
use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

pub fn router(state: &AppState) -> Router<AppState> {
    let options = state.leptos_options.clone();
    let files = Files::new(&options);
    let shell_options = options.clone();
    let backend: Arc<dyn Backend> = Arc::new(state.clone());
    // Pages and server functions alike find the server's services in context.
    let context = move || provide_context(backend.clone());
    let page_context = {
        let context = context.clone();
        move || {
            context();
            headers::provide_page_policy();
        }
    };
    let seal = Arc::new(form_errors::Seal::new(&state.settings));
    let _ = any_spawner::Executor::init_tokio();
    // Each screen is rendered whole before it is sent, so a page that sends the visitor elsewhere
    // answers with a real redirect instead of a flash of the wrong screen.
    let page = leptos_axum::render_app_async_with_context(page_context, move || {
        app::shell(shell_options.clone())
    });
    let mut pages = Router::new();
    for path in app::PAGES {
        pages = pages.route(path, get(page.clone()));
    }
    let pages = pages
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            sign_up::invitation_notice,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            signed_in::leave_sign_in_pages,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            seal.clone(),
            only_signed_form_errors,
        ));
    let mut router = Router::new().merge(pages);
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        let (context, seal) = (context.clone(), seal.clone());
        let handler = move |req: Request<Body>| server_fn(context.clone(), seal.clone(), req);
        let filter = MethodFilter::try_from(method).expect("server functions use plain methods");
        router = router.route(path, on(filter, handler));
    }
    let pkg_files = files.clone();
    let router = router
        .route(
            &format!("/{}/{{*path}}", files::PKG),
            get(move |req: Request| async move {
                match pkg_files.serve(req).await {
                    Some(response) => response,
                    None => axum::http::StatusCode::NOT_FOUND.into_response(),
                }
            }),
        )
        .fallback(move |req| fallback(files.clone(), page.clone(), req));
    headers::add_to(router)
}

/// Runs a server function on a body read whole first, so one over the limit (2 MiB, axum's
/// default) is a 413 in the API's shape; Leptos would answer 500 with the reader's message.
/// A form posted without the WASM that failed goes back to its page with the error signed.
async fn server_fn(
    context: impl Fn() + Clone + Send + 'static,
    seal: Arc<form_errors::Seal>,
    req: Request<Body>,
) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match Bytes::from_request(Request::new(body), &()).await {
        Ok(bytes) => bytes,
        Err(BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_))) => {
            return AppError::PayloadTooLarge("The request body is too large.").into_response()
        }
        Err(_) => {
            return AppError::BadRequest("The request body could not be read.".into())
                .into_response()
        }
    };
    let req = Request::from_parts(parts, Body::from(bytes));
    let mut response = leptos_axum::handle_server_fns_with_context(context, req)
        .await
        .into_response();
    let signed = response
        .headers()
        .get(header::LOCATION)
        .and_then(|location| location.to_str().ok())
        .and_then(|location| seal.sign(location, SystemTime::now()))
        .and_then(|location| HeaderValue::try_from(location).ok());
    if let Some(location) = signed {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// A page whose address carries a form error this server did not sign is sent to the same
/// address without it (see `form_errors`).
async fn only_signed_form_errors(
    State(seal): State<Arc<form_errors::Seal>>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let clean = req
        .uri()
        .query()
        .and_then(|query| seal.check(query, SystemTime::now()));
    match clean {
        Some(query) if query.is_empty() => Redirect::to(req.uri().path()).into_response(),
        Some(query) => Redirect::to(&format!("{}?{query}", req.uri().path())).into_response(),
        None => next.run(req).await,
    }
}

/// Unknown API paths answer in JSON; anything else is one of the site's files (the favicon) or
/// the app's own "not found" page.
async fn fallback<F>(files: Files, page: impl FnOnce(Request) -> F, req: Request) -> Response
where
    F: Future<Output = Response>,
{
    let path = req.uri().path();
    if path == "/api" || path.starts_with("/api/") || path == "/ws" {
        return AppError::NotFound.into_response();
    }
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        let (parts, body) = req.into_parts();
        let probe = Request::from_parts(parts.clone(), Body::empty());
        if let Some(response) = files.serve(probe).await {
            return response;
        }
        return page(Request::from_parts(parts, body)).await;
    }
    page(req).await
}

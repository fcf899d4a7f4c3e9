//! The pages: Leptos renders them on the server and the WASM hydrates them. Also the built
//! assets under `/pkg` and the fallback for every other path.

use crate::error::AppError;
use crate::state::AppState;
use app::backend::Backend;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderValue, Response as HttpResponse, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, on, MethodFilter};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use std::path::Path;
use std::sync::Arc;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// How the server finds the site cargo-leptos built. File hashing is on when cargo-leptos left
/// its `hash.txt` beside the binary (as `cargo leptos build` does).
pub fn leptos_options(site_root: &Path, addr: std::net::SocketAddr) -> LeptosOptions {
    let hash_files = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").exists()))
        .unwrap_or(false);
    LeptosOptions::builder()
        .output_name(option_env!("LEPTOS_OUTPUT_NAME").unwrap_or("letuschat"))
        .site_root(site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .hash_files(hash_files)
        .build()
}

pub fn router(state: &AppState) -> Router<AppState> {
    let options = state.leptos_options.clone();
    let pkg_dir = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    // Hashed names change with their content, so browsers may keep them for a year.
    let cache_control = HeaderValue::from_static(if options.hash_files {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    });
    let pkg = ServeDir::new(pkg_dir)
        .precompressed_br()
        .precompressed_gzip();
    let shell_options = options.clone();
    let backend: Arc<dyn Backend> = Arc::new(state.clone());
    // Pages and server functions alike find the server's services in context.
    let context = move || provide_context(backend.clone());
    let _ = any_spawner::Executor::init_tokio();
    // Each screen is rendered whole before it is sent, so a page that sends the visitor elsewhere
    // answers with a real redirect instead of a flash of the wrong screen.
    let page = leptos_axum::render_app_async_with_context(context.clone(), move || {
        app::shell(shell_options.clone())
    });
    let mut router = Router::new();
    for path in app::PAGES {
        router = router.route(path, get(page.clone()));
    }
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        let context = context.clone();
        let handler = move |req: Request<Body>| server_fn(context.clone(), req);
        let filter = MethodFilter::try_from(method).expect("server functions use plain methods");
        router = router.route(path, on(filter, handler));
    }
    router
        .nest_service(
            "/pkg",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    move |res: &HttpResponse<_>| {
                        res.status().is_success().then(|| cache_control.clone())
                    },
                ))
                .service(pkg),
        )
        .fallback(fallback)
}

/// Runs a server function on a body read whole first, so one over the limit (2 MiB, axum's
/// default) is a 413 in the API's shape; Leptos would answer 500 with the reader's message.
async fn server_fn(context: impl Fn() + Clone + Send + 'static, req: Request<Body>) -> Response {
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
    leptos_axum::handle_server_fns_with_context(context, req)
        .await
        .into_response()
}

/// Unknown API paths answer in JSON; anything else is a static file from the site folder or
/// the app's own "not found" page.
async fn fallback(uri: Uri, state: State<AppState>, req: Request<Body>) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") || path == "/ws" {
        return AppError::NotFound.into_response();
    }
    leptos_axum::file_and_error_handler::<AppState, _>(app::shell)(uri, state, req).await
}

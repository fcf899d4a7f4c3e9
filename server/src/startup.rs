//! Builds the server from settings, binds it, and serves until told to stop. Binding comes
//! before serving so tests can run the real server on port 0 and read the port back.

use crate::auth::Auth;
use crate::config::DatabaseUrl;
use crate::config::Settings;
use crate::db::notify::PgBus;
use crate::db::{self, DbError};
use crate::error::{panic_response, AppError};
use crate::metrics::{self, Metrics};
use crate::realtime::bus::{self, Outbox};
use crate::realtime::{Fanout, Hub};
use crate::shutdown::Shutdown;
use crate::state::AppState;
use crate::{auth, routes, secret, site, ws};
use axum::response::IntoResponse;
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the {backend} database: {source}")]
    Database {
        backend: &'static str,
        source: DbError,
    },
    #[error("cannot use {what} {path}: {source}")]
    Files {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot serve metrics on {addr} (LETUSCHAT_METRICS_ADDR): {source}")]
    MetricsBind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Site(#[from] site::SiteError),
}

pub struct Application {
    listener: TcpListener,
    /// Bound when `LETUSCHAT_METRICS_ADDR` is set.
    metrics_listener: Option<TcpListener>,
    state: AppState,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        // Before anything is written: a server without its site would answer every page with
        // one that never comes alive.
        let mut leptos_options = site::leptos_options(&settings.site_root)?;
        let files = |what, path: &std::path::Path| {
            let path = path.display().to_string();
            move |source| StartError::Files { what, path, source }
        };
        std::fs::create_dir_all(&settings.data_dir)
            .map_err(files("the data folder", &settings.data_dir))?;
        std::fs::create_dir_all(&settings.upload_dir)
            .map_err(files("the upload folder", &settings.upload_dir))?;
        let jwt_secret = match &settings.jwt_secret {
            Some(secret) => secret.clone(),
            None => secret::load_or_create(&settings.data_dir)
                .map_err(files("the secret in", &settings.data_dir))?,
        };
        let db = db::connect(&settings.database)
            .await
            .map_err(|source| StartError::Database {
                backend: settings.database.backend(),
                source,
            })?;
        let listener =
            TcpListener::bind(settings.addr)
                .await
                .map_err(|source| StartError::Bind {
                    addr: settings.addr,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: settings.addr,
            source,
        })?;
        leptos_options.site_addr = addr;
        let metrics_listener = match settings.metrics_addr {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| StartError::MetricsBind { addr, source })?,
            ),
            None => None,
        };
        let hub = Arc::new(Hub::new(settings.ws_per_user));
        // Several processes can share a PostgreSQL database; they tell each other what their
        // connections must hear. A SQLite database has one process.
        let bus = match &settings.database {
            DatabaseUrl::Postgres(url) => {
                Some(Arc::new(PgBus::connect(url.expose()).await.map_err(
                    |source| StartError::Database {
                        backend: "postgres",
                        source,
                    },
                )?))
            }
            DatabaseUrl::Sqlite(_) => None,
        };
        let origin = uuid::Uuid::new_v4();
        let outbox = bus.clone().map(|bus| Outbox::start(bus, origin));
        let fanout = Arc::new(Fanout::new(hub.clone(), db.clone(), origin, outbox));
        let metrics = Arc::new(Metrics::new(hub.clone(), db.clone(), bus.clone()));
        let state = AppState {
            leptos_options,
            db,
            auth: Arc::new(Auth::new(&jwt_secret, &settings, metrics.clone())),
            metrics,
            settings: Arc::new(settings),
            shutdown: Shutdown::default(),
            hub,
            fanout,
        };
        if let Some(bus) = bus {
            tokio::spawn(bus::listen(
                state.fanout.clone(),
                bus,
                state.shutdown.clone(),
            ));
        }
        state
            .fanout
            .start_presence(state.shutdown.clone())
            .await
            .map_err(|source| StartError::Database {
                backend: state.db.backend(),
                source,
            })?;
        crate::memory::spawn_trimmer(state.hub.clone());
        crate::housekeeping::spawn(&state);
        Ok(Application {
            listener,
            metrics_listener,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Where `/metrics` is served, if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .map(|l| l.local_addr().expect("a bound listener has an address"))
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `signal` resolves, then lets in-flight requests finish and tells WebSockets
    /// to close.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Application {
            listener,
            metrics_listener,
            state,
        } = self;
        let shutdown = state.shutdown.clone();
        let hub = state.hub.clone();
        let fanout = state.fanout.clone();
        tracing::info!(
            "listening on http://{} with {}",
            listener.local_addr()?,
            state.db.backend()
        );
        let header_timeout = state.settings.header_timeout;
        // Stops when the app does: told by the same trigger.
        let metrics_server = match metrics_listener {
            Some(listener) => {
                tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
                let stop = shutdown.clone();
                Some(tokio::spawn(crate::serve::serve(
                    listener,
                    metrics::router(state.metrics.clone()),
                    header_timeout,
                    async move { stop.wait().await },
                )))
            }
            None => None,
        };
        crate::serve::serve(listener, router(state), header_timeout, async move {
            signal.await;
            tracing::info!("shutting down: finishing requests in flight");
            shutdown.trigger();
        })
        .await;
        // WebSockets outlive the HTTP server's shutdown: give them a moment to send their 1001.
        hub.wait_closed(std::time::Duration::from_secs(5)).await;
        fanout.stop_presence().await;
        if let Some(metrics_server) = metrics_server {
            let _ = metrics_server.await;
        }
        Ok(())
    }
}

pub fn router(state: AppState) -> Router {
    let metrics = state.metrics.clone();
    Router::new()
        .merge(routes::router(&state))
        .merge(ws::router())
        .merge(site::router(&state))
        .route_layer(axum::middleware::from_fn(metrics::http::remember_route))
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed.into_response() })
        .layer(axum::middleware::from_fn(auth::csrf::guard))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::http::observe,
        ))
        .with_state(state)
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed by this call, not when
/// the future is first polled: a SIGTERM sent just after "listening on" must stop the server
/// gracefully, not kill it with the signal's default action.
#[cfg(unix)]
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{signal, Signal, SignalKind};
    async fn received(signal: std::io::Result<Signal>) {
        match signal {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    }
    let interrupt = received(signal(SignalKind::interrupt()));
    let terminate = received(signal(SignalKind::terminate()));
    async move {
        tokio::select! {
            () = interrupt => {},
            () = terminate => {},
        }
    }
}

#[cfg(not(unix))]
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The runtime the server runs on. Rendering the app's pages nests deeply (much more so in debug
/// builds), so worker threads get 8 MiB stacks instead of tokio's 2 MiB; the memory is only
/// reserved, not used, until needed.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 * 1024 * 1024)
        .build()
        .expect("a tokio runtime")
}

//! The accept loop: each connection served by hyper's HTTP/1 with a timer, so that a client
//! that does not send a request's headers in time (one that says nothing, sends half a request,
//! or sits idle between requests) is disconnected; `axum::serve` cannot be told to. It keeps
//! what `axum::serve` did: TCP_NODELAY, the client address as `ConnectInfo`, WebSocket
//! upgrades (an upgraded connection leaves hyper, and the timeout, behind), and a graceful
//! stop in which requests in flight finish.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::pin::pin;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

/// Serves `router` on `listener` until `signal` resolves, then stops accepting, lets every
/// connection finish the request it is answering, and returns once all have closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    signal: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    // Every connection task holds a receiver of `open`; `stop` (sent once) tells them to finish.
    let (stop, stopping) = watch::channel(());
    let (open, connections) = watch::channel(());
    let mut signal = pin!(signal);
    loop {
        let (tcp, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            () = &mut signal => break,
        };
        // Chat frames are small: without TCP_NODELAY, Nagle's algorithm holds a reply until the
        // client's delayed ACK (40 ms) whenever earlier frames are still unacknowledged.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(addr));
            router.clone().oneshot(req.map(Body::new))
        });
        let connection = http.serve_connection(TokioIo::new(tcp), service);
        let (mut stopping, still_open) = (stopping.clone(), connections.clone());
        tokio::spawn(async move {
            let mut connection = pin!(connection.with_upgrades());
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, %addr, "connection ended");
            }
            drop(still_open);
        });
    }
    drop(listener);
    stop.send_replace(());
    drop(connections);
    open.closed().await;
}

/// Connection errors concern one client; anything else (out of file descriptors, say) is worth
/// a pause before the next accept, as hyper's own server used to do.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

//! The sign-up page on a server that does not take everyone: without an invitation code it is
//! sent to an address that says why (`?invitation=needed` or `closed`), which the page reads
//! on the server and in the browser alike, so the WASM needs no call to learn the mode. An
//! empty server takes its first account whatever the mode, so it is left alone.

use crate::config::Registration;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

pub const PATH: &str = "/register";

pub async fn invitation_notice(
    State(state): State<AppState>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let notice = match state.settings.registration {
        Registration::Open => None,
        Registration::Invite => Some("needed"),
        Registration::Closed => Some("closed"),
    };
    let query = req.uri().query().unwrap_or_default();
    let said = |name: &str| form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == name);
    let Some(notice) = notice.filter(|_| req.uri().path() == PATH) else {
        return next.run(req).await;
    };
    let wanted = format!("invitation={notice}");
    if notice == "needed" && said("invite") {
        return next.run(req).await;
    }
    // A failure to read counts as "someone has signed up": the notice is the safe side.
    let empty = !state.db.has_accounts().await.unwrap_or(true);
    match (empty, query == wanted) {
        (true, true) => Redirect::to(PATH).into_response(),
        (false, false) => Redirect::to(&format!("{PATH}?{wanted}")).into_response(),
        _ => next.run(req).await,
    }
}

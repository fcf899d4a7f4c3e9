//! Requests over XMLHttpRequest: `fetch` cannot report upload progress, XMLHttpRequest can, and
//! one way of asking keeps the WASM small.

use crate::api::{ApiError, UserMatches};
use shared::{Conversation, ConversationId, Me, MessagePage};

/// Uploads an image for a message; its URL on the server.
#[cfg(feature = "hydrate")]
pub async fn upload_image(
    file: web_sys::File,
    on_progress: impl Fn(f64) + 'static,
) -> Result<String, String> {
    let body = send_file("POST", "/api/uploads", file, "image", on_progress).await?;
    shared::json::from_slice::<shared::UploadResponse>(body.as_bytes())
        .map(|r| r.url)
        .map_err(|_| "The server's answer could not be read.".to_string())
}

/// Uploads any file for a message (`POST /api/files`): what the message carries.
#[cfg(feature = "hydrate")]
pub async fn upload_file(
    file: web_sys::File,
    on_progress: impl Fn(f64) + 'static,
) -> Result<shared::FileRef, String> {
    let body = send_file("POST", "/api/files", file, "file", on_progress).await?;
    shared::json::from_slice::<shared::FileRef>(body.as_bytes())
        .map_err(|_| "The server's answer could not be read.".to_string())
}

/// Sends `file` as the form field `file`: the answer's body when the server took it, or a
/// message for the person (the server's own, when it gave one). `what` names the file in it.
#[cfg(feature = "hydrate")]
pub async fn send_file(
    method: &str,
    url: &str,
    file: web_sys::File,
    what: &str,
    on_progress: impl Fn(f64) + 'static,
) -> Result<String, String> {
    let failed = |_| format!("Your browser could not send the {what}.");
    let form = web_sys::FormData::new().map_err(failed)?;
    form.append_with_blob("file", &file).map_err(failed)?;
    match request(method, url, Some(&form), Box::new(on_progress)).await {
        Some((200..=299, body)) => Ok(body),
        Some((0, _)) | None => Err(format!("Could not reach the server to upload the {what}.")),
        Some((_, body)) => Err(
            shared::json::from_slice::<shared::ErrorResponse>(body.as_bytes())
                .map(|e| e.error.message)
                .unwrap_or_else(|_| format!("The {what} could not be uploaded.")),
        ),
    }
}

/// `GET url`, read as JSON; `None` when it failed for any reason.
#[cfg(feature = "hydrate")]
pub async fn get<T: serde::de::DeserializeOwned>(url: &str) -> Option<T> {
    match request("GET", url, None, Box::new(|_| {})).await {
        Some((200..=299, body)) => shared::json::from_slice(body.as_bytes()).ok(),
        _ => None,
    }
}

/// One request: its status (0 when the server was not reached) and body. Not generic, so the
/// WASM holds it once.
#[cfg(feature = "hydrate")]
async fn request(
    method: &str,
    url: &str,
    form: Option<&web_sys::FormData>,
    on_progress: Box<dyn Fn(f64)>,
) -> Option<(u16, String)> {
    use futures::channel::oneshot;
    use leptos::wasm_bindgen::closure::Closure;
    use leptos::wasm_bindgen::JsCast;
    use std::cell::RefCell;
    use std::rc::Rc;

    let xhr = web_sys::XmlHttpRequest::new().ok()?;
    xhr.open(method, url).ok()?;
    let progress =
        Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
            if ev.length_computable() && ev.total() > 0.0 {
                on_progress(ev.loaded() / ev.total());
            }
        });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let (tx, rx) = oneshot::channel::<()>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let done = Closure::<dyn Fn()>::new(move || {
        if let Some(tx) = tx.borrow_mut().take() {
            let _ = tx.send(());
        }
    });
    xhr.set_onloadend(Some(done.as_ref().unchecked_ref()));
    xhr.send_with_opt_form_data(form).ok()?;
    let _ = rx.await;
    drop((progress, done));
    let body = xhr.response_text().ok().flatten().unwrap_or_default();
    Some((xhr.status().unwrap_or(0), body))
}

/// The reads the live chat makes, from the HTTP API in the browser (one small reader each,
/// where a server function's client costs the WASM much more), from the server functions
/// while the server renders. A failed read is `Err`; the caller keeps what it shows.
pub async fn conversations() -> Result<Vec<Conversation>, ApiError> {
    #[cfg(feature = "hydrate")]
    {
        let list = get::<shared::ConversationList>("/api/conversations").await;
        list.map(|l| l.conversations).ok_or_else(failed)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        crate::api::conversations().await
    }
}

/// A page of history: before `before`, or after `after` (see the API's `before` and `after`).
pub async fn history(
    id: ConversationId,
    before: Option<i64>,
    after: Option<i64>,
) -> Result<MessagePage, ApiError> {
    #[cfg(feature = "hydrate")]
    {
        let mut url = format!("/api/conversations/{id}/messages?limit=50");
        if let Some(seq) = before {
            url.push_str(&format!("&before={seq}"));
        }
        if let Some(seq) = after {
            url.push_str(&format!("&after={seq}"));
        }
        get(&url).await.ok_or_else(failed)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        crate::api::history(id, before, after).await
    }
}

/// New or changed messages past `rev` (catch-up after a reconnect).
pub async fn changed_after(id: ConversationId, rev: i64) -> Result<MessagePage, ApiError> {
    #[cfg(feature = "hydrate")]
    {
        let url = format!("/api/conversations/{id}/messages?changed_after={rev}&limit=100");
        get(&url).await.ok_or_else(failed)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        crate::api::changed_after(id, rev).await
    }
}

/// The first people whose name matches, and whether more do.
pub async fn people(query: String) -> Result<UserMatches, ApiError> {
    #[cfg(feature = "hydrate")]
    {
        let url = format!(
            "/api/users?limit={}&q={}",
            crate::api::SEARCH_SHOWN + 1,
            js_sys::encode_uri_component(&query)
        );
        let mut users = get::<shared::UserList>(&url)
            .await
            .ok_or_else(failed)?
            .users;
        let more = users.len() > crate::api::SEARCH_SHOWN;
        users.truncate(crate::api::SEARCH_SHOWN);
        Ok(UserMatches { users, more })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        crate::api::search_users(query).await
    }
}

/// Who is signed in: `None` when nobody is.
pub async fn me() -> Result<Option<Me>, ApiError> {
    #[cfg(feature = "hydrate")]
    {
        match request("GET", "/api/me", None, Box::new(|_| {})).await {
            Some((200..=299, body)) => shared::json::from_slice(body.as_bytes())
                .map(Some)
                .map_err(|_| failed()),
            Some((401, _)) => Ok(None),
            _ => Err(failed()),
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        crate::api::current_user().await
    }
}

#[cfg(feature = "hydrate")]
fn failed() -> ApiError {
    ApiError(shared::ErrorBody {
        code: "request_failed".into(),
        message: "Could not reach the server; check your connection.".into(),
        fields: None,
    })
}

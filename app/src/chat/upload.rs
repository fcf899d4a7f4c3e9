//! Sending a file with progress: `fetch` cannot report upload progress, XMLHttpRequest can.

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
    use futures::channel::oneshot;
    use leptos::wasm_bindgen::closure::Closure;
    use leptos::wasm_bindgen::JsCast;
    use std::cell::RefCell;
    use std::rc::Rc;

    let failed = |_| format!("Your browser could not send the {what}.");
    let form = web_sys::FormData::new().map_err(failed)?;
    form.append_with_blob("file", &file).map_err(failed)?;
    let xhr = web_sys::XmlHttpRequest::new().map_err(failed)?;
    xhr.open(method, url).map_err(failed)?;

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
    xhr.send_with_opt_form_data(Some(&form)).map_err(failed)?;
    let _ = rx.await;
    drop((progress, done));

    let body = xhr.response_text().ok().flatten().unwrap_or_default();
    match xhr.status().unwrap_or(0) {
        200..=299 => Ok(body),
        0 => Err(format!("Could not reach the server to upload the {what}.")),
        _ => Err(
            shared::json::from_slice::<shared::ErrorResponse>(body.as_bytes())
                .map(|e| e.error.message)
                .unwrap_or_else(|_| format!("The {what} could not be uploaded.")),
        ),
    }
}

//! The site's files as a server that reads them from disk serves them (the stand-in of
//! `helpers::fake_site`). The embedded site's answers have unit tests in `site::embedded`, and
//! the release binary is tried alone in Chromium (`end2end/tests/one_file.spec.ts`).

use crate::helpers::{spawn_app, Backend, TestApp};

async fn get(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.at(path));
    if let Some(accept) = accept_encoding {
        request = request.header("accept-encoding", accept);
    }
    request.send().await.unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn every_file_a_page_loads_is_served_with_its_type() {
    let app = spawn_app(Backend::Sqlite).await;
    let html = app.get("/login").await.text().await.unwrap();
    let mut files: Vec<&str> = html.split('"').filter(|s| s.starts_with("/pkg/")).collect();
    files.sort();
    files.dedup();
    assert_eq!(
        files,
        [
            "/pkg/letuschat.css",
            "/pkg/letuschat.js",
            "/pkg/letuschat_bg.wasm"
        ],
        "{html}"
    );
    for (path, content_type) in [
        ("/pkg/letuschat.css", "text/css"),
        ("/pkg/letuschat.js", "text/javascript"),
        ("/pkg/letuschat_bg.wasm", "application/wasm"),
        ("/favicon.ico", "image/x-icon"),
    ] {
        let response = get(&app, path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "content-type"), content_type, "{path}");
    }
}

#[tokio::test]
async fn a_precompressed_form_is_sent_to_those_who_accept_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let brotli = get(&app, "/pkg/letuschat.js", Some("gzip, deflate, br")).await;
    assert_eq!(brotli.status(), 200);
    assert_eq!(header(&brotli, "content-encoding"), "br");
    assert_eq!(header(&brotli, "content-type"), "text/javascript");
    assert!(header(&brotli, "vary")
        .to_ascii_lowercase()
        .contains("accept-encoding"));
    assert_eq!(brotli.bytes().await.unwrap(), &b"(brotli bytes)"[..]);

    let plain = get(&app, "/pkg/letuschat.js", Some("identity")).await;
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(
        plain.bytes().await.unwrap(),
        &b"export default function init() {}"[..]
    );
}

#[tokio::test]
async fn unhashed_names_are_revalidated_and_unknown_files_are_404() {
    let app = spawn_app(Backend::Sqlite).await;
    // This build names its files without hashes: a browser must ask again before reusing them
    // (release binaries hash them and say `immutable`: see `site::embedded`).
    let response = get(&app, "/pkg/letuschat.css", None).await;
    assert_eq!(header(&response, "cache-control"), "no-cache");
    let modified = header(&response, "last-modified").to_owned();
    let again = app
        .client
        .get(app.at("/pkg/letuschat.css"))
        .header("if-modified-since", modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    let response = get(&app, "/pkg/nothing.js", None).await;
    assert_eq!(response.status(), 404);
    // Outside /pkg an unknown file is the app's own page.
    let response = get(&app, "/nothing.ico", None).await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn the_site_files_only_answer_reads() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app
        .client
        .post(app.at("/pkg/letuschat.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}

//! The site's static files: the page's script, WASM and stylesheet, and the favicon. Release
//! builds made by cargo-leptos carry them (`embedded`); other builds read the site folder, and
//! refuse to start when a file the pages load is not in it.

use super::embedded::{self, Site};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use leptos::config::LeptosOptions;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::services::ServeDir;

pub const PKG: &str = "pkg";

/// What cargo-leptos told the build (it passes its settings as `LEPTOS_*` variables); a plain
/// `cargo build` gets Leptos's defaults.
const OUTPUT_NAME: Option<&str> = option_env!("LEPTOS_OUTPUT_NAME");
const HASH_FILES: Option<&str> = option_env!("LEPTOS_HASH_FILES");
const HASH_FILE: Option<&str> = option_env!("LEPTOS_HASH_FILE_NAME");

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error(
        "cannot serve the site: {0} is missing; build it with `cargo leptos build`, or point \
         LEPTOS_SITE_ROOT at the folder it made"
    )]
    Missing(PathBuf),
    #[error(
        "cannot serve the site: {0} is missing; it names the site's files and must stay beside \
         the binary cargo leptos built with it"
    )]
    NoHashFile(PathBuf),
}

/// How Leptos names the files its pages load. With the site embedded, their names carry one
/// hash of the three (see `scan`); from disk, cargo-leptos's names, checked to be there.
pub fn leptos_options(site_root: &Path) -> Result<LeptosOptions, SiteError> {
    let options = LeptosOptions::builder()
        .site_root(site_root.to_string_lossy().into_owned())
        .site_pkg_dir(PKG)
        .hash_file(Arc::from(HASH_FILE.unwrap_or("hash.txt")));
    if let Some(site) = &embedded::SITE {
        tracing::info!(
            files = site.files.len(),
            "serving the site built into the binary"
        );
        return Ok(options
            .output_name(site.output_name)
            .hash_files(false)
            .build());
    }
    let options = options
        .output_name(OUTPUT_NAME.unwrap_or("letuschat"))
        .hash_files(HASH_FILES == Some("true"))
        .build();
    for name in page_files(&options)? {
        let path = site_root.join(PKG).join(name);
        if !path.is_file() {
            return Err(SiteError::Missing(path));
        }
    }
    tracing::info!(folder = %site_root.display(), "serving the site from its folder");
    Ok(options)
}

/// The script, WASM and stylesheet a page loads, named as Leptos names them
/// (`HydrationScripts`, `HashedStylesheet`): `{name}.{hash}.{ext}` with the hashes that
/// cargo-leptos wrote beside the binary, else `{name}.{ext}` (the WASM `{name}_bg.wasm` when
/// the build did not come from cargo-leptos, as wasm-bindgen names it).
fn page_files(options: &LeptosOptions) -> Result<[String; 3], SiteError> {
    let mut hashes = Vec::new();
    if options.hash_files {
        let exe = std::env::current_exe().unwrap_or_default();
        let path = exe.with_file_name(&*options.hash_file);
        let text = std::fs::read_to_string(&path).map_err(|_| SiteError::NoHashFile(path))?;
        hashes = text
            .lines()
            .filter_map(|line| line.split_once(':'))
            .map(|(file, hash)| (file.trim().to_owned(), hash.trim().to_owned()))
            .collect();
    }
    let name = &options.output_name;
    Ok(
        ["js", "wasm", "css"].map(|ext| match hashes.iter().find(|(file, _)| file == ext) {
            Some((_, hash)) => format!("{name}.{hash}.{ext}"),
            None if ext == "wasm" && OUTPUT_NAME.is_none() => format!("{name}_bg.wasm"),
            None => format!("{name}.{ext}"),
        }),
    )
}

/// Where the files come from.
#[derive(Clone)]
pub enum Files {
    Embedded(&'static Site),
    Disk { root: PathBuf, hashed: bool },
}

impl Files {
    pub fn new(options: &LeptosOptions) -> Self {
        match &embedded::SITE {
            Some(site) => Files::Embedded(site),
            None => Files::Disk {
                root: PathBuf::from(&*options.site_root),
                hashed: options.hash_files,
            },
        }
    }

    /// The file at the request's path, in the encoding the client prefers among the forms
    /// cargo-leptos precompressed, with `Vary: Accept-Encoding`; `None` when there is no such
    /// file. Hashed names may be kept for a year; anything else is revalidated.
    pub async fn serve(&self, req: Request) -> Option<Response> {
        let (root, hashed) = match self {
            Files::Embedded(site) => {
                return site.get(req.uri().path()).map(|f| f.respond(req.headers()))
            }
            Files::Disk { root, hashed } => (root, *hashed),
        };
        let in_pkg = req.uri().path().starts_with(&format!("/{PKG}/"));
        let response = ServeDir::new(root)
            .precompressed_br()
            .precompressed_gzip()
            .oneshot(req)
            .await
            .unwrap_or_else(|never| match never {});
        let status = response.status();
        if status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED {
            return None;
        }
        let mut response = response.map(Body::new);
        // ServeDir picks among the forms by `Accept-Encoding` but does not say so to caches.
        if !response.headers().contains_key(header::VARY) {
            response
                .headers_mut()
                .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        if status.is_success() {
            let cache = if hashed && in_pkg {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        }
        Some(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(hash_files: bool, hash_file: &Path) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("app")
            .hash_files(hash_files)
            // An absolute path stands in for the file beside the binary.
            .hash_file(Arc::from(hash_file.to_str().unwrap()))
            .build()
    }

    #[test]
    fn hashed_names_come_from_the_hash_file_beside_the_binary() {
        let dir = tempfile::tempdir().unwrap();
        let hashes = dir.path().join("hash.txt");
        std::fs::write(&hashes, "js: J1\nwasm: W2\ncss: C3\n").unwrap();
        assert_eq!(
            page_files(&options(true, &hashes)).unwrap(),
            ["app.J1.js", "app.W2.wasm", "app.C3.css"]
        );

        let gone = dir.path().join("gone.txt");
        let err = page_files(&options(true, &gone)).unwrap_err();
        assert!(matches!(&err, SiteError::NoHashFile(path) if *path == gone));
        let line = err.to_string();
        assert!(
            line.contains("gone.txt is missing") && !line.contains('\n'),
            "{line}"
        );
    }

    #[test]
    fn unhashed_names_are_those_of_the_build() {
        let files = page_files(&options(false, Path::new("unused"))).unwrap();
        let wasm = if OUTPUT_NAME.is_some() {
            "app.wasm"
        } else {
            "app_bg.wasm"
        };
        assert_eq!(files, ["app.js", wasm, "app.css"]);
    }

    #[test]
    fn a_site_folder_without_the_pages_files_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = leptos_options(dir.path()).unwrap_err();
        let SiteError::Missing(path) = &err else {
            panic!("{err}")
        };
        assert!(path.starts_with(dir.path().join(PKG)), "{err}");
    }
}

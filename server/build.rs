//! Release builds made by cargo-leptos carry the site it built (WASM, JS, CSS, favicon, with
//! their precompressed `.br`/`.gz` forms) inside the binary. cargo-leptos builds the site before
//! the server when it hashes file names (`hash-files = true`), and tells this build where the
//! site is (`LEPTOS_SITE_ROOT`, relative to the workspace it runs in). This script writes
//! `site.rs` into OUT_DIR: the table of `include_bytes!` that `src/site/embedded.rs` includes,
//! or `None` for builds that serve the site from disk (debug builds, `cargo leptos watch`, plain
//! `cargo build`).

#[path = "src/site/scan.rs"]
mod scan;

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/site/scan.rs");
    let code = match site_to_embed() {
        Some(site) => {
            println!("cargo::rerun-if-changed={}", site.root.display());
            scan::scan(&site.root, &site.pkg, &site.name)
                .and_then(|scan| scan::rust_code(&scan))
                .unwrap_or_else(|e| panic!("cannot embed the site: {e}"))
        }
        None => "None\n".to_string(),
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let out = out.join("site.rs");
    // Unchanged output keeps its time stamp, so cargo need not recompile the server for it.
    if std::fs::read_to_string(&out).ok().as_deref() != Some(code.as_str()) {
        std::fs::write(&out, code).expect("writing site.rs into OUT_DIR");
    }
}

struct Site {
    root: PathBuf,
    pkg: String,
    name: String,
}

/// The site to embed: only in release builds that cargo-leptos makes, and not while it watches
/// (it then rebuilds the site without rebuilding the server).
fn site_to_embed() -> Option<Site> {
    if std::env::var("PROFILE").ok()? != "release" {
        return None;
    }
    for var in [
        "LEPTOS_OUTPUT_NAME",
        "LEPTOS_SITE_ROOT",
        "LEPTOS_SITE_PKG_DIR",
        "LEPTOS_WATCH",
    ] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let name = std::env::var("LEPTOS_OUTPUT_NAME").ok()?;
    if std::env::var_os("LEPTOS_WATCH").is_some() {
        return None;
    }
    let root = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    // cargo-leptos runs in the workspace's folder, the server package's parent.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let workspace = Path::new(&manifest)
        .parent()
        .expect("server/ is in the workspace");
    Some(Site {
        root: workspace.join(root),
        pkg: std::env::var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|_| "pkg".into()),
        name,
    })
}

//! Finds the files of the site cargo-leptos built and writes the Rust table that embeds them.
//! `build.rs` runs it for release builds; it uses std and sha2 only, and the server's own tests
//! compile it too.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What the page loads first: wasm-bindgen's script, the WASM and the stylesheet. Leptos names
/// all three from one output name (`{name}.js`, `{name}.wasm`, `{name}.css`), so they are
/// served under the crate's name plus one hash of the three.
const MAIN: [&str; 3] = ["js", "wasm", "css"];

/// One file to embed, with the path it is served at.
#[derive(Debug)]
pub struct Entry {
    pub path: String,
    pub source: PathBuf,
    pub br: Option<PathBuf>,
    pub gzip: Option<PathBuf>,
    pub content_type: &'static str,
    pub etag: String,
    /// Its name changes with its content, so browsers may keep it for a year.
    pub immutable: bool,
}

#[derive(Debug)]
pub struct Scan {
    /// The output name to give Leptos: the crate's, and the hash of its main files.
    pub output_name: String,
    pub entries: Vec<Entry>,
}

/// The files under `root` (cargo-leptos's site folder; `pkg` the folder of the WASM within it),
/// each with its precompressed `.br` and `.gz` forms when they are there.
pub fn scan(root: &Path, pkg: &str, name: &str) -> Result<Scan, String> {
    let mut files = Vec::new();
    walk(root, "", &mut files).map_err(|e| format!("cannot read {}: {e}", root.display()))?;
    // The compressed forms go with their file; wasm-bindgen's TypeScript declarations are for
    // editors, not browsers.
    files.retain(|rel| ![".br", ".gz", ".ts"].iter().any(|ext| rel.ends_with(ext)));
    files.sort();

    let mut main = Vec::new();
    for ext in MAIN {
        let found: Vec<&String> = files
            .iter()
            .filter(|rel| is_main(rel, pkg, name, ext))
            .collect();
        match found.as_slice() {
            [one] => main.push((*one).clone()),
            _ => {
                return Err(format!(
                    "expected one {name}.{ext} (or {name}.HASH.{ext}) in {}, found {found:?}; \
                     build the site with `cargo leptos build --release`",
                    root.join(pkg).display()
                ))
            }
        }
    }
    let mut hasher = Sha256::new();
    for rel in &main {
        let bytes = read(&root.join(rel))?;
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    let output_name = format!("{name}.{}", &hex(&hasher.finalize())[..16]);

    let mut entries = Vec::new();
    for rel in &files {
        let source = root.join(rel);
        let (path, immutable) = match main.iter().position(|m| m == rel) {
            Some(i) => (format!("/{pkg}/{output_name}.{}", MAIN[i]), true),
            None => (format!("/{rel}"), false),
        };
        let sibling = |ext: &str| {
            let path = PathBuf::from(format!("{}.{ext}", source.display()));
            path.is_file().then_some(path)
        };
        entries.push(Entry {
            content_type: content_type(rel),
            etag: format!("\"{}\"", &hex(&Sha256::digest(read(&source)?))[..16]),
            br: sibling("br"),
            gzip: sibling("gz"),
            path,
            source,
            immutable,
        });
    }
    Ok(Scan {
        output_name,
        entries,
    })
}

/// The expression `embedded::SITE` is: the site, each file and its precompressed forms
/// `include_bytes!`-ed from where cargo-leptos left them.
pub fn rust_code(scan: &Scan) -> Result<String, String> {
    let include = |path: &Path| {
        path.to_str()
            .map(|p| format!("include_bytes!({p:?})"))
            .ok_or_else(|| format!("{} is not UTF-8", path.display()))
    };
    let optional = |path: &Option<PathBuf>| match path {
        Some(path) => include(path).map(|code| format!("Some({code})")),
        None => Ok("None".to_string()),
    };
    let mut code = format!(
        "Some(Site {{\n    output_name: {:?},\n    files: &[\n",
        scan.output_name
    );
    for entry in &scan.entries {
        writeln!(
            code,
            "        File {{ path: {:?}, content_type: {:?}, etag: {:?}, immutable: {}, \
             body: {}, br: {}, gzip: {} }},",
            entry.path,
            entry.content_type,
            entry.etag,
            entry.immutable,
            include(&entry.source)?,
            optional(&entry.br)?,
            optional(&entry.gzip)?,
        )
        .expect("writing to a string");
    }
    code.push_str("    ],\n})\n");
    Ok(code)
}

/// `pkg/{name}.{ext}` or `pkg/{name}.{hash}.{ext}`, as cargo-leptos names the main files.
fn is_main(rel: &str, pkg: &str, name: &str, ext: &str) -> bool {
    let Some(file) = rel
        .strip_prefix(pkg)
        .and_then(|rest| rest.strip_prefix('/'))
    else {
        return false;
    };
    let Some(middle) = file
        .strip_prefix(name)
        .and_then(|rest| rest.strip_suffix(ext))
        .and_then(|rest| rest.strip_suffix('.'))
    else {
        return false;
    };
    middle.is_empty()
        || middle
            .strip_prefix('.')
            .is_some_and(|h| !h.contains(['.', '/']))
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let rel = if prefix.is_empty() {
            name.into_owned()
        } else {
            format!("{prefix}/{name}")
        };
        if entry.file_type()?.is_dir() {
            walk(&entry.path(), &rel, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, ext)| ext);
    match ext.to_ascii_lowercase().as_str() {
        "wasm" => "application/wasm",
        "js" | "mjs" => "text/javascript",
        "css" => "text/css",
        "html" => "text/html; charset=utf-8",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        "ico" => "image/x-icon",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (rel, body) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        }
        dir
    }

    #[test]
    fn the_main_files_get_one_hashed_name_and_the_others_keep_theirs() {
        let dir = site(&[
            ("pkg/app.AAA.js", "js"),
            ("pkg/app.AAA.js.br", "js-br"),
            ("pkg/app.AAA.js.gz", "js-gz"),
            ("pkg/app.BBB.wasm", "wasm"),
            ("pkg/app.BBB.wasm.br", "wasm-br"),
            ("pkg/app.CCC.css", "css"),
            ("pkg/app.d.DDD.ts", "declarations"),
            ("pkg/snippets/x/inline0.js", "snippet"),
            ("favicon.ico", "icon"),
        ]);
        let scan = scan(dir.path(), "pkg", "app").unwrap();
        let (name, hash) = scan.output_name.split_once('.').unwrap();
        assert_eq!((name, hash.len()), ("app", 16));
        let paths: Vec<(&str, bool)> = scan
            .entries
            .iter()
            .map(|e| (e.path.as_str(), e.immutable))
            .collect();
        let hashed = |ext| format!("/pkg/{}.{ext}", scan.output_name);
        assert_eq!(
            paths,
            [
                ("/favicon.ico", false),
                (hashed("js").as_str(), true),
                (hashed("wasm").as_str(), true),
                (hashed("css").as_str(), true),
                ("/pkg/snippets/x/inline0.js", false),
            ]
        );
        let js = &scan.entries[1];
        assert_eq!(js.content_type, "text/javascript");
        assert!(js.br.as_ref().unwrap().ends_with("pkg/app.AAA.js.br"));
        assert!(js.gzip.as_ref().unwrap().ends_with("pkg/app.AAA.js.gz"));
        let wasm = &scan.entries[2];
        assert_eq!(wasm.content_type, "application/wasm");
        assert!(wasm.br.is_some() && wasm.gzip.is_none());
        assert_eq!(scan.entries[0].content_type, "image/x-icon");

        let code = rust_code(&scan).unwrap();
        assert!(code.contains(&format!("output_name: {:?}", scan.output_name)));
        assert!(code.contains("include_bytes!("), "{code}");
        assert_eq!(code.matches("File {").count(), 5);
    }

    #[test]
    fn the_hash_changes_with_any_main_file_and_only_then() {
        let name = |css: &str, icon: &str| {
            let dir = site(&[
                ("pkg/app.js", "js"),
                ("pkg/app.wasm", "wasm"),
                ("pkg/app.css", css),
                ("favicon.ico", icon),
            ]);
            scan(dir.path(), "pkg", "app").unwrap().output_name
        };
        assert_eq!(name("a", "1"), name("a", "2"));
        assert_ne!(name("a", "1"), name("b", "1"));
    }

    #[test]
    fn a_site_without_its_wasm_is_refused() {
        let dir = site(&[("pkg/app.js", "js"), ("pkg/app.css", "css")]);
        let err = scan(dir.path(), "pkg", "app").unwrap_err();
        assert!(err.contains("app.wasm"), "{err}");
        let err = scan(&dir.path().join("nothing"), "pkg", "app").unwrap_err();
        assert!(err.contains("cannot read"), "{err}");
    }
}

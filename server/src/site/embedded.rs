//! The site inside the binary (see `build.rs`): each file served from memory in the encoding
//! the browser prefers among those cargo-leptos precompressed (brotli, gzip, none).

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;

pub struct Site {
    /// The output name Leptos builds the page's script, WASM and stylesheet names from.
    pub output_name: &'static str,
    pub files: &'static [File],
}

pub struct File {
    /// Where it is served, e.g. `/pkg/letuschat.0123456789abcdef.wasm` or `/favicon.ico`.
    pub path: &'static str,
    pub content_type: &'static str,
    /// A strong validator of the uncompressed content, quoted.
    pub etag: &'static str,
    /// Its name changes with its content.
    pub immutable: bool,
    pub body: &'static [u8],
    pub br: Option<&'static [u8]>,
    pub gzip: Option<&'static [u8]>,
}

/// `Some` in release builds made by cargo-leptos.
pub static SITE: Option<Site> = include!(concat!(env!("OUT_DIR"), "/site.rs"));

impl Site {
    pub fn get(&self, path: &str) -> Option<&'static File> {
        self.files.iter().find(|file| file.path == path)
    }
}

impl File {
    /// The answer to a GET (or HEAD) with these request headers.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let accept = request
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        let (coding, body) = self.negotiate(&accept);
        let etag = match coding {
            Some(coding) => format!("{}-{coding}\"", self.etag.trim_end_matches('"')),
            None => self.etag.to_string(),
        };
        let cache = if self.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let mut response = Response::builder()
            .header(header::CACHE_CONTROL, cache)
            .header(header::ETAG, &etag);
        if self.br.is_some() || self.gzip.is_some() {
            response = response.header(header::VARY, "accept-encoding");
        }
        let not_modified = request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|tag| {
                let tag = tag.trim();
                tag == "*" || tag.trim_start_matches("W/") == etag
            });
        if not_modified {
            return response
                .status(StatusCode::NOT_MODIFIED)
                .body(Body::empty())
                .expect("valid headers");
        }
        if let Some(coding) = coding {
            response = response.header(header::CONTENT_ENCODING, coding);
        }
        response
            .header(header::CONTENT_TYPE, self.content_type)
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .expect("valid headers")
    }

    /// The form to send: the preferred of brotli and gzip that the client accepts and this file
    /// has (brotli on a tie: it is smaller), else the file itself.
    fn negotiate(&self, accept: &str) -> (Option<&'static str>, &'static [u8]) {
        let mut best: (f32, Option<&'static str>, &'static [u8]) = (0.0, None, self.body);
        for (coding, body) in [("br", self.br), ("gzip", self.gzip)] {
            let Some(body) = body else { continue };
            let q = quality(accept, coding);
            if q > best.0 {
                best = (q, Some(coding), body);
            }
        }
        (best.1, best.2)
    }
}

/// The weight `Accept-Encoding` gives `coding`: its own entry's, else that of `*`, else 0.
fn quality(accept: &str, coding: &str) -> f32 {
    let mut star = 0.0;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
            .next()
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            return q;
        }
        if name == "*" {
            star = q;
        }
    }
    star
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    static WASM: File = File {
        path: "/pkg/app.0123456789abcdef.wasm",
        content_type: "application/wasm",
        etag: "\"aaaa\"",
        immutable: true,
        body: b"wasm wasm wasm",
        br: Some(b"br"),
        gzip: Some(b"gz"),
    };
    static ICON: File = File {
        path: "/favicon.ico",
        content_type: "image/x-icon",
        etag: "\"bbbb\"",
        immutable: false,
        body: b"icon",
        br: None,
        gzip: None,
    };

    fn get(file: &File, headers: &[(&'static str, &'static str)]) -> Response {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(*k, HeaderValue::from_static(v));
        }
        file.respond(&map)
    }

    async fn body(response: Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    fn header(response: &Response, name: header::HeaderName) -> Option<&str> {
        response.headers().get(name).map(|v| v.to_str().unwrap())
    }

    #[tokio::test]
    async fn each_client_gets_the_encoding_it_prefers_among_those_there_are() {
        for (accept, coding, expected) in [
            ("gzip, deflate, br, zstd", Some("br"), &b"br"[..]),
            ("gzip, deflate", Some("gzip"), b"gz"),
            ("br;q=0.5, gzip", Some("gzip"), b"gz"),
            ("br;q=0, gzip;q=0", None, b"wasm wasm wasm"),
            ("*", Some("br"), b"br"),
            ("identity", None, b"wasm wasm wasm"),
            ("", None, b"wasm wasm wasm"),
        ] {
            let response = get(&WASM, &[("accept-encoding", accept)]);
            assert_eq!(response.status(), 200, "{accept}");
            assert_eq!(
                header(&response, header::CONTENT_ENCODING),
                coding,
                "{accept}"
            );
            assert_eq!(
                header(&response, header::CONTENT_TYPE),
                Some("application/wasm")
            );
            assert_eq!(header(&response, header::VARY), Some("accept-encoding"));
            assert_eq!(
                header(&response, header::CONTENT_LENGTH),
                Some(expected.len().to_string().as_str())
            );
            assert_eq!(body(response).await, expected, "{accept}");
        }
    }

    #[tokio::test]
    async fn hashed_names_are_kept_for_a_year_others_are_revalidated() {
        let response = get(&WASM, &[]);
        assert_eq!(
            header(&response, header::CACHE_CONTROL),
            Some("public, max-age=31536000, immutable")
        );
        let response = get(&ICON, &[("accept-encoding", "br, gzip")]);
        assert_eq!(header(&response, header::CACHE_CONTROL), Some("no-cache"));
        assert_eq!(header(&response, header::CONTENT_ENCODING), None);
        assert_eq!(header(&response, header::VARY), None, "one form only");
        assert_eq!(header(&response, header::ETAG), Some("\"bbbb\""));
        assert_eq!(body(response).await, b"icon");

        // A browser revalidating what it has gets a 304 without the file.
        let response = get(&ICON, &[("if-none-match", "\"bbbb\"")]);
        assert_eq!(response.status(), 304);
        assert!(body(response).await.is_empty());
        let response = get(&ICON, &[("if-none-match", "\"old\"")]);
        assert_eq!(response.status(), 200);
    }

    #[tokio::test]
    async fn each_encoding_has_its_own_validator() {
        let response = get(&WASM, &[("accept-encoding", "br")]);
        assert_eq!(header(&response, header::ETAG), Some("\"aaaa-br\""));
        let gzip = get(
            &WASM,
            &[
                ("accept-encoding", "gzip"),
                ("if-none-match", "\"aaaa-br\""),
            ],
        );
        assert_eq!(gzip.status(), 200, "the brotli tag does not match gzip");
        assert_eq!(header(&gzip, header::ETAG), Some("\"aaaa-gzip\""));
        let again = get(
            &WASM,
            &[("accept-encoding", "br"), ("if-none-match", "\"aaaa-br\"")],
        );
        assert_eq!(again.status(), 304);
    }

    #[test]
    fn files_are_found_by_their_path_only() {
        let site = Site {
            output_name: "app.0123456789abcdef",
            files: std::slice::from_ref(&WASM),
        };
        assert!(site.get("/pkg/app.0123456789abcdef.wasm").is_some());
        assert!(site.get("/pkg/app.wasm").is_none());
        assert!(site.get("/pkg/nothing.js").is_none());
    }
}

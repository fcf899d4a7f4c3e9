//! The signed-in user, from the session cookie (browsers) or `Authorization: Bearer` (bots,
//! scripts, tests). A token counts only while its session row exists.

use crate::config::CookieSecure;
use crate::db::UserRecord;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};
use uuid::Uuid;

pub const SESSION_COOKIE: &str = "letuschat_session";

pub struct AuthUser {
    pub user: UserRecord,
    pub session: Uuid,
    /// When the session ends (seconds since the epoch), as its token says.
    pub expires_at: i64,
}

impl AuthUser {
    /// Checks the token a request carries; `Unauthenticated` when there is none or it is not
    /// (or no longer) valid.
    pub async fn from_headers(state: &AppState, headers: &HeaderMap) -> Result<Self, AppError> {
        let token = bearer(headers)
            .or_else(|| cookie(headers, SESSION_COOKIE))
            .ok_or(AppError::Unauthenticated)?;
        let claims = state
            .auth
            .keys
            .verify(token)
            .ok_or(AppError::Unauthenticated)?;
        let user_id = claims.user_id().ok_or(AppError::Unauthenticated)?;
        let user = state
            .db
            .session_user(claims.sid, user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok(AuthUser {
            user,
            session: claims.sid,
            expires_at: claims.exp,
        })
    }
}

impl AuthUser {
    /// How long the session has left.
    pub fn remaining(&self) -> std::time::Duration {
        let left = self.expires_at - chrono::Utc::now().timestamp();
        std::time::Duration::from_secs(left.max(0) as u64)
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        AuthUser::from_headers(state, &parts.headers).await
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Set-Cookie` value for a session token; an empty token with no lifetime clears it.
pub fn session_cookie(
    token: &str,
    max_age_secs: u64,
    secure: CookieSecure,
    headers: &HeaderMap,
) -> String {
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let secure = match secure {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => https,
    };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The caller's address. Behind `trust_proxy` proxies, each appends the address it was reached
/// from to `X-Forwarded-For`, so the client is that many entries from the right; whatever lies
/// further left the client wrote itself (as axum-client-ip's `RightmostXForwardedFor` reads it,
/// with hops). Without proxies, or when that entry is missing or unreadable (the request did
/// not come through them), the socket's peer.
pub fn client_ip(parts: &Parts, trust_proxy: usize) -> IpAddr {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    forwarded_for(&parts.headers, trust_proxy).unwrap_or(peer)
}

/// The entry `hops` from the right of `X-Forwarded-For`. Several header lines are one list, in
/// order; entries are split on bytes, so a client's garbage spoils only its own entries.
fn forwarded_for(headers: &HeaderMap, hops: usize) -> Option<IpAddr> {
    if hops == 0 {
        return None;
    }
    let entries: Vec<&[u8]> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|line| line.as_bytes().split(|b| *b == b','))
        .collect();
    let entry = std::str::from_utf8(entries.get(entries.len().checked_sub(hops)?)?).ok()?;
    let entry = entry.trim();
    // Some proxies add the port: `203.0.113.7:5120`, `[2001:db8::1]:5120`.
    let ip = entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|a| a.ip()))
        .ok()?;
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_bearer_tokens_and_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_static("Bearer abc.def.ghi"),
        );
        headers.insert(
            COOKIE,
            HeaderValue::from_static("theme=dark; letuschat_session=xyz; other=1"),
        );
        assert_eq!(bearer(&headers), Some("abc.def.ghi"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_behind_https() {
        let plain = session_cookie("t", 60, CookieSecure::Auto, &HeaderMap::new());
        assert_eq!(
            plain,
            "letuschat_session=t; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"
        );
        let mut proxied = HeaderMap::new();
        proxied.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(session_cookie("t", 60, CookieSecure::Auto, &proxied).ends_with("; Secure"));
        assert!(
            session_cookie("t", 60, CookieSecure::Always, &HeaderMap::new()).ends_with("; Secure")
        );
        assert!(!session_cookie("t", 60, CookieSecure::Never, &proxied).contains("Secure"));
    }

    fn forwarded(lines: &[&'static str], hops: usize) -> Option<IpAddr> {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append("x-forwarded-for", HeaderValue::from_static(line));
        }
        forwarded_for(&headers, hops)
    }

    #[test]
    fn the_client_is_what_the_trusted_proxies_appended() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        // One proxy: the rightmost entry; the client's own entries on the left count for nothing.
        assert_eq!(forwarded(&["1.1.1.1, 203.0.113.7"], 1), ip("203.0.113.7"));
        assert_eq!(forwarded(&["203.0.113.7"], 1), ip("203.0.113.7"));
        // Two proxies (say a CDN, then nginx): the second from the right.
        assert_eq!(
            forwarded(&["1.1.1.1, 203.0.113.7, 10.0.0.2"], 2),
            ip("203.0.113.7")
        );
        // Several header lines are one list.
        assert_eq!(
            forwarded(&["1.1.1.1", "203.0.113.7, 10.0.0.2"], 2),
            ip("203.0.113.7")
        );
        assert_eq!(forwarded(&["1.1.1.1", "203.0.113.7"], 1), ip("203.0.113.7"));
        // Ports, IPv6, and IPv4-mapped IPv6 as plain IPv4.
        assert_eq!(forwarded(&["x, 203.0.113.7:5120"], 1), ip("203.0.113.7"));
        assert_eq!(forwarded(&["[2001:db8::1]:5120"], 1), ip("2001:db8::1"));
        assert_eq!(forwarded(&[" 2001:db8::1 "], 1), ip("2001:db8::1"));
        assert_eq!(forwarded(&["::ffff:203.0.113.7"], 1), ip("203.0.113.7"));
        // Too few entries, an unreadable one, or no proxy trusted: not an address we believe.
        assert_eq!(forwarded(&["203.0.113.7"], 2), None);
        assert_eq!(forwarded(&[], 1), None);
        assert_eq!(forwarded(&["1.1.1.1, unknown"], 1), None);
        assert_eq!(forwarded(&["1.1.1.1, 203.0.113.7"], 0), None);
    }

    #[test]
    fn garbage_from_the_client_does_not_shift_the_entries() {
        let mut headers = HeaderMap::new();
        let line = HeaderValue::from_bytes(b"\xff\xfe, 1.1.1.1, 203.0.113.7").unwrap();
        headers.append("x-forwarded-for", line);
        assert_eq!(
            forwarded_for(&headers, 1),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(forwarded_for(&headers, 3), None);
    }
}

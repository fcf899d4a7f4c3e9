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
        })
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

/// The caller's address: the socket's peer, or the first `X-Forwarded-For` hop when the
/// server is told it sits behind a proxy it trusts.
pub fn client_ip(parts: &Parts, trust_proxy: bool) -> IpAddr {
    if trust_proxy {
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|ip| ip.trim().parse().ok());
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
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
}

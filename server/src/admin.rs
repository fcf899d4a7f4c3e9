//! Running the server: its people, disabling accounts, invitations. The HTTP routes under
//! `/api/admin` and the `server` command's subcommands both call these.

use crate::auth::AuthUser;
use crate::db::{Db, DbError, InviteRow};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use base64::Engine;
use shared::ws::CloseCode;
use shared::{Account, CreateInviteRequest, Invite, Timestamp, UserId};

pub const INVITE_MAX_USES: i64 = 1_000;
/// A year.
pub const INVITE_MAX_HOURS: i64 = 24 * 365;

fn now() -> Timestamp {
    Timestamp(chrono::Utc::now().timestamp_millis())
}

fn not_found(e: DbError) -> AppError {
    match e {
        DbError::NotFound => AppError::NotFound,
        other => other.into(),
    }
}

/// The signed-in admin of a request: `Unauthenticated` when nobody is signed in, and for
/// anyone else `NotFound`, as if admin pages and endpoints did not exist.
pub async fn signed_in_admin(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> AppResult<AuthUser> {
    let me = AuthUser::from_headers(state, headers).await?;
    if me.user.admin {
        Ok(me)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn accounts(db: &Db) -> AppResult<Vec<Account>> {
    Ok(db
        .accounts()
        .await?
        .into_iter()
        .map(|a| Account {
            id: a.id,
            display_name: a.display_name,
            email: a.email,
            admin: a.admin,
            disabled: a.disabled,
            created_at: a.created_at,
        })
        .collect())
}

/// Disables (or enables again) an account. Disabling ends its sessions and closes its sockets
/// in every process; its messages stay. An admin cannot disable themselves (`by`).
pub async fn set_disabled(
    state: &AppState,
    target: UserId,
    disabled: bool,
    by: UserId,
) -> AppResult<()> {
    if disabled && target == by {
        return Err(AppError::field(
            "user",
            "You cannot disable your own account.",
        ));
    }
    disable_in(&state.db, target, disabled).await?;
    if disabled {
        state.fanout.close_user(target, CloseCode::SignedOut);
    }
    Ok(())
}

/// The storage part of disabling, for the command line as well (a running server closes the
/// sockets of disabled accounts within seconds: see `realtime::presence`).
pub async fn disable_in(db: &Db, target: UserId, disabled: bool) -> AppResult<()> {
    db.set_disabled(target, disabled).await.map_err(not_found)?;
    if disabled {
        db.delete_sessions(target).await?;
    }
    Ok(())
}

pub async fn create_invite(
    state: &AppState,
    by: UserId,
    req: CreateInviteRequest,
    site: &str,
) -> AppResult<Invite> {
    let max_uses = req.max_uses.unwrap_or(1);
    if !(1..=INVITE_MAX_USES).contains(&max_uses) {
        return Err(AppError::field("max_uses", "Use a number from 1 to 1000."));
    }
    let hours = req.expires_in_hours.unwrap_or(168);
    if !(1..=INVITE_MAX_HOURS).contains(&hours) {
        return Err(AppError::field(
            "expires_in_hours",
            "Use a number of hours from 1 to 8760 (a year).",
        ));
    }
    let now = now();
    let invite = InviteRow {
        code: new_code(),
        created_by: by,
        max_uses,
        uses: 0,
        expires_at: Timestamp(now.0 + hours * 3_600_000),
    };
    state.db.create_invite(&invite, now).await?;
    Ok(shape(invite, site))
}

pub async fn invites(state: &AppState, site: &str) -> AppResult<Vec<Invite>> {
    Ok(state
        .db
        .invites()
        .await?
        .into_iter()
        .map(|i| shape(i, site))
        .collect())
}

pub async fn delete_invite(state: &AppState, code: &str) -> AppResult<()> {
    state.db.delete_invite(code).await.map_err(not_found)
}

fn shape(row: InviteRow, site: &str) -> Invite {
    Invite {
        url: format!("{site}/register?invite={}", row.code),
        code: row.code,
        max_uses: row.max_uses,
        uses: row.uses,
        expires_at: row.expires_at,
    }
}

/// 128 random bits, URL-safe.
fn new_code() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the system's random source");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The address people reach this server at, as the request names it (behind a trusted proxy,
/// with the scheme it says the browser used).
pub fn site(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = header("host").unwrap_or("127.0.0.1");
    let https = state.auth.trust_proxy > 0
        && header("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

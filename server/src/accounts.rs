//! Accounts: sign-up, sign-in, sign-out, profile changes and user search. The HTTP routes and
//! the app's server functions both call these, so each rule lives in one place.

use crate::auth::{password, token::Claims, AuthUser, SESSION_TTL};
use crate::config::Registration;
use crate::db::{admin, Admission, DbError, NewUser, UserRecord};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use shared::ws::CloseCode;
use shared::{validate, FieldErrors, LoginRequest, RegisterRequest, UpdateMeRequest, User};
use std::net::IpAddr;
use uuid::Uuid;

/// A new session: the user and the token that stands for it.
pub struct SignedIn {
    pub user: UserRecord,
    pub token: String,
}

pub const SEARCH_DEFAULT_LIMIT: i64 = 20;
pub const SEARCH_MAX_LIMIT: i64 = 50;

/// Signs a new person up. Counted against `ip`'s sign-ups once the fields are valid, before
/// the (costly) hash.
pub async fn register(state: &AppState, req: RegisterRequest, ip: IpAddr) -> AppResult<SignedIn> {
    let mut fields = FieldErrors::new();
    let display_name = validate::display_name(&req.display_name)
        .map_err(|e| fields.insert("display_name".into(), e.into()));
    let email = validate::email(&req.email).map_err(|e| fields.insert("email".into(), e.into()));
    if let Err(e) = new_password(&req.password) {
        fields.insert("password".into(), e.into());
    }
    let (Ok(display_name), Ok(email), true) = (display_name, email, fields.is_empty()) else {
        return Err(AppError::Validation(fields));
    };
    state.auth.limits.sign_up(&state.db, ip).await?;
    let password_hash = password::hash(req.password, state.auth.bcrypt_cost).await?;
    let admission = match state.settings.registration {
        Registration::Open => Admission::Open,
        Registration::Invite => Admission::Invite(req.invite.as_deref().map(str::trim)),
        Registration::Closed => Admission::Closed,
    };
    let new = NewUser {
        email,
        display_name,
        password_hash,
    };
    let user = state
        .db
        .admit_user(new, admission, now())
        .await
        .map_err(|e| match e {
            DbError::Conflict(admin::CLOSED) => {
                AppError::Forbidden("Sign-up is closed on this server.")
            }
            DbError::Conflict(admin::NEEDS_INVITE) => {
                AppError::Forbidden("Sign-up on this server needs an invitation.")
            }
            DbError::Conflict(admin::BAD_INVITE) => AppError::Forbidden(
                "This invitation cannot be used: it is unknown, used up or expired.",
            ),
            DbError::Conflict(_) => AppError::Conflict {
                code: "email_taken",
                message: "An account with this email already exists.",
            },
            other => other.into(),
        })?;
    start_session(state, user).await
}

fn now() -> shared::Timestamp {
    shared::Timestamp(chrono::Utc::now().timestamp_millis())
}

/// One answer for an unknown email and a wrong password, after the same amount of work. The
/// attempt is counted before the password is checked (see `auth::rate_limit`).
pub async fn login(state: &AppState, req: LoginRequest, ip: IpAddr) -> AppResult<SignedIn> {
    check_sign_in_fields(&req)?;
    let account = validate::email_key(&req.email);
    let attempt = state.auth.limits.sign_in(&state.db, ip, &account).await?;
    let user = state.db.user_by_email(&req.email).await?;
    let hash = match &user {
        Some(user) => user.password_hash.0.clone(),
        None => state.auth.dummy_hash().await.to_owned(),
    };
    let verified = password::verify(req.password, hash).await?;
    match user {
        // Only someone who knows the password learns that the account is disabled.
        Some(user) if verified && user.disabled => {
            attempt.succeeded(&state.db).await?;
            Err(AppError::Forbidden(
                "This account has been disabled by the server's administrator.",
            ))
        }
        Some(user) if verified => {
            attempt.succeeded(&state.db).await?;
            start_session(state, user).await
        }
        _ => Err(AppError::InvalidCredentials),
    }
}

/// What no account can have is refused (422) before anything is counted, looked up or kept:
/// an email that sign-up would refuse (too long, not an address, control characters) or a
/// password over the size limit. It tells nothing about which accounts exist.
fn check_sign_in_fields(req: &LoginRequest) -> AppResult<()> {
    let mut fields = FieldErrors::new();
    if let Err(e) = validate::email(&req.email) {
        fields.insert("email".into(), e.into());
    }
    if req.password.len() > validate::PASSWORD_MAX_BYTES {
        fields.insert("password".into(), "That password is too long.".into());
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(fields))
    }
}

/// The rules for a new password: the shared length rules, then (here only) not too easy to
/// guess.
fn new_password(raw: &str) -> Result<(), &'static str> {
    validate::password(raw)?;
    password::weakness(raw).map_or(Ok(()), Err)
}

pub async fn logout(state: &AppState, session: Uuid) -> AppResult<()> {
    state.db.delete_session(session).await?;
    state.fanout.close_session(session, CloseCode::SignedOut);
    Ok(())
}

/// Applies a profile change. A new password revokes every session of the user, this one too;
/// the caller gets a fresh session back so the browser that made the change stays signed in.
/// The guess at the current password counts against the account as a sign-in would.
pub async fn update_me(
    state: &AppState,
    me: &AuthUser,
    req: UpdateMeRequest,
) -> AppResult<(UserRecord, Option<SignedIn>)> {
    let mut fields = FieldErrors::new();
    let display_name = match req.display_name.as_deref().map(validate::display_name) {
        Some(Err(e)) => {
            fields.insert("display_name".into(), e.into());
            None
        }
        other => other.and_then(Result::ok),
    };
    let mut new_hash = None;
    if let Some(change) = req.password {
        if let Err(e) = new_password(&change.new) {
            fields.insert("password.new".into(), e.into());
        } else {
            let account = validate::email_key(&me.user.email);
            let guess = state
                .auth
                .limits
                .password_guess(&state.db, &account)
                .await?;
            if password::verify(change.current, me.user.password_hash.0.clone()).await? {
                guess.clear(&state.db).await?;
                new_hash = Some(password::hash(change.new, state.auth.bcrypt_cost).await?);
            } else {
                fields.insert(
                    "password.current".into(),
                    "That is not your current password.".into(),
                );
            }
        }
    }
    if !fields.is_empty() {
        return Err(AppError::Validation(fields));
    }
    let user = state
        .db
        .update_user(me.user.id, display_name.as_deref(), new_hash.as_ref())
        .await?;
    if new_hash.is_none() {
        return Ok((user, None));
    }
    state.db.delete_sessions(user.id).await?;
    state.fanout.close_user(user.id, CloseCode::PasswordChanged);
    let signed_in = start_session(state, user.clone()).await?;
    Ok((user, Some(signed_in)))
}

pub async fn search(
    state: &AppState,
    me: &AuthUser,
    query: &str,
    limit: Option<i64>,
) -> AppResult<Vec<User>> {
    let limit = limit.unwrap_or(SEARCH_DEFAULT_LIMIT);
    if !(1..=SEARCH_MAX_LIMIT).contains(&limit) {
        return Err(AppError::field("limit", "Use a limit from 1 to 50."));
    }
    let key = validate::search_key(query);
    if key.is_empty() {
        return Ok(Vec::new());
    }
    if key.chars().count() > validate::DISPLAY_NAME_MAX_CHARS {
        return Ok(Vec::new());
    }
    Ok(state.db.search_users(&key, me.user.id, limit).await?)
}

async fn start_session(state: &AppState, user: UserRecord) -> AppResult<SignedIn> {
    let session = Uuid::new_v4();
    let now = chrono::Utc::now();
    let expires = now + SESSION_TTL;
    state
        .db
        .create_session(
            session,
            user.id,
            shared::Timestamp(expires.timestamp_millis()),
        )
        .await?;
    let token = state.auth.keys.issue(&Claims {
        sub: user.id.to_string(),
        sid: session,
        iat: now.timestamp(),
        exp: expires.timestamp(),
    });
    Ok(SignedIn { user, token })
}

//! The admin page: the people on the server and its invitations. Rendered on the server only,
//! with plain forms that post to the server functions below and come back here, so it adds
//! nothing to the WASM (the page loads none; see `shell`). Anyone who is not an admin gets the
//! same "Page not found" as for an unknown path.

use super::NotFound;
use crate::api::ssr::request;
use crate::api::ApiError;
use crate::backend::AdminOverview;
use crate::components::erased;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use shared::{Account, Invite, Timestamp};

pub const PATH: &str = "/admin";

#[component]
pub fn Admin() -> impl IntoView {
    let refused = [
        ServerAction::<CreateInvite>::new().value(),
        ServerAction::<WithdrawInvite>::new().value(),
        ServerAction::<SetDisabled>::new().value(),
    ]
    .iter()
    .find_map(|value| value.get_untracked().and_then(Result::err));
    view! {
        <Suspense>
            {Suspend::new(async move {
                match overview().await {
                    Ok(overview) => erased(page(overview, refused.clone())),
                    Err(e) if e.0.code == "unauthenticated" => {
                        crate::go_to("/login");
                        erased(())
                    }
                    Err(_) => erased(NotFound()),
                }
            })}
        </Suspense>
    }
}

async fn overview() -> Result<AdminOverview, ApiError> {
    let (backend, request) = request()?;
    backend.admin_overview(&request).await
}

fn page(overview: AdminOverview, refused: Option<ApiError>) -> impl IntoView {
    let AdminOverview {
        me,
        users,
        invites,
        registration,
    } = overview;
    let me = me.user.id;
    view! {
        <main class="admin-page">
            <header class="admin-header">
                <span class="logo">"LetUsChat"</span>
                <h1>"Admin"</h1>
                <a href="/">"Back to chat"</a>
            </header>
            {refused.map(|e| view! { <p class="form-error" role="alert">{sentence(e)}</p> })}
            <section aria-labelledby="invites-title">
                <h2 id="invites-title">"Invitations"</h2>
                <p>{registration}</p>
                <form method="post" action=CreateInvite::url() class="invite-form">
                    <label>
                        "Uses"
                        <input type="number" name="max_uses" value="1" min="1" max="1000" required />
                    </label>
                    <label>
                        "Expires in (hours)"
                        <input type="number" name="expires_in_hours" value="168" min="1" max="8760" required />
                    </label>
                    <button type="submit">"Create invite link"</button>
                </form>
                <table aria-label="Invitations">
                    <thead>
                        <tr><th>"Link"</th><th>"Used"</th><th>"Expires"</th><th></th></tr>
                    </thead>
                    <tbody>{invites.into_iter().map(invite_row).collect_view()}</tbody>
                </table>
            </section>
            <section aria-labelledby="people-title">
                <h2 id="people-title">"People"</h2>
                <table aria-label="People">
                    <thead>
                        <tr>
                            <th>"Name"</th><th>"Email"</th><th>"Joined"</th><th>"Status"</th><th></th>
                        </tr>
                    </thead>
                    <tbody>
                        {users.into_iter().map(|user| person_row(user, me)).collect_view()}
                    </tbody>
                </table>
            </section>
        </main>
    }
}

fn invite_row(invite: Invite) -> impl IntoView {
    let label = format!("Invite link {}", invite.code);
    view! {
        <tr>
            <td><input type="text" readonly value=invite.url aria-label=label class="invite-link" /></td>
            <td>{format!("{} of {}", invite.uses, invite.max_uses)}</td>
            <td>{when(invite.expires_at)}</td>
            <td>
                <form method="post" action=WithdrawInvite::url()>
                    <input type="hidden" name="code" value=invite.code />
                    <button type="submit">"Withdraw"</button>
                </form>
            </td>
        </tr>
    }
}

fn person_row(user: Account, me: shared::UserId) -> impl IntoView {
    let status = match (user.disabled, user.admin) {
        (true, _) => "Disabled",
        (false, true) => "Admin",
        (false, false) => "Active",
    };
    let action = (user.id != me).then(|| {
        let (verb, disabled) = if user.disabled {
            ("Enable", "false")
        } else {
            ("Disable", "true")
        };
        let label = format!("{verb} {}", user.display_name);
        view! {
            <form method="post" action=SetDisabled::url()>
                <input type="hidden" name="user_id" value=user.id.0.to_string() />
                <input type="hidden" name="disabled" value=disabled />
                <button type="submit" aria-label=label>{verb}</button>
            </form>
        }
    });
    view! {
        <tr class:disabled=user.disabled>
            <td>{user.display_name}</td>
            <td>{user.email}</td>
            <td>{when(user.created_at)}</td>
            <td>{status}</td>
            <td>{action}</td>
        </tr>
    }
}

/// What was wrong, field by field where the server said so.
fn sentence(e: ApiError) -> String {
    match e.0.fields {
        Some(fields) if !fields.is_empty() => fields.into_values().collect::<Vec<_>>().join(" "),
        _ => e.0.message,
    }
}

/// `2026-12-02 18:40 UTC`: the page is rendered on the server, which does not know the
/// reader's time zone.
fn when(at: Timestamp) -> String {
    let text = at.to_string();
    format!("{} UTC", text.get(..16).unwrap_or(&text).replace('T', " "))
}

#[server(prefix = "/api/fn", endpoint = "admin_create_invite", input = crate::api::FormOrJson, output = crate::api::Answer)]
pub async fn create_invite(
    max_uses: Option<i64>,
    expires_in_hours: Option<i64>,
) -> Result<(), ApiError> {
    let (backend, request) = request()?;
    let body = shared::CreateInviteRequest {
        max_uses,
        expires_in_hours,
    };
    backend.admin_create_invite(body, &request).await
}

#[server(prefix = "/api/fn", endpoint = "admin_withdraw_invite", input = crate::api::FormOrJson, output = crate::api::Answer)]
pub async fn withdraw_invite(code: String) -> Result<(), ApiError> {
    let (backend, request) = request()?;
    backend.admin_withdraw_invite(code, &request).await
}

#[server(prefix = "/api/fn", endpoint = "admin_set_disabled", input = crate::api::FormOrJson, output = crate::api::Answer)]
pub async fn set_disabled(user_id: i64, disabled: bool) -> Result<(), ApiError> {
    let (backend, request) = request()?;
    backend
        .admin_set_disabled(shared::UserId(user_id), disabled, &request)
        .await
}

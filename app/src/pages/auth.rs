//! Sign in and sign up. The forms post to server functions, so they work before the WASM has
//! arrived; once it has, errors appear next to their fields without a reload.

use super::leave_when_signed_in;
use crate::api::{ApiError, Login, Register};
use crate::components::SyncHydrate;
use crate::session::use_session;
use crate::submitted::Submitted;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn Login() -> impl IntoView {
    let action = use_session().login;
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let pending = action.pending();
    let ended = crate::chat::ended_sentence(&crate::address().1);
    leave_when_signed_in(Signal::from(false));
    SyncHydrate(view! {
            <main class="auth-page">
                <div class="auth-card">
                    <span class="logo">"LetUsChat"</span>
                    <h1>"Welcome Back!"</h1>
                    {ended.map(|sentence| view! { <p class="form-notice" role="status">{sentence}</p> })}
                    <form
                        method="post"
                        action=Login::url()
                        on:submit=move |ev| {
                            let form = Submitted::take(&ev);
                            action
                                .dispatch(Login {
                                    email: form.get("email"),
                                    password: form.get("password"),
                                });
                        }
                    >
                        <Field label="Email" name="email" kind="email" autocomplete="email" error />
                        <Field
                            label="Password"
                            name="password"
                            kind="password"
                            autocomplete="current-password"
                            error
                        />
                        <FormError error fields=&["email", "password"] />
                        <button type="submit" disabled=pending>
                            {move || if pending.get() { "Signing in..." } else { "Sign in" }}
                        </button>
                    </form>
                    <p>"Don't have an account? " <a href="/register">"Register"</a></p>
                </div>
            </main>
    })
}

#[component]
pub fn Register() -> impl IntoView {
    let action = use_session().register;
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let avatar = avatar::Picker::new();
    // Signed up: send the chosen avatar (it needs the new session), then go to the chat.
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            avatar.upload_then_refresh();
        }
    });
    let busy = Signal::derive(move || action.pending().get() || avatar.uploading.get());
    let query = crate::address().1;
    // Set by the server when it does not take everyone (see the server's `site::sign_up`).
    let refusal = match crate::param(&query, "invitation").as_deref() {
        Some("needed") => {
            Some("Sign-up on this server needs an invitation. Ask its admin for an invite link.")
        }
        Some("closed") => Some("Sign-up is closed on this server."),
        _ => None,
    };
    let invite = crate::param(&query, "invite").filter(|code| !code.trim().is_empty());
    let form = move || {
        let sent = invite.clone();
        view! {
            <form
                method="post"
                action=Register::url()
                on:submit=move |ev| {
                    let form = Submitted::take(&ev);
                    action
                        .dispatch(Register {
                            display_name: form.get("display_name"),
                            email: form.get("email"),
                            password: form.get("password"),
                            invite: sent.clone(),
                        });
                }
            >
                {invite.clone().map(|code| view! {
                    <p class="form-notice" role="status">"You have been invited to this server."</p>
                    <input type="hidden" name="invite" value=code />
                })}
                <Field
                    label="Display name"
                    name="display_name"
                    kind="text"
                    autocomplete="nickname"
                    error
                />
                <Field label="Email" name="email" kind="email" autocomplete="email" error />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    error
                />
                {avatar.view()}
                <FormError error fields=&["display_name", "email", "password"] />
                <button type="submit" disabled=busy>
                    {move || if busy.get() { "Signing up..." } else { "Sign up" }}
                </button>
            </form>
        }
    };
    leave_when_signed_in(avatar.uploading.into());
    SyncHydrate(view! {
            <main class="auth-page">
                <div class="auth-card">
                    <span class="logo">"LetUsChat"</span>
                    <h1>"Welcome to LetUsChat!"</h1>
                    {match refusal {
                        Some(sentence) => Either::Left(view! { <p class="form-notice" role="status">{sentence}</p> }),
                        None => Either::Right(form()),
                    }}
                    <p>"Already have an account? " <a href="/login">"Sign in"</a></p>
                </div>
            </main>
    })
}

/// A labelled input with the server's message for it underneath.
#[component]
fn Field(
    label: &'static str,
    name: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let message = move || error.get().and_then(|e| e.field(name));
    let id = format!("field-{name}");
    let hint = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=hint.clone()
            />
            <p class="field-error" id=hint role="alert">
                {message}
            </p>
        </div>
    }
}

/// The error that belongs to no single field, such as wrong credentials.
#[component]
fn FormError(error: Signal<Option<ApiError>>, fields: &'static [&'static str]) -> impl IntoView {
    let message = move || {
        error.get().and_then(|e| {
            let per_field = fields.iter().any(|f| e.field(f).is_some());
            (!per_field).then(|| e.message())
        })
    };
    view! {
        <p class="form-error" role="alert">
            {message}
        </p>
    }
}

mod avatar {
    //! The optional avatar on the sign-up form: a preview as soon as a file is chosen, and the
    //! upload once the account exists.

    use crate::components::Avatar;
    use leptos::either::Either;
    use leptos::html::Input;
    use leptos::prelude::*;

    #[derive(Clone, Copy)]
    pub struct Picker {
        input: NodeRef<Input>,
        preview: RwSignal<Option<String>>,
        pub uploading: RwSignal<bool>,
        error: RwSignal<Option<String>>,
    }

    impl Picker {
        pub fn new() -> Self {
            Picker {
                input: NodeRef::new(),
                preview: RwSignal::new(None),
                uploading: RwSignal::new(false),
                error: RwSignal::new(None),
            }
        }

        pub fn view(self) -> impl IntoView {
            let on_change = move |_| {
                #[cfg(feature = "hydrate")]
                if let Some(file) = self.file() {
                    if let Some(old) = self.preview.get_untracked() {
                        let _ = web_sys::Url::revoke_object_url(&old);
                    }
                    self.preview
                        .set(web_sys::Url::create_object_url_with_blob(&file).ok());
                }
            };
            // No `name`: the file is not part of the form post; it is uploaded after sign-up.
            view! {
                <div class="field avatar-picker">
                    <label for="field-avatar">
                        {move || match self.preview.get() {
                            Some(url) => Either::Left(view! { <img class="avatar" src=url alt="Avatar preview" /> }),
                            None => Either::Right(view! { <Avatar name="+" photo_url={None::<String>} size=40 /> }),
                        }}
                        <span>"Add an avatar"</span>
                    </label>
                    <input
                        id="field-avatar"
                        type="file"
                        accept="image/png,image/jpeg,image/gif,image/webp"
                        aria-label="Avatar"
                        class="visually-hidden"
                        node_ref=self.input
                        on:change=on_change
                    />
                    <p class="field-error" role="alert">{move || self.error.get()}</p>
                </div>
            }
        }

        #[cfg(feature = "hydrate")]
        fn file(self) -> Option<web_sys::File> {
            self.input.get_untracked()?.files()?.get(0)
        }

        /// Uploads the chosen file, if any, then refreshes who is signed in (which moves the
        /// page on to the chat). A failed upload is shown, and the account stays as it is.
        pub fn upload_then_refresh(self) {
            #[cfg(feature = "hydrate")]
            {
                let session = crate::session::use_session();
                let Some(file) = self.file() else {
                    session.user.refetch();
                    return;
                };
                self.uploading.set(true);
                leptos::task::spawn_local(async move {
                    match upload(file).await {
                        Ok(()) => {
                            self.uploading.set(false);
                            session.user.refetch();
                        }
                        Err(message) => {
                            self.error.set(Some(message));
                            self.uploading.set(false);
                        }
                    }
                });
            }
        }
    }

    #[cfg(feature = "hydrate")]
    async fn upload(file: web_sys::File) -> Result<(), String> {
        crate::chat::http::send_file("PUT", "/api/me/avatar", file, "avatar", |_| {})
            .await
            .map(|_| ())
    }
}

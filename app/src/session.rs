//! Who is signed in, for every screen: one resource, refetched whenever a sign-in, sign-up or
//! sign-out completes.

use crate::api::{ApiError, Login, Logout, Register};
use crate::resource::{load, Loaded};
use leptos::prelude::*;
use shared::Me;

#[derive(Clone, Copy)]
pub struct Session {
    pub user: Loaded<Result<Option<Me>, ApiError>>,
    pub login: ServerAction<Login>,
    pub register: ServerAction<Register>,
    pub logout: ServerAction<Logout>,
}

pub fn provide() {
    let login = ServerAction::<Login>::new();
    let register = ServerAction::<Register>::new();
    let logout = ServerAction::<Logout>::new();
    let user = load(
        move || {
            (
                login.version().get(),
                register.version().get(),
                logout.version().get(),
            )
        },
        |_| crate::chat::http::me(),
    );
    provide_context(Session {
        user,
        login,
        register,
        logout,
    });
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

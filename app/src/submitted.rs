//! The fields of a submitted form, for forms that post to a server function: without the WASM
//! the browser posts them itself; with it, the page sends them and stays where it is.

use leptos::ev::SubmitEvent;

pub struct Submitted {
    #[cfg(feature = "hydrate")]
    data: Option<web_sys::FormData>,
}

impl Submitted {
    /// Stops the browser's own post and keeps the form's fields.
    pub fn take(ev: &SubmitEvent) -> Self {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let data = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
                .and_then(|form| web_sys::FormData::new_with_form(&form).ok());
            Submitted { data }
        }
        #[cfg(not(feature = "hydrate"))]
        Submitted {}
    }

    /// The named field's value, or an empty string (which the server then reports).
    pub fn get(&self, name: &str) -> String {
        #[cfg(feature = "hydrate")]
        {
            self.data
                .as_ref()
                .and_then(|d| d.get(name).as_string())
                .unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = name;
            String::new()
        }
    }
}

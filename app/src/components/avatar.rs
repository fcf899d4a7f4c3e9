//! A person's picture, or their initials on a colour of their own when they have none.

use leptos::either::Either;
use leptos::prelude::*;

#[component]
pub fn Avatar(
    #[prop(into)] name: String,
    #[prop(into)] photo_url: Option<String>,
    #[prop(default = 40)] size: u32,
) -> impl IntoView {
    let style = format!(
        "width:{size}px;height:{size}px;font-size:{}px",
        size * 2 / 5
    );
    match photo_url {
        Some(url) => Either::Left(view! { <img class="avatar" src=url alt="" style=style /> }),
        None => {
            // Dark enough for white initials (4.5:1) whatever the hue.
            let style = format!("{style};background:hsl({} 45% 32%)", hue(&name));
            Either::Right(view! {
                <span class="avatar initials" style=style aria-hidden="true">
                    {initials(&name)}
                </span>
            })
        }
    }
}

/// Up to two initials: of the first and last words.
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let first = |w: &str| upper(w.chars().next().map(String::from).unwrap_or_default());
    match words.as_slice() {
        [] => "?".into(),
        [only] => first(only),
        [head, .., last] => first(head) + &first(last),
    }
}

/// Upper case as the browser writes it: Rust's case tables would add kilobytes to the WASM.
fn upper(text: String) -> String {
    #[cfg(feature = "hydrate")]
    {
        js_sys::JsString::from(text).to_upper_case().into()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        text.to_uppercase()
    }
}

/// A stable hue per name, so a person keeps their colour everywhere.
fn hue(name: &str) -> u32 {
    name.bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 360
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_come_from_the_first_and_last_words() {
        assert_eq!(initials("Ana"), "A");
        assert_eq!(initials("ana maría lópez"), "AL");
        assert_eq!(initials("  élodie  "), "É");
        assert_eq!(initials(""), "?");
        assert_eq!(hue("Ana"), hue("Ana"));
    }
}

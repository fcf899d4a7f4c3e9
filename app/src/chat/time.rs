//! Times as people read them, in their own language and time zone: the browser's `Intl` knows
//! both, so the WASM carries no calendar. The server, which knows neither, writes UTC in the
//! same shapes until the page is live (see `redraw_times`).

use shared::Timestamp;

const DAY_MS: f64 = 86_400_000.0;

/// The clock time today ("14:05", "2:05 PM"), the date before ("Nov 23", "23. Nov.").
pub fn clock_time(at: Timestamp, now_ms: f64) -> String {
    let at = at.as_millis() as f64;
    if local_day(at) == local_day(now_ms) {
        format(at, r#"{"hour":"2-digit","minute":"2-digit"}"#)
    } else {
        format(at, r#"{"month":"short","day":"numeric"}"#)
    }
}

/// What separates one day's messages from the day before: "Today", "Yesterday", or the date.
pub fn day_label(at_ms: f64, now_ms: f64) -> String {
    match local_day(now_ms) - local_day(at_ms) {
        0 => "Today".into(),
        1 => "Yesterday".into(),
        _ => format(
            at_ms,
            r#"{"weekday":"long","year":"numeric","month":"long","day":"numeric"}"#,
        ),
    }
}

/// Days since 1970-01-01 on the reader's calendar.
pub fn local_day(ms: f64) -> i64 {
    #[cfg(feature = "hydrate")]
    let ms = {
        let date = js_sys::Date::new(&ms.into());
        ms - date.get_timezone_offset() * 60_000.0
    };
    (ms / DAY_MS).floor() as i64
}

/// `ms` written by `Intl.DateTimeFormat` in the browser's language, with `options` (JSON).
#[cfg(feature = "hydrate")]
fn format(ms: f64, options: &str) -> String {
    use leptos::wasm_bindgen::JsValue;
    let options = js_sys::JSON::parse(options).unwrap_or_else(|_| js_sys::Object::new().into());
    let formatter = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options.into());
    formatter
        .format()
        .call1(&JsValue::UNDEFINED, &js_sys::Date::new(&ms.into()))
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default()
}

/// The server's stand-in: UTC, English, the same shapes.
#[cfg(not(feature = "hydrate"))]
fn format(ms: f64, options: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let text = shared::Timestamp(ms as i64).to_string(); // 2026-12-03T14:05:00.000Z
    let month = MONTHS[(text[5..7].parse::<usize>().unwrap_or(1) + 11) % 12];
    let day = text[8..10].trim_start_matches('0');
    if options.contains("hour") {
        text[11..16].to_owned()
    } else if options.contains("weekday") {
        format!("{month} {day}, {}", &text[..4])
    } else {
        format!("{month} {day}")
    }
}

#[cfg(all(test, not(feature = "hydrate")))]
mod tests {
    use super::*;

    const NOW: f64 = 1_796_306_700_000.0; // 2026-12-03T14:05:00Z

    #[test]
    fn today_is_the_clock_time_and_earlier_days_the_date() {
        assert_eq!(clock_time(Timestamp(NOW as i64 - 60_000), NOW), "14:04");
        assert_eq!(
            clock_time(Timestamp(NOW as i64 - 15 * 3_600_000), NOW),
            "Dec 2"
        );
        assert_eq!(
            clock_time(Timestamp(NOW as i64 - 40 * 86_400_000), NOW),
            "Oct 24"
        );
    }

    #[test]
    fn days_are_named_today_yesterday_or_by_their_date() {
        assert_eq!(day_label(NOW - 3_600_000.0, NOW), "Today");
        assert_eq!(day_label(NOW - 15.0 * 3_600_000.0, NOW), "Yesterday");
        assert_eq!(day_label(NOW - 2.0 * DAY_MS, NOW), "Dec 1, 2026");
        assert_eq!(local_day(NOW), local_day(NOW - 14.0 * 3_600_000.0));
        assert_eq!(local_day(NOW) - 1, local_day(NOW - 14.1 * 3_600_000.0));
    }
}

/// Rewrites the times the server wrote (elements with `data-at`, in milliseconds) in the
/// reader's language and zone, once the page is live; what is drawn later is already theirs.
pub fn redraw_times() {
    #[cfg(feature = "hydrate")]
    if let Ok(found) = leptos::prelude::document().query_selector_all("[data-at]") {
        let now = js_sys::Date::now();
        for i in 0..found.length() {
            let Some(el) = found.item(i) else { continue };
            let at = leptos::wasm_bindgen::JsCast::unchecked_ref::<web_sys::Element>(&el)
                .get_attribute("data-at")
                .and_then(|at| at.parse().ok());
            if let Some(at) = at {
                el.set_text_content(Some(&clock_time(Timestamp(at), now)));
            }
        }
    }
}

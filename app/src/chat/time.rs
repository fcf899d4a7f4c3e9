//! Times as people read them: the local clock time, or the date for older messages.

use shared::Timestamp;

/// "14:05" today, "Nov 23" before. On the server (which does not know the reader's time zone)
/// this is UTC until the page hydrates.
pub fn clock_time(at: Timestamp, now_ms: f64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen_value(at.as_millis() as f64));
        let today = js_sys::Date::new(&wasm_bindgen_value(now_ms));
        let same_day = date.get_full_year() == today.get_full_year()
            && date.get_month() == today.get_month()
            && date.get_date() == today.get_date();
        if same_day {
            format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
        } else {
            format!(
                "{} {}",
                MONTHS[date.get_month() as usize % 12],
                date.get_date()
            )
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let text = at.to_string();
        let day = |ms: f64| (ms / 86_400_000.0).floor() as i64;
        if day(at.as_millis() as f64) == day(now_ms) {
            text[11..16].to_owned()
        } else {
            let month: usize = text[5..7].parse().unwrap_or(1);
            format!(
                "{} {}",
                MONTHS[(month + 11) % 12],
                text[8..10].trim_start_matches('0')
            )
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

#[cfg(feature = "hydrate")]
fn wasm_bindgen_value(ms: f64) -> leptos::wasm_bindgen::JsValue {
    leptos::wasm_bindgen::JsValue::from_f64(ms)
}

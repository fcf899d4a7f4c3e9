//! Whether a reaction is one emoji, and the form two reactions are compared by. Behind the
//! `emoji` feature: the server needs it, the browser's bundle does not.

use unicode_segmentation::UnicodeSegmentation;

/// Variation selector 16 ("show as emoji"): ignored when comparing, so ❤️ and ❤ are one.
const VS16: char = '\u{FE0F}';
const ZWJ: char = '\u{200D}';
const KEYCAP: char = '\u{20E3}';
/// Longer sequences than any emoji Unicode defines (the family ones have 11 scalars).
const MAX_CHARS: usize = 16;

/// The comparison key of `text` when it is exactly one emoji (one extended grapheme cluster:
/// ZWJ sequences, skin tones, flags, tag flags and keycaps included); `None` otherwise.
pub fn key(text: &str) -> Option<String> {
    let mut clusters = text.graphemes(true);
    let cluster = clusters.next()?;
    if clusters.next().is_some() || cluster.chars().count() > MAX_CHARS {
        return None;
    }
    let chars: Vec<char> = cluster.chars().filter(|c| *c != VS16).collect();
    let ok = match chars.as_slice() {
        [base, KEYCAP] => matches!(base, '0'..='9' | '#' | '*'),
        [a, b] if is_regional(*a) && is_regional(*b) => true,
        [first, rest @ ..] => {
            pictographic(*first)
                && !is_regional(*first)
                && rest.iter().all(|c| {
                    (pictographic(*c) && !is_regional(*c))
                        || *c == ZWJ
                        || is_skin_tone(*c)
                        || is_tag(*c)
                })
        }
        [] => false,
    };
    ok.then(|| chars.into_iter().collect())
}

fn is_regional(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

fn is_skin_tone(c: char) -> bool {
    ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

/// Tag characters, as in the flags of England, Scotland and Wales.
fn is_tag(c: char) -> bool {
    ('\u{E0020}'..='\u{E007F}').contains(&c)
}

/// Code points that are (or may be shown as) emoji: a compact superset of Unicode's
/// Extended_Pictographic in the blocks emoji live in, without letters, digits or punctuation.
fn pictographic(c: char) -> bool {
    matches!(c as u32,
        0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139
        | 0x2194..=0x2199 | 0x21A9..=0x21AA | 0x231A..=0x231B | 0x2328 | 0x23CF
        | 0x23E9..=0x23F3 | 0x23F8..=0x23FA | 0x24C2 | 0x25AA..=0x25AB | 0x25B6 | 0x25C0
        | 0x25FB..=0x25FE | 0x2600..=0x27BF | 0x2934..=0x2935 | 0x2B05..=0x2B07
        | 0x2B1B..=0x2B1C | 0x2B50 | 0x2B55 | 0x3030 | 0x303D | 0x3297 | 0x3299
        | 0x1F000..=0x1F0FF | 0x1F10D..=0x1F10F | 0x1F12F | 0x1F16C..=0x1F171
        | 0x1F17E..=0x1F17F | 0x1F18E | 0x1F191..=0x1F19A | 0x1F1E6..=0x1F1FF
        | 0x1F201..=0x1F202 | 0x1F21A | 0x1F22F | 0x1F232..=0x1F23A | 0x1F250..=0x1F251
        | 0x1F300..=0x1F3FA | 0x1F400..=0x1F64F | 0x1F680..=0x1F6FF | 0x1F7E0..=0x1F7FF
        | 0x1F900..=0x1F9FF | 0x1FA70..=0x1FAFF)
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn single_emoji_are_accepted() {
        for emoji in [
            "👍",
            "❤️",
            "❤",
            "😂",
            "🎉",
            "👍🏽",
            "👨‍👩‍👧‍👦",
            "🏳️‍🌈",
            "🇫🇷",
            "🇺🇦",
            "1️⃣",
            "#️⃣",
            "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
            "©️",
            "🫠",
            "🧑‍🚀",
        ] {
            assert!(key(emoji).is_some(), "{emoji}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "a",
            "1",
            "#",
            "ab",
            "👍👍",
            "👍 ",
            " 👍",
            "🇫",
            "🇫🇷🇫",
            "\u{FE0F}",
            "\u{200D}",
            "é",
            "中",
            "!",
            "👍a",
            "1\u{20E3}\u{20E3}",
        ] {
            assert!(key(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn variation_selector_16_is_ignored_when_comparing() {
        assert_eq!(key("❤️"), key("❤"));
        assert_eq!(key("❤️").as_deref(), Some("❤"));
        assert_ne!(key("👍"), key("👍🏽"));
    }
}

//! Input rules that the browser checks as the user types and the server enforces. Each function
//! returns the normalised value or the sentence to show next to the field.

pub const DISPLAY_NAME_MAX_CHARS: usize = 50;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Long passphrases are welcome; the cap only stops absurd bodies from reaching the hasher.
pub const PASSWORD_MAX_BYTES: usize = 4096;
pub const MESSAGE_MAX_CHARS: usize = 4000;
pub const TITLE_MAX_CHARS: usize = 100;

pub fn display_name(raw: &str) -> Result<String, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("Enter a display name.");
    }
    if name.chars().count() > DISPLAY_NAME_MAX_CHARS {
        return Err("Use at most 50 characters.");
    }
    shown_as_typed(name)?;
    Ok(name.to_owned())
}

const CONTROL: &str = "Use letters, digits, spaces and punctuation only.";
const DECEPTIVE: &str =
    "Remove invisible and text-direction characters (such as zero-width spaces or right-to-left marks).";

/// A name or title must read as what it holds: no control characters, and none of the
/// characters that hide text or turn it around, with which "Ana\u{202E}nimda" passes for an
/// administrator or an invisible character makes a second "Ana".
fn shown_as_typed(text: &str) -> Result<(), &'static str> {
    if text.chars().any(char::is_control) {
        return Err(CONTROL);
    }
    if text.chars().any(is_invisible_format) {
        return Err(DECEPTIVE);
    }
    Ok(())
}

/// Bidirectional controls, zero-width and other invisible format characters (most of Unicode's
/// category Cf), and the blank fillers that render as nothing.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'                         // soft hyphen
            | '\u{034F}'                   // combining grapheme joiner
            | '\u{061C}'                   // Arabic letter mark
            | '\u{115F}' | '\u{1160}'      // Hangul choseong and jungseong fillers
            | '\u{17B4}' | '\u{17B5}'      // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}'      // Mongolian variation selectors and vowel separator
            | '\u{200B}'..='\u{200F}'      // zero-width space, (non-)joiner, LRM, RLM
            | '\u{2028}'..='\u{202E}'      // line and paragraph separators, bidi embeddings and overrides
            | '\u{2060}'..='\u{206F}'      // word joiner, invisible operators, bidi isolates, deprecated formats
            | '\u{3164}'                   // Hangul filler
            | '\u{FEFF}'                   // zero-width no-break space (BOM)
            | '\u{FFA0}'                   // halfwidth Hangul filler
            | '\u{FFF9}'..='\u{FFFB}'      // interlinear annotations
            | '\u{1BCA0}'..='\u{1BCA3}'    // shorthand format controls
            | '\u{1D173}'..='\u{1D17A}'    // musical symbol formats
            | '\u{E0000}'..='\u{E0FFF}' // tags and variation selectors supplement
    )
}

pub fn email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim();
    if email.is_empty() {
        return Err("Enter your email address.");
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err("That email address is too long.");
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if valid {
        Ok(email.to_owned())
    } else {
        Err("Enter an email address like name@example.com.")
    }
}

/// The form under which emails are compared: two addresses that differ only in case are one.
/// An address holding a control character cannot belong to an account (sign-up refuses it):
/// its key is empty, which matches no one, so a NUL typed at sign-in never reaches a database.
pub fn email_key(email: &str) -> String {
    if email.chars().any(char::is_control) {
        return String::new();
    }
    email.trim().to_lowercase()
}

pub fn password(raw: &str) -> Result<(), &'static str> {
    if raw.chars().count() < PASSWORD_MIN_CHARS {
        return Err("Use at least 8 characters.");
    }
    if raw.len() > PASSWORD_MAX_BYTES {
        return Err("Use at most 4096 bytes.");
    }
    Ok(())
}

/// A group title: trimmed, and no title at all when blank.
pub fn title(raw: Option<&str>) -> Result<Option<String>, &'static str> {
    let Some(title) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if title.chars().count() > TITLE_MAX_CHARS {
        return Err("Use at most 100 characters.");
    }
    shown_as_typed(title)?;
    Ok(Some(title.to_owned()))
}

/// Message text as stored: kept as typed (leading spaces can matter in code), but never longer
/// than the limit, and without control characters other than line breaks (`\n`, and the `\r`
/// of `\r\n`) and tabs. Whether a message is blank is [`is_blank`]'s call.
pub fn message_text(raw: &str) -> Result<&str, &'static str> {
    if raw.chars().count() > MESSAGE_MAX_CHARS {
        return Err("A message holds at most 4,000 characters.");
    }
    if raw
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("A message cannot hold control characters (line breaks and tabs are fine).");
    }
    Ok(raw)
}

pub fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// The lowercase form names are searched by, so "ÉLODIE" finds "Élodie". No name holds a
/// control character, so a query with one has an empty key, which finds no one.
pub fn search_key(text: &str) -> String {
    if text.chars().any(char::is_control) {
        return String::new();
    }
    text.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(display_name("  Ana  ").unwrap(), "Ana");
        assert!(display_name("   ").is_err());
        assert!(display_name(&"é".repeat(50)).is_ok());
        assert!(display_name(&"é".repeat(51)).is_err());
        assert!(display_name("a\u{0}b").is_err());
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(email(" Ana@Example.com ").unwrap(), "Ana@Example.com");
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "a@b@c.com",
            "ana@.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert_eq!(email_key(" Ana@Example.COM"), "ana@example.com");
    }

    #[test]
    fn passwords_need_eight_characters_and_allow_long_passphrases() {
        assert!(password("1234567").is_err());
        assert!(password("12345678").is_ok());
        assert!(password(&"x".repeat(1024)).is_ok());
        assert!(password(&"x".repeat(PASSWORD_MAX_BYTES + 1)).is_err());
    }

    #[test]
    fn message_text_is_bounded_in_characters() {
        assert!(message_text(&"ü".repeat(4000)).is_ok());
        assert!(message_text(&"ü".repeat(4001)).is_err());
        assert!(is_blank(" \n\t"));
        assert!(!is_blank(" x "));
    }

    #[test]
    fn search_keys_fold_unicode_case() {
        assert_eq!(search_key("ÉLODIE"), search_key("Élodie"));
    }

    #[test]
    fn control_characters_are_refused_except_line_breaks_and_tabs_in_messages() {
        for bad in [
            "a\u{0}b",
            "bell\u{7}",
            "esc\u{1b}[31m",
            "del\u{7f}",
            "c1\u{86}x",
        ] {
            assert!(message_text(bad).is_err(), "{bad:?}");
            assert!(title(Some(bad)).is_err(), "{bad:?}");
            assert!(display_name(bad).is_err(), "{bad:?}");
        }
        assert!(message_text("two\nlines\r\nand\ta tab").is_ok());
        assert!(title(Some("a\nb")).is_err());
        assert!(email("ana\u{0}@example.com").is_err());
    }

    #[test]
    fn keys_of_text_with_control_characters_match_no_one() {
        assert_eq!(email_key("ana\u{0}@example.com"), "");
        assert_eq!(search_key("ana\u{0}"), "");
        assert_eq!(search_key(" Ana "), "ana");
    }

    #[test]
    fn names_and_titles_refuse_invisible_and_direction_characters() {
        let bad = [
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{200E}',
            '\u{200F}',
            '\u{061C}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{3164}',
            '\u{E0041}',
        ];
        for c in bad {
            let name = format!("Ana{c}Admin");
            assert_eq!(display_name(&name), Err(DECEPTIVE), "U+{:04X}", c as u32);
            assert_eq!(title(Some(&name)), Err(DECEPTIVE), "U+{:04X}", c as u32);
        }
        // Scripts, accents, emoji (with their variation selector) and visible spaces stay.
        for good in [
            "Élodie Müller",
            "محمد",
            "李小龍",
            "Ana ❤\u{FE0F}",
            "Zoë\u{3000}Ng",
        ] {
            assert_eq!(display_name(good).as_deref(), Ok(good), "{good}");
            assert_eq!(title(Some(good)), Ok(Some(good.to_owned())), "{good}");
        }
        assert!(message_text("right-to-left \u{202E} in a message is only text").is_ok());
    }

    #[test]
    fn blank_titles_are_no_titles() {
        assert_eq!(title(Some("  ")).unwrap(), None);
        assert_eq!(title(Some(" Team ")).unwrap().as_deref(), Some("Team"));
        assert!(title(Some(&"t".repeat(101))).is_err());
    }
}

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
    if name.chars().any(char::is_control) {
        return Err("Use letters, digits, spaces and punctuation only.");
    }
    Ok(name.to_owned())
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
pub fn email_key(email: &str) -> String {
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
    Ok(Some(title.to_owned()))
}

/// Message text as stored: kept as typed (leading spaces can matter in code), but never longer
/// than the limit. Whether a message is blank is [`is_blank`]'s call.
pub fn message_text(raw: &str) -> Result<&str, &'static str> {
    if raw.chars().count() > MESSAGE_MAX_CHARS {
        return Err("A message holds at most 4,000 characters.");
    }
    Ok(raw)
}

pub fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// The lowercase form names are searched by, so "ÉLODIE" finds "Élodie".
pub fn search_key(text: &str) -> String {
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
    fn blank_titles_are_no_titles() {
        assert_eq!(title(Some("  ")).unwrap(), None);
        assert_eq!(title(Some(" Team ")).unwrap().as_deref(), Some("Team"));
        assert!(title(Some(&"t".repeat(101))).is_err());
    }
}

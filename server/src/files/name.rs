//! A file's original name: read from the multipart part as browsers write it, and given back in
//! `Content-Disposition` when the file is downloaded.

use std::fmt::Write;

/// Longer names are cut to this many characters (their extension kept).
pub const NAME_MAX_CHARS: usize = 255;
/// An extension this long or shorter survives the cut.
const EXTENSION_MAX_CHARS: usize = 16;

/// The name the part's `filename` gives, as the person named the file: browsers write `"`, CR
/// and LF as `%22`, `%0D` and `%0A` (and nothing else percent-encoded), so those three are
/// decoded and the rest is kept as sent. "file" when there is none; a NUL is refused, since
/// PostgreSQL text cannot hold it (and on SQLite too, so both keep the same names).
pub fn original_name(sent: Option<&str>) -> Result<String, &'static str> {
    let sent = sent.unwrap_or_default();
    if sent.contains('\0') {
        return Err("A file name cannot hold a NUL character.");
    }
    let mut name = String::with_capacity(sent.len());
    let mut rest = sent;
    while let Some(at) = rest.find('%') {
        name.push_str(&rest[..at]);
        let decoded = match rest.get(at + 1..at + 3).map(str::to_ascii_uppercase) {
            Some(code) if code == "22" => Some('"'),
            Some(code) if code == "0D" => Some('\r'),
            Some(code) if code == "0A" => Some('\n'),
            _ => None,
        };
        match decoded {
            Some(c) => {
                name.push(c);
                rest = &rest[at + 3..];
            }
            None => {
                name.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    name.push_str(rest);
    if name.is_empty() {
        return Ok("file".into());
    }
    Ok(capped(name))
}

/// At most [`NAME_MAX_CHARS`] characters, keeping a short extension.
fn capped(name: String) -> String {
    let chars = name.chars().count();
    if chars <= NAME_MAX_CHARS {
        return name;
    }
    let extension = match name.rfind('.') {
        Some(dot) if name[dot..].chars().count() <= EXTENSION_MAX_CHARS => &name[dot..],
        _ => "",
    };
    let keep = NAME_MAX_CHARS - extension.chars().count();
    let mut cut: String = name.chars().take(keep).collect();
    cut.push_str(extension);
    cut
}

/// `attachment; filename="FALLBACK"; filename*=UTF-8''ENCODED` (RFC 6266): the fallback, for
/// clients that know only `filename`, has `_` for every character that is not printable ASCII
/// or is `"`, `\` or `/`; the encoded form carries the whole name, percent-encoding every byte
/// of its UTF-8 that is not an RFC 5987 attr-char.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| match c {
            '"' | '\\' | '/' => '_',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_decoded_as_browsers_encode_them() {
        let cases = [
            ("a%22b.txt", "a\"b.txt"),
            ("line%0D%0Abreak%0a.txt", "line\r\nbreak\n.txt"),
            ("100%25 sure.txt", "100%25 sure.txt"),
            ("50%.txt", "50%.txt"),
            ("dir/sub\\x.txt", "dir/sub\\x.txt"),
            ("تقرير.pdf", "تقرير.pdf"),
            ("", "file"),
        ];
        for (sent, kept) in cases {
            assert_eq!(original_name(Some(sent)).unwrap(), kept, "{sent}");
        }
        assert_eq!(original_name(None).unwrap(), "file");
        assert!(original_name(Some("a\0b")).is_err());
    }

    #[test]
    fn long_names_are_cut_keeping_their_extension() {
        let long = format!("{}.tar.gz", "é".repeat(300));
        let cut = original_name(Some(&long)).unwrap();
        assert_eq!(cut.chars().count(), NAME_MAX_CHARS);
        assert!(cut.ends_with("éé.gz"), "{cut}");
        let no_extension = "x".repeat(400);
        assert_eq!(original_name(Some(&no_extension)).unwrap().len(), 255);
    }

    #[test]
    fn downloads_name_the_file_in_both_forms() {
        assert_eq!(
            content_disposition("a\"b/c\\d é.txt"),
            "attachment; filename=\"a_b_c_d _.txt\"; filename*=UTF-8''a%22b%2Fc%5Cd%20%C3%A9.txt"
        );
        assert_eq!(
            content_disposition("x\r\ny😀"),
            "attachment; filename=\"x__y_\"; filename*=UTF-8''x%0D%0Ay%F0%9F%98%80"
        );
    }
}

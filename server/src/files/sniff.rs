//! A file's type, judged from its bytes as they stream in: a known signature at its start (the
//! `infer` crate's table: images, archives, documents, audio, video, ...), else UTF-8 text when
//! every byte of it is, else `application/octet-stream`. The name and the type the client
//! declared are never looked at.

/// The start of a file kept for the signature table (some signatures sit a few KiB in).
const HEAD_BYTES: usize = 64 * 1024;
pub const TEXT: &str = "text/plain; charset=utf-8";
pub const UNKNOWN: &str = "application/octet-stream";

#[derive(Debug)]
pub struct Sniffer {
    head: Vec<u8>,
    /// Whether every byte so far is UTF-8 text (no control characters but tab, line breaks
    /// and form feed).
    text: bool,
    /// The start of a character the last chunk cut off.
    carry: Vec<u8>,
}

impl Default for Sniffer {
    fn default() -> Self {
        Sniffer {
            head: Vec::new(),
            text: true,
            carry: Vec::new(),
        }
    }
}

impl Sniffer {
    pub fn push(&mut self, chunk: &[u8]) {
        let room = HEAD_BYTES.saturating_sub(self.head.len());
        self.head.extend_from_slice(&chunk[..room.min(chunk.len())]);
        if !self.text {
            return;
        }
        let joined;
        let bytes = if self.carry.is_empty() {
            chunk
        } else {
            joined = [self.carry.as_slice(), chunk].concat();
            joined.as_slice()
        };
        let (valid, rest) = match std::str::from_utf8(bytes) {
            Ok(all) => (all, &[][..]),
            // Only a character cut at the end of the chunk may be completed by the next one.
            Err(e) if e.error_len().is_none() => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                (std::str::from_utf8(valid).unwrap_or_default(), rest)
            }
            Err(_) => {
                self.text = false;
                return;
            }
        };
        self.text = !valid
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'));
        self.carry = rest.to_vec();
    }

    pub fn content_type(&self) -> &'static str {
        if let Some(kind) = infer::get(&self.head) {
            return kind.mime_type();
        }
        if self.text && self.carry.is_empty() && !self.head.is_empty() {
            TEXT
        } else {
            UNKNOWN
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(chunks: &[&[u8]]) -> &'static str {
        let mut sniffer = Sniffer::default();
        for chunk in chunks {
            sniffer.push(chunk);
        }
        sniffer.content_type()
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(&[b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"]), "image/png");
        assert_eq!(sniff(&[b"%PDF-1.7\n"]), "application/pdf");
        assert_eq!(sniff(&[b"PK\x03\x04", &[0; 30]]), "application/zip");
        assert_eq!(sniff(&[b"plain words\r\n\tand more"]), TEXT);
        assert_eq!(sniff(&[b"bell \x07"]), UNKNOWN);
        assert_eq!(sniff(&[&[0xff, 0xfe, 0x00]]), UNKNOWN);
        assert_eq!(sniff(&[]), UNKNOWN);
    }

    #[test]
    fn a_character_split_between_chunks_is_still_text() {
        let word = "naïve Привет 😀".as_bytes();
        for at in 0..word.len() {
            let (a, b) = word.split_at(at);
            assert_eq!(sniff(&[a, b]), TEXT, "split at {at}");
        }
        assert_eq!(sniff(&[&word[..word.len() - 1]]), UNKNOWN, "cut short");
    }
}

//! A small JSON reader for what the browser reads: server-function answers, WebSocket frames and
//! server-rendered resources. serde_json's reader builds a message for every error (its number
//! and float formatters come along, for messages nobody sees) and parses fractions the shared
//! types never hold; this one answers every failure with the same [`Error`], so the WASM carries
//! neither. The server keeps serde_json, whose messages a request's author can use.
//!
//! It reads standard JSON (RFC 8259) into any `Deserialize` type, as serde_json writes it (enums
//! as a variant's name or `{"Variant": value}`), with one limit: numbers with a fraction or an
//! exponent are refused unless they are skipped (an unknown field's value).

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// The input was not JSON of the expected shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not the JSON expected")
    }
}

impl std::error::Error for Error {}

// Every constructor is overridden: serde's defaults would format their arguments.
impl de::Error for Error {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Error
    }
    fn invalid_type(_: de::Unexpected, _: &dyn de::Expected) -> Self {
        Error
    }
    fn invalid_value(_: de::Unexpected, _: &dyn de::Expected) -> Self {
        Error
    }
    fn invalid_length(_: usize, _: &dyn de::Expected) -> Self {
        Error
    }
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        Error
    }
    fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
        Error
    }
    fn missing_field(_: &'static str) -> Self {
        Error
    }
    fn duplicate_field(_: &'static str) -> Self {
        Error
    }
}

/// Arrays and objects nested deeper than this are refused (the stack is small in WASM).
const MAX_DEPTH: u32 = 128;

/// Reads `input` as one JSON value of type `T`, with nothing but whitespace after it.
pub fn from_slice<'de, T: Deserialize<'de>>(input: &'de [u8]) -> Result<T, Error> {
    let mut reader = Reader {
        input,
        pos: 0,
        depth: 0,
    };
    let value = T::deserialize(&mut reader)?;
    match reader.peek() {
        None => Ok(value),
        Some(_) => Err(Error),
    }
}

struct Reader<'de> {
    input: &'de [u8],
    pos: usize,
    depth: u32,
}

enum Text<'de> {
    Borrowed(&'de str),
    Owned(String),
}

fn utf8(bytes: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(bytes).map_err(|_| Error)
}

impl<'de> Reader<'de> {
    /// The next byte that is not whitespace, left unread.
    fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.input.get(self.pos) {
            self.pos += 1;
        }
        self.input.get(self.pos).copied()
    }

    fn next_byte(&mut self) -> Result<u8, Error> {
        let byte = *self.input.get(self.pos).ok_or(Error)?;
        self.pos += 1;
        Ok(byte)
    }

    fn eat(&mut self, byte: u8) -> Result<(), Error> {
        if self.peek() != Some(byte) {
            return Err(Error);
        }
        self.pos += 1;
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Error> {
        if !self.input[self.pos..].starts_with(word) {
            return Err(Error);
        }
        self.pos += word.len();
        Ok(())
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error);
        }
        self.pos += 1;
        Ok(())
    }

    fn leave(&mut self, close: u8) -> Result<(), Error> {
        self.eat(close)?;
        self.depth -= 1;
        Ok(())
    }

    /// A string, borrowed from the input when it holds no escapes.
    fn string(&mut self) -> Result<Text<'de>, Error> {
        self.eat(b'"')?;
        let input = self.input;
        let mut owned: Option<String> = None;
        loop {
            // A run of plain bytes; runs end at ASCII bytes, never inside a UTF-8 sequence.
            let run = self.pos;
            while let Some(&b) = input.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            let plain = utf8(&input[run..self.pos])?;
            match (self.next_byte()?, owned.as_mut()) {
                (b'"', None) => return Ok(Text::Borrowed(plain)),
                (b'"', Some(text)) => {
                    text.push_str(plain);
                    return Ok(Text::Owned(std::mem::take(text)));
                }
                (b'\\', _) => {
                    let text = owned.get_or_insert_with(String::new);
                    text.push_str(plain);
                    let c = match self.next_byte()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.escaped_char()?,
                        _ => return Err(Error),
                    };
                    text.push(c);
                }
                // A control character must be escaped.
                _ => return Err(Error),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self.input.get(self.pos..self.pos + 4).ok_or(Error)?;
        self.pos += 4;
        digits.iter().try_fold(0, |n, &d| {
            Ok(n * 16 + char::from(d).to_digit(16).ok_or(Error)?)
        })
    }

    /// After `\u`: one character, from a surrogate pair when it takes two escapes.
    fn escaped_char(&mut self) -> Result<char, Error> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            self.literal(b"\\u")?;
            let low = self.hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(Error);
            }
            0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
        } else {
            first
        };
        // A lone low surrogate is no character.
        char::from_u32(code).ok_or(Error)
    }

    /// An integer: what every number in the shared types is.
    fn integer<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let negative = self.input.get(self.pos) == Some(&b'-');
        if negative {
            self.pos += 1;
        }
        let start = self.pos;
        let mut n: u64 = 0;
        while let Some(&d @ b'0'..=b'9') = self.input.get(self.pos) {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
                .ok_or(Error)?;
            self.pos += 1;
        }
        let digits = self.pos - start;
        let leading_zero = digits > 1 && self.input[start] == b'0';
        let fraction = matches!(self.input.get(self.pos), Some(b'.' | b'e' | b'E'));
        if digits == 0 || leading_zero || fraction {
            return Err(Error);
        }
        if !negative {
            return visitor.visit_u64(n);
        }
        if n > 1 << 63 {
            return Err(Error);
        }
        // 2^63 wraps to i64::MIN, which is what its negation is.
        visitor.visit_i64((n as i64).wrapping_neg())
    }

    /// Passes over one value of any kind, fractions included.
    fn skip(&mut self) -> Result<(), Error> {
        match self.peek().ok_or(Error)? {
            b'"' => self.string().map(drop),
            b'-' | b'0'..=b'9' => {
                let digits = |reader: &mut Self| {
                    let start = reader.pos;
                    while reader.input.get(reader.pos).is_some_and(u8::is_ascii_digit) {
                        reader.pos += 1;
                    }
                    if reader.pos == start {
                        Err(Error)
                    } else {
                        Ok(())
                    }
                };
                if self.input[self.pos] == b'-' {
                    self.pos += 1;
                }
                digits(self)?;
                if self.input.get(self.pos) == Some(&b'.') {
                    self.pos += 1;
                    digits(self)?;
                }
                if let Some(b'e' | b'E') = self.input.get(self.pos) {
                    self.pos += 1;
                    if let Some(b'+' | b'-') = self.input.get(self.pos) {
                        self.pos += 1;
                    }
                    digits(self)?;
                }
                Ok(())
            }
            _ => de::Deserializer::deserialize_any(self, de::IgnoredAny).map(drop),
        }
    }
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek().ok_or(Error)? {
            b'n' => {
                self.literal(b"null")?;
                visitor.visit_unit()
            }
            b't' => {
                self.literal(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                visitor.visit_bool(false)
            }
            b'"' => match self.string()? {
                Text::Borrowed(text) => visitor.visit_borrowed_str(text),
                Text::Owned(text) => visitor.visit_string(text),
            },
            b'[' => {
                self.enter()?;
                let value = visitor.visit_seq(Items::new(self))?;
                self.leave(b']')?;
                Ok(value)
            }
            b'{' => {
                self.enter()?;
                let value = visitor.visit_map(Items::new(self))?;
                self.leave(b'}')?;
                Ok(value)
            }
            b'-' | b'0'..=b'9' => self.integer(visitor),
            _ => Err(Error),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if self.peek() != Some(b'{') {
            return match self.string()? {
                Text::Borrowed(name) => visitor.visit_enum(variants::UnitVariant(name)),
                Text::Owned(name) => visitor.visit_enum(variants::UnitVariant(&name)),
            };
        }
        // `{"Variant": value}`, as a `Result` is written.
        self.enter()?;
        let name = self.string()?;
        self.eat(b':')?;
        let value = visitor.visit_enum(variants::Tagged {
            reader: &mut *self,
            name,
        })?;
        self.leave(b'}')?;
        Ok(value)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.skip()?;
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// The elements of an array, or the entries of an object.
struct Items<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl<'a, 'de> Items<'a, 'de> {
    fn new(reader: &'a mut Reader<'de>) -> Self {
        Items {
            reader,
            first: true,
        }
    }

    /// Whether another item follows (its separator read), before `close`.
    fn more(&mut self, close: u8) -> Result<bool, Error> {
        let next = self.reader.peek().ok_or(Error)?;
        if next == close {
            return Ok(false);
        }
        if !std::mem::replace(&mut self.first, false) {
            // After a comma a value must follow: `[1,]` fails where that value is read.
            self.reader.eat(b',')?;
        }
        Ok(true)
    }
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if !self.more(b']')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.reader).map(Some)
    }
}

impl<'de> MapAccess<'de> for Items<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if !self.more(b'}')? {
            return Ok(None);
        }
        // Keys are strings; `deserialize_any` would also take a number there.
        if self.reader.peek() != Some(b'"') {
            return Err(Error);
        }
        let key = seed.deserialize(&mut *self.reader)?;
        self.reader.eat(b':')?;
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.reader)
    }
}

mod variants;

#[cfg(test)]
mod tests;

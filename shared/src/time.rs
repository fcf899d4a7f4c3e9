//! Instants as milliseconds since the Unix epoch, written on the wire as RFC 3339 in UTC with
//! milliseconds (`2026-11-24T01:02:03.456Z`). Hand-written so the WASM bundle carries no date crate.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    pub fn as_millis(self) -> i64 {
        self.0
    }

    /// Parses the RFC 3339 form this type writes, with or without a fraction, `Z` or `+00:00`.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let part = s.get(r)?;
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        let mut rest = &s[19..];
        let mut millis = 0;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            let padded = format!("{:0<3}", &frac[..digits.min(3)]);
            millis = padded.parse().ok()?;
            rest = &frac[digits..];
        }
        if !matches!(rest, "Z" | "z" | "+00:00" | "-00:00") {
            return None;
        }
        let days = days_from_civil(year, month, day);
        Some(Timestamp(
            ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis,
        ))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400_000);
        let ms_of_day = self.0.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        let (h, m) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60);
        let (sec, ms) = (ms_of_day / 1000 % 60, ms_of_day % 1000);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{sec:02}.{ms:03}Z"
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Timestamp::parse(&s).ok_or_else(|| de::Error::custom("expected an RFC 3339 UTC time"))
    }
}

// Howard Hinnant's algorithms for the proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_in_utc() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Timestamp(1_795_482_123_456).to_string(),
            "2026-11-24T01:02:03.456Z"
        );
        assert_eq!(
            Timestamp(951_782_400_000).to_string(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn parses_what_it_formats() {
        for ms in [
            0,
            1,
            -1,
            951_782_400_000,
            1_795_482_123_456,
            4_102_444_800_000,
        ] {
            assert_eq!(
                Timestamp::parse(&Timestamp(ms).to_string()),
                Some(Timestamp(ms))
            );
        }
        assert_eq!(
            Timestamp::parse("2026-11-24T01:02:03Z"),
            Some(Timestamp(1_795_482_123_000))
        );
        assert_eq!(
            Timestamp::parse("2026-11-24T01:02:03.4567+00:00"),
            Some(Timestamp(1_795_482_123_456))
        );
    }

    #[test]
    fn refuses_what_is_not_utc_rfc3339() {
        for bad in [
            "",
            "2026-11-24",
            "2026-13-01T00:00:00Z",
            "2026-11-24T01:02:03+01:00",
            "2026-11-24T01:02:03.Z",
            "yesterday",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn serializes_as_a_string() {
        let json = serde_json::to_string(&Timestamp(1_795_482_123_456)).unwrap();
        assert_eq!(json, "\"2026-11-24T01:02:03.456Z\"");
        assert_eq!(
            serde_json::from_str::<Timestamp>(&json).unwrap(),
            Timestamp(1_795_482_123_456)
        );
    }
}

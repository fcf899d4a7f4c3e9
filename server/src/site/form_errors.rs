//! The error a form posted without the WASM comes back with. Leptos puts it in the page's
//! address (`__path`, `__err`), where anyone could write a message of their own into a link.
//! The server signs the errors it sends back (`__until`, `__sig`: HMAC-SHA256 under a key made
//! from the token secret, valid for a while), and a page whose address carries an error it did
//! not sign is sent to the same address without it. The page, rendered and then hydrated from
//! that address, can only ever show what this server said.

use crate::config::Settings;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const PATH: &str = "__path";
const ERR: &str = "__err";
const UNTIL: &str = "__until";
const SIG: &str = "__sig";

/// Long enough to read the error, and to reload the page once.
const VALID_FOR: Duration = Duration::from_secs(15 * 60);

pub struct Seal {
    key: [u8; 32],
}

impl Seal {
    /// A key of its own, derived from the token secret, so every process of one deployment
    /// accepts what another signed.
    pub fn new(settings: &Settings) -> Self {
        let secret = settings
            .jwt_secret
            .clone()
            .or_else(|| crate::secret::load_or_create(&settings.data_dir).ok());
        let key = match secret {
            Some(secret) => Sha256::new()
                .chain_update(b"letuschat form errors\0")
                .chain_update(secret.expose())
                .finalize()
                .into(),
            None => {
                tracing::warn!("no token secret to sign form errors with; using a random key");
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).expect("the system's random source");
                key
            }
        };
        Seal { key }
    }

    fn mac(&self, path: &str, err: &str, until: u64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        for part in [path, err, &until.to_string()] {
            mac.update(part.as_bytes());
            mac.update(b"\0");
        }
        mac
    }

    /// The redirect `location` with its error signed; `None` when it carries no error. The
    /// error of a post made from a page that already showed one is the last in the query
    /// (Leptos appends it): that one is kept, the older one dropped.
    pub fn sign(&self, location: &str, now: SystemTime) -> Option<String> {
        let (base, query) = location.split_once('?')?;
        let pairs = Pairs::parse(query);
        let (path, err) = (pairs.last(PATH)?, pairs.last(ERR)?);
        let until = unix(now) + VALID_FOR.as_secs();
        let sig = URL_SAFE_NO_PAD.encode(self.mac(path, err, until).finalize().into_bytes());
        let mut out = form_urlencoded::Serializer::new(String::new());
        out.extend_pairs(pairs.others());
        out.append_pair(PATH, path)
            .append_pair(ERR, err)
            .append_pair(UNTIL, &until.to_string())
            .append_pair(SIG, &sig);
        Some(format!("{base}?{}", out.finish()))
    }

    /// `None` when `query` may be shown as it is: no error in it, or one this server signed
    /// that has not expired. Otherwise the query without the error, to send the visitor to.
    pub fn check(&self, query: &str, now: SystemTime) -> Option<String> {
        let pairs = Pairs::parse(query);
        if !pairs.0.iter().any(|(k, _)| is_ours(k)) {
            return None;
        }
        let valid = (|| {
            let [path, err, until, sig] = [PATH, ERR, UNTIL, SIG].map(|k| pairs.only(k));
            let until: u64 = until?.parse().ok()?;
            let sig = URL_SAFE_NO_PAD.decode(sig?).ok()?;
            (until >= unix(now)).then_some(())?;
            self.mac(path?, err?, until).verify_slice(&sig).ok()
        })();
        if valid.is_some() {
            return None;
        }
        let mut out = form_urlencoded::Serializer::new(String::new());
        out.extend_pairs(pairs.others());
        Some(out.finish())
    }
}

fn is_ours(key: &str) -> bool {
    [PATH, ERR, UNTIL, SIG].contains(&key)
}

fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

struct Pairs(Vec<(String, String)>);

impl Pairs {
    fn parse(query: &str) -> Self {
        Pairs(
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    fn last(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `key` when it appears exactly once (the page reads the first).
    fn only(&self, key: &str) -> Option<&str> {
        let mut values = self.0.iter().filter(|(k, _)| k == key);
        match (values.next(), values.next()) {
            (Some((_, v)), None) => Some(v),
            _ => None,
        }
    }

    fn others(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .filter(|(k, _)| !is_ours(k))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal() -> Seal {
        Seal { key: [7; 32] }
    }

    fn query(location: &str) -> &str {
        location.split_once('?').unwrap().1
    }

    #[test]
    fn signed_errors_are_shown_and_others_are_dropped() {
        let now = SystemTime::now();
        let signed = seal()
            .sign(
                "http://h/login?x=1&__path=%2Fapi%2Ffn%2Flogin&__err=eyJh",
                now,
            )
            .unwrap();
        assert!(
            signed.starts_with("http://h/login?x=1&__path=%2Fapi%2Ffn%2Flogin&__err=eyJh&__until=")
        );
        assert_eq!(seal().check(query(&signed), now), None);
        // Another key, another message, a second error, or no signature: shown without it.
        assert_eq!(
            Seal { key: [8; 32] }.check(query(&signed), now).as_deref(),
            Some("x=1")
        );
        let forged = query(&signed).replace("eyJh", "eyJi");
        assert_eq!(seal().check(&forged, now).as_deref(), Some("x=1"));
        let doubled = format!("{}&__err=eyJh", query(&signed));
        assert_eq!(seal().check(&doubled, now).as_deref(), Some("x=1"));
        assert_eq!(
            seal().check("__path=%2Fa&__err=eyJh", now).as_deref(),
            Some("")
        );
        assert_eq!(seal().check("__err=anything", now).as_deref(), Some(""));
        assert_eq!(seal().check("q=1", now), None);
    }

    #[test]
    fn signed_errors_expire() {
        let then = SystemTime::now();
        let signed = seal().sign("/login?__path=p&__err=e", then).unwrap();
        let later = then + VALID_FOR + Duration::from_secs(2);
        assert_eq!(seal().check(query(&signed), later).as_deref(), Some(""));
    }

    #[test]
    fn the_newest_error_is_the_one_signed() {
        let now = SystemTime::now();
        let first = seal().sign("/login?__path=p&__err=old", now).unwrap();
        // Leptos appends the next error to the address the form was on.
        let again = seal()
            .sign(&format!("{first}&__path=p&__err=new"), now)
            .unwrap();
        let pairs = Pairs::parse(query(&again));
        assert_eq!(pairs.only(ERR), Some("new"));
        assert_eq!(seal().check(query(&again), now), None);
        assert_eq!(seal().sign("/login?x=1", now), None);
    }
}

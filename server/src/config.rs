//! Typed settings, read once at start-up from environment variables (README, "Settings").
//! A bad value stops start-up with one line that names the variable.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub database: DatabaseUrl,
    pub data_dir: PathBuf,
    pub upload_dir: PathBuf,
    /// `None`: generated once and kept in `data_dir`.
    pub jwt_secret: Option<Secret>,
    /// Where cargo-leptos put the WASM, JS and CSS (`LEPTOS_SITE_ROOT`).
    pub site_root: PathBuf,
    /// bcrypt work factor for new password hashes.
    pub bcrypt_cost: u32,
    pub cookie_secure: CookieSecure,
    /// How many proxies in front of the server append the address they were reached from to
    /// `X-Forwarded-For`; the client is that many entries from the right. 0: no proxy, the
    /// client is the socket's peer.
    pub trust_proxy: usize,
    /// Sign-ups allowed per client address per hour.
    pub signups_per_hour: u32,
    /// A WebSocket that sends nothing (not even a pong) for this long is closed.
    pub ws_idle: Duration,
    /// WebSockets one person may hold open at once in this process.
    pub ws_per_user: usize,
    pub registration: Registration,
    /// How long a connection may take to send a request's headers, from its opening or from
    /// the previous response (so it is also how long a kept-alive connection may sit idle).
    pub header_timeout: Duration,
    /// Where `/metrics` is served; `None`: nowhere.
    pub metrics_addr: Option<SocketAddr>,
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// For people.
    Text,
    /// One JSON object a line, for log collectors.
    Json,
}

/// Who may sign up (the first account of an empty server always may, and is the admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    Open,
    /// With an invitation an admin made.
    Invite,
    Closed,
}

/// When the session cookie gets the `Secure` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieSecure {
    /// When the request arrived over HTTPS, as a proxy's `X-Forwarded-Proto: https` says.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(Secret),
}

/// A value that must never reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{name}: {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
}

const MIN_SECRET_BYTES: usize = 32;
/// More proxies than this in a row is a typo, not a deployment.
const MAX_PROXY_HOPS: usize = 10;

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `get`, so tests can supply an environment of their own.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        // A variable that is set but empty is a mistake worth stopping for, not a default.
        let var = |name: &'static str| -> Result<Option<String>, ConfigError> {
            match get(name) {
                Some(v) if v.trim().is_empty() => Err(ConfigError {
                    name,
                    problem: "is set but empty".into(),
                }),
                other => Ok(other),
            }
        };

        let addr = match (var("LETUSCHAT_ADDR")?, var("LEPTOS_SITE_ADDR")?) {
            (Some(v), _) => parse_addr("LETUSCHAT_ADDR", &v)?,
            (None, Some(v)) => parse_addr("LEPTOS_SITE_ADDR", &v)?,
            (None, None) => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let data_dir = PathBuf::from(var("LETUSCHAT_DATA_DIR")?.unwrap_or_else(|| "data".into()));
        let database = match var("DATABASE_URL")? {
            Some(url) => DatabaseUrl::parse(&url)?,
            None => DatabaseUrl::Sqlite(format!(
                "sqlite://{}",
                data_dir.join("letuschat.db").display()
            )),
        };
        let upload_dir =
            PathBuf::from(var("LETUSCHAT_UPLOAD_DIR")?.unwrap_or_else(|| "uploads".into()));
        let jwt_secret = match var("LETUSCHAT_JWT_SECRET")? {
            Some(s) if s.len() < MIN_SECRET_BYTES => {
                return Err(ConfigError {
                    name: "LETUSCHAT_JWT_SECRET",
                    problem: format!("must be at least {MIN_SECRET_BYTES} bytes long"),
                })
            }
            other => other.map(Secret),
        };
        let site_root =
            PathBuf::from(var("LEPTOS_SITE_ROOT")?.unwrap_or_else(|| "target/site".into()));
        let bcrypt_cost = match var("LETUSCHAT_BCRYPT_COST")? {
            None => 12,
            Some(v) => v
                .trim()
                .parse()
                .ok()
                .filter(|c| (4..=31).contains(c))
                .ok_or(ConfigError {
                    name: "LETUSCHAT_BCRYPT_COST",
                    problem: format!("{v:?} is not a whole number from 4 to 31"),
                })?,
        };
        let cookie_secure = match var("LETUSCHAT_COOKIE_SECURE")?.as_deref().map(str::trim) {
            None | Some("auto") => CookieSecure::Auto,
            Some("true") => CookieSecure::Always,
            Some("false") => CookieSecure::Never,
            Some(other) => {
                return Err(ConfigError {
                    name: "LETUSCHAT_COOKIE_SECURE",
                    problem: format!("{other:?} is not auto, true or false"),
                })
            }
        };
        let trust_proxy = match var("LETUSCHAT_TRUST_PROXY")?.as_deref().map(str::trim) {
            None | Some("false") => 0,
            Some("true") => 1,
            Some(other) => other
                .parse()
                .ok()
                .filter(|hops| *hops <= MAX_PROXY_HOPS)
                .ok_or(ConfigError {
                    name: "LETUSCHAT_TRUST_PROXY",
                    problem: format!(
                    "{other:?} is not false, true or a number of proxies (0 to {MAX_PROXY_HOPS})"
                ),
                })?,
        };
        let signups_per_hour = match var("LETUSCHAT_SIGNUPS_PER_HOUR")? {
            None => 10,
            Some(v) => v
                .trim()
                .parse()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or(ConfigError {
                    name: "LETUSCHAT_SIGNUPS_PER_HOUR",
                    problem: format!("{v:?} is not a whole number of at least 1"),
                })?,
        };
        let ws_idle = Duration::from_secs(whole(
            "LETUSCHAT_WS_IDLE_SECS",
            var("LETUSCHAT_WS_IDLE_SECS")?,
            60,
            2..=3600,
        )?);
        let ws_per_user = whole(
            "LETUSCHAT_WS_PER_USER",
            var("LETUSCHAT_WS_PER_USER")?,
            20,
            1..=100_000,
        )?;
        let registration = match var("LETUSCHAT_REGISTRATION")?.as_deref().map(str::trim) {
            None | Some("open") => Registration::Open,
            Some("invite") => Registration::Invite,
            Some("closed") => Registration::Closed,
            Some(other) => {
                return Err(ConfigError {
                    name: "LETUSCHAT_REGISTRATION",
                    problem: format!("{other:?} is not open, invite or closed"),
                })
            }
        };
        let header_timeout = Duration::from_secs(whole(
            "LETUSCHAT_HEADER_TIMEOUT_SECS",
            var("LETUSCHAT_HEADER_TIMEOUT_SECS")?,
            10,
            1..=3600,
        )?);
        let metrics_addr = var("LETUSCHAT_METRICS_ADDR")?
            .map(|v| parse_addr("LETUSCHAT_METRICS_ADDR", &v))
            .transpose()?;
        let log_format = match var("LETUSCHAT_LOG_FORMAT")?.as_deref().map(str::trim) {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    name: "LETUSCHAT_LOG_FORMAT",
                    problem: format!("{other:?} is not text or json"),
                })
            }
        };
        Ok(Settings {
            addr,
            database,
            data_dir,
            upload_dir,
            jwt_secret,
            site_root,
            bcrypt_cost,
            cookie_secure,
            trust_proxy,
            signups_per_hour,
            ws_idle,
            ws_per_user,
            registration,
            header_timeout,
            metrics_addr,
            log_format,
        })
    }
}

/// A whole-number setting within `range`, or `default` when unset.
fn whole<T>(
    name: &'static str,
    value: Option<String>,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display,
{
    let Some(v) = value else { return Ok(default) };
    v.trim()
        .parse()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| ConfigError {
            name,
            problem: format!(
                "{v:?} is not a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        })
}

fn parse_addr(name: &'static str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError {
        name,
        problem: format!("{value:?} is not an address like 127.0.0.1:3000"),
    })
}

impl DatabaseUrl {
    /// Only the two backends we ship; anything else is refused, never silently replaced by an
    /// empty database somewhere unexpected.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let url = url.trim();
        let bad = |problem: String| ConfigError {
            name: "DATABASE_URL",
            problem,
        };
        let (scheme, rest) = url.split_once(':').ok_or_else(|| {
            bad("must start with sqlite: or postgres: (e.g. sqlite://data/letuschat.db)".into())
        })?;
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let path = rest.trim_start_matches("//");
                if path.is_empty() || path.starts_with('?') {
                    return Err(bad(
                        "a sqlite: URL needs a file path, e.g. sqlite://data/letuschat.db".into(),
                    ));
                }
                Ok(DatabaseUrl::Sqlite(url.to_owned()))
            }
            "postgres" | "postgresql" => {
                if !rest.starts_with("//") {
                    return Err(bad(
                        "a postgres URL looks like postgres://user@host:5432/dbname".into(),
                    ));
                }
                Ok(DatabaseUrl::Postgres(Secret(url.to_owned())))
            }
            // The scheme alone is quoted: the rest may hold a password.
            other => Err(bad(format!(
                "unsupported scheme {other:?}; use sqlite: (the default) or postgres:"
            ))),
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| env.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(
            s.database,
            DatabaseUrl::Sqlite("sqlite://data/letuschat.db".into())
        );
        assert_eq!(s.data_dir, PathBuf::from("data"));
        assert_eq!(s.upload_dir, PathBuf::from("uploads"));
        assert_eq!(s.site_root, PathBuf::from("target/site"));
        assert!(s.jwt_secret.is_none());
        assert_eq!(s.bcrypt_cost, 12);
        assert_eq!(s.cookie_secure, CookieSecure::Auto);
        assert_eq!(s.trust_proxy, 0);
        assert_eq!(s.signups_per_hour, 10);
        assert_eq!(s.ws_idle, Duration::from_secs(60));
        assert_eq!(s.ws_per_user, 20);
        assert_eq!(s.registration, Registration::Open);
        assert_eq!(s.header_timeout, Duration::from_secs(10));
        assert_eq!(s.metrics_addr, None, "no metrics unless asked for");
        assert_eq!(s.log_format, LogFormat::Text);
    }

    #[test]
    fn watching_settings_are_checked() {
        let s = settings(&[
            ("LETUSCHAT_METRICS_ADDR", "127.0.0.1:9100"),
            ("LETUSCHAT_LOG_FORMAT", "json"),
        ])
        .unwrap();
        assert_eq!(s.metrics_addr, Some("127.0.0.1:9100".parse().unwrap()));
        assert_eq!(s.log_format, LogFormat::Json);
        for (name, bad) in [
            ("LETUSCHAT_METRICS_ADDR", "9100"),
            ("LETUSCHAT_METRICS_ADDR", ""),
            ("LETUSCHAT_LOG_FORMAT", "JSON lines"),
            ("LETUSCHAT_LOG_FORMAT", ""),
        ] {
            assert_eq!(settings(&[(name, bad)]).unwrap_err().name, name, "{bad:?}");
        }
    }

    #[test]
    fn registration_modes_are_named() {
        for (value, mode) in [
            ("open", Registration::Open),
            ("invite", Registration::Invite),
            ("closed", Registration::Closed),
        ] {
            let s = settings(&[("LETUSCHAT_REGISTRATION", value)]).unwrap();
            assert_eq!(s.registration, mode);
        }
        let e = settings(&[("LETUSCHAT_REGISTRATION", "friends")]).unwrap_err();
        assert_eq!(e.name, "LETUSCHAT_REGISTRATION");
    }

    #[test]
    fn websocket_settings_are_checked() {
        let s = settings(&[
            ("LETUSCHAT_WS_IDLE_SECS", "5"),
            ("LETUSCHAT_WS_PER_USER", "3"),
        ])
        .unwrap();
        assert_eq!((s.ws_idle, s.ws_per_user), (Duration::from_secs(5), 3));
        for (name, bad) in [
            ("LETUSCHAT_WS_IDLE_SECS", "1"),
            ("LETUSCHAT_WS_IDLE_SECS", "a minute"),
            ("LETUSCHAT_WS_PER_USER", "0"),
        ] {
            assert_eq!(settings(&[(name, bad)]).unwrap_err().name, name);
        }
    }

    #[test]
    fn the_header_timeout_is_whole_seconds() {
        let timeout = |v| settings(&[("LETUSCHAT_HEADER_TIMEOUT_SECS", v)]);
        assert_eq!(timeout("2").unwrap().header_timeout, Duration::from_secs(2));
        for bad in ["0", "-1", "1.5", "3601", "ten"] {
            assert_eq!(
                timeout(bad).unwrap_err().name,
                "LETUSCHAT_HEADER_TIMEOUT_SECS"
            );
        }
    }

    #[test]
    fn auth_settings_are_checked() {
        assert_eq!(
            settings(&[("LETUSCHAT_BCRYPT_COST", "4")])
                .unwrap()
                .bcrypt_cost,
            4
        );
        assert_eq!(
            settings(&[("LETUSCHAT_BCRYPT_COST", "3")])
                .unwrap_err()
                .name,
            "LETUSCHAT_BCRYPT_COST"
        );
        assert_eq!(
            settings(&[("LETUSCHAT_COOKIE_SECURE", "true")])
                .unwrap()
                .cookie_secure,
            CookieSecure::Always
        );
        assert_eq!(
            settings(&[("LETUSCHAT_COOKIE_SECURE", "yes")])
                .unwrap_err()
                .name,
            "LETUSCHAT_COOKIE_SECURE"
        );
        for (value, hops) in [("false", 0), ("true", 1), ("0", 0), ("1", 1), (" 2 ", 2)] {
            let s = settings(&[("LETUSCHAT_TRUST_PROXY", value)]).unwrap();
            assert_eq!(s.trust_proxy, hops, "{value:?}");
        }
        for bad in ["yes", "-1", "11", "1.5"] {
            assert_eq!(
                settings(&[("LETUSCHAT_TRUST_PROXY", bad)])
                    .unwrap_err()
                    .name,
                "LETUSCHAT_TRUST_PROXY",
                "{bad:?}"
            );
        }
        assert_eq!(
            settings(&[("LETUSCHAT_SIGNUPS_PER_HOUR", "500")])
                .unwrap()
                .signups_per_hour,
            500
        );
        for bad in ["0", "-3", "many"] {
            assert_eq!(
                settings(&[("LETUSCHAT_SIGNUPS_PER_HOUR", bad)])
                    .unwrap_err()
                    .name,
                "LETUSCHAT_SIGNUPS_PER_HOUR"
            );
        }
    }

    #[test]
    fn the_sqlite_file_follows_the_data_dir() {
        let s = settings(&[("LETUSCHAT_DATA_DIR", "/var/lib/chat")]).unwrap();
        assert_eq!(
            s.database,
            DatabaseUrl::Sqlite("sqlite:///var/lib/chat/letuschat.db".into())
        );
    }

    #[test]
    fn our_address_variable_wins_over_leptos_one() {
        let s = settings(&[("LEPTOS_SITE_ADDR", "0.0.0.0:8080")]).unwrap();
        assert_eq!(s.addr.to_string(), "0.0.0.0:8080");
        let s = settings(&[
            ("LEPTOS_SITE_ADDR", "0.0.0.0:8080"),
            ("LETUSCHAT_ADDR", "127.0.0.1:9"),
        ])
        .unwrap();
        assert_eq!(s.addr.to_string(), "127.0.0.1:9");
        assert_eq!(
            settings(&[("LETUSCHAT_ADDR", "localhost")])
                .unwrap_err()
                .name,
            "LETUSCHAT_ADDR"
        );
    }

    #[test]
    fn database_urls_are_parsed_strictly() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap().backend(),
            "postgres"
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap().backend(),
            "postgres"
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://x.db").unwrap().backend(),
            "sqlite"
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:x.db").unwrap().backend(),
            "sqlite"
        );
        for bad in [
            "mysql://root:hunter2@h/db",
            "letuschat.db",
            "sqlite://",
            "postgres:db",
            "http://x",
        ] {
            let err = DatabaseUrl::parse(bad).unwrap_err();
            assert_eq!(err.name, "DATABASE_URL", "{bad}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
        assert_eq!(
            settings(&[("DATABASE_URL", "")]).unwrap_err().name,
            "DATABASE_URL"
        );
    }

    #[test]
    fn secrets_are_long_and_never_printed() {
        assert_eq!(
            settings(&[("LETUSCHAT_JWT_SECRET", "short")])
                .unwrap_err()
                .name,
            "LETUSCHAT_JWT_SECRET"
        );
        let s = settings(&[
            ("LETUSCHAT_JWT_SECRET", &"k".repeat(32)),
            ("DATABASE_URL", "postgres://u:pw@h/d"),
        ])
        .unwrap();
        let debug = format!("{s:?}");
        assert!(!debug.contains("kkkk") && !debug.contains("pw@"), "{debug}");
    }
}

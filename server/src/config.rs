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
    /// Where debug builds read the WASM, JS and CSS cargo-leptos built (`LEPTOS_SITE_ROOT`);
    /// release binaries carry them and do not read it.
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
        let signups_per_hour = whole(
            "LETUSCHAT_SIGNUPS_PER_HOUR",
            var("LETUSCHAT_SIGNUPS_PER_HOUR")?,
            10,
            1..=u32::MAX,
        )?;
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
mod tests;

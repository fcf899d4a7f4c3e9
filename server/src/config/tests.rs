//! The settings' parsing: defaults, each variable's checks, and one line per mistake.

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

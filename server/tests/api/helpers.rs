//! Starts the real server on port 0 with a fresh database per test, on SQLite (a temporary file)
//! or PostgreSQL (a new database on the server `TEST_DATABASE_URL` names, by default the one on
//! 127.0.0.1:5432). PostgreSQL being unreachable fails the test: it is never skipped.

use server::config::{DatabaseUrl, Secret, Settings};
use server::db::{self, Db};
use server::Application;
use sqlx::Connection;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named test once per backend: `both!(spawn_app => a, b)` makes `a::sqlite`,
/// `a::postgres`, ... each calling `a(spawn_app(backend).await)`.
macro_rules! both {
    ($spawn:path => $($name:ident),+ $(,)?) => {$(
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($spawn($crate::helpers::Backend::Sqlite).await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($spawn($crate::helpers::Backend::Postgres).await).await
            }
        }
    )+};
}
pub(crate) use both;

/// A database of its own for one test, removed when dropped.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    _dir: tempfile::TempDir,
    pg_name: Option<String>,
}

pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("letuschat.db").display());
                TestDatabase {
                    url: DatabaseUrl::Sqlite(url),
                    _dir: dir,
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let admin = admin_url();
                let name = format!("letuschat_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL is required for these tests and {admin} did not answer: {e}. Set TEST_DATABASE_URL or run scripts/test.sh, which starts one.")
                });
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let url = with_database(&admin, &name);
                TestDatabase {
                    url: DatabaseUrl::Postgres(Secret::new(url)),
                    _dir: dir,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// The PostgreSQL database's name (`None` for SQLite).
    pub fn pg_name(&self) -> Option<&str> {
        self.pg_name.as_deref()
    }

    pub fn dir(&self) -> PathBuf {
        self._dir.path().to_path_buf()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url()).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

/// Replaces the database name in a postgres URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A fresh store for storage tests that need no HTTP.
pub async fn fresh_store(backend: Backend) -> (Db, TestDatabase) {
    let database = TestDatabase::new(backend).await;
    let store = db::connect(&database.url)
        .await
        .expect("connect and migrate");
    (store, database)
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// Where `/metrics` is served, when the settings asked for it.
    pub metrics_addr: Option<SocketAddr>,
    pub url: String,
    pub client: reqwest::Client,
    db: Option<Db>,
    hub: Option<std::sync::Arc<server::realtime::Hub>>,
    pub backend: Backend,
    stop: Option<oneshot::Sender<()>>,
    task: Option<std::thread::JoinHandle<std::io::Result<()>>>,
    /// Shared with [`TestApp::twin`]s: removed when the last server on it is dropped.
    pub database: std::sync::Arc<TestDatabase>,
    configure: fn(&mut Settings),
}

/// A stand-in for the site cargo-leptos builds, which a server started from disk refuses to do
/// without: the files the pages load, named as in a build that is not cargo-leptos's (no hashes,
/// wasm-bindgen's `_bg.wasm`), the script with a brotli form, and a favicon. Made once.
pub fn fake_site() -> PathBuf {
    static SITE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SITE.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fake-site");
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        for (file, body) in FAKE_SITE {
            std::fs::write(root.join(file), body).unwrap();
        }
        root
    })
    .clone()
}

pub const FAKE_SITE: [(&str, &[u8]); 5] = [
    ("pkg/letuschat.js", b"export default function init() {}"),
    ("pkg/letuschat.js.br", b"(brotli bytes)"),
    ("pkg/letuschat_bg.wasm", b"\0asm\x01\0\0\0"),
    ("pkg/letuschat.css", b"body { margin: 0 }"),
    ("favicon.ico", b"(icon)"),
];

pub fn settings_for(database: &TestDatabase) -> Settings {
    let dir = database.dir();
    Settings {
        addr: "127.0.0.1:0".parse().unwrap(),
        database: database.url.clone(),
        data_dir: dir.join("data"),
        upload_dir: dir.join("uploads"),
        jwt_secret: None,
        site_root: fake_site(),
        // The lowest cost bcrypt allows: the tests exercise the logic, not the work factor.
        bcrypt_cost: 4,
        cookie_secure: server::config::CookieSecure::Auto,
        trust_proxy: 0,
        // Tests sign many people up from one address; the limit has tests of its own.
        signups_per_hour: 1000,
        ws_idle: std::time::Duration::from_secs(60),
        ws_per_user: 20,
        registration: server::config::Registration::Open,
        header_timeout: std::time::Duration::from_secs(10),
        metrics_addr: None,
        log_format: server::config::LogFormat::Text,
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// A server whose settings `configure` changes (it is applied again on a restart).
pub async fn spawn_app_with(backend: Backend, configure: fn(&mut Settings)) -> TestApp {
    let database = std::sync::Arc::new(TestDatabase::new(backend).await);
    let mut app = TestApp::unstarted(backend, database, configure);
    app.launch().await;
    app
}

/// The server on `database` as it is: an upgrade test's database from an earlier release.
pub async fn spawn_app_on(backend: Backend, database: TestDatabase) -> TestApp {
    let mut app = TestApp::unstarted(backend, std::sync::Arc::new(database), |_| {});
    app.launch().await;
    app
}

impl TestApp {
    fn unstarted(
        backend: Backend,
        database: std::sync::Arc<TestDatabase>,
        configure: fn(&mut Settings),
    ) -> Self {
        TestApp {
            addr: "127.0.0.1:0".parse().unwrap(),
            metrics_addr: None,
            url: String::new(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            db: None,
            hub: None,
            backend,
            stop: None,
            task: None,
            database,
            configure,
        }
    }

    /// A second server on the same database and data folder, as a second process would be.
    pub async fn twin(&self) -> TestApp {
        let mut twin = TestApp::unstarted(self.backend, self.database.clone(), self.configure);
        twin.launch().await;
        twin
    }

    /// Runs the server on a runtime of its own, as the binary does (with the binary's larger
    /// thread stacks: rendering pages in a debug build needs them).
    async fn launch(&mut self) {
        let mut settings = settings_for(&self.database);
        (self.configure)(&mut settings);
        let (started_tx, started) = oneshot::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("test-server".into())
            .spawn(move || {
                server::startup::runtime().block_on(async move {
                    let app = Application::build(settings).await.expect("server starts");
                    let state = app.state();
                    let _ = started_tx.send((
                        app.local_addr(),
                        app.metrics_addr(),
                        state.db.clone(),
                        state.hub.clone(),
                    ));
                    app.run_until(async {
                        let _ = stopped.await;
                    })
                    .await
                })
            })
            .expect("server thread");
        let (addr, metrics_addr, db, hub) = started.await.expect("server started");
        self.addr = addr;
        self.metrics_addr = metrics_addr;
        self.url = format!("http://{addr}");
        self.db = Some(db);
        self.hub = Some(hub);
        self.stop = Some(stop);
        self.task = Some(thread);
    }

    /// The running server's connection registry, to see what the server sees.
    pub fn hub(&self) -> &server::realtime::Hub {
        self.hub.as_ref().expect("server running")
    }

    /// Where the server keeps its data (the generated token key among it).
    pub fn data_dir(&self) -> PathBuf {
        self.database.dir().join("data")
    }

    /// The running server's store, for arranging what a test needs.
    pub fn db(&self) -> &Db {
        self.db.as_ref().expect("server running")
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.at(path))
            .send()
            .await
            .expect("request")
    }

    /// A page as a browser asks for it (plain redirects are for pages), signed in with `token`
    /// if given; redirects are not followed.
    pub async fn page(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.at(path)).header("accept", "text/html");
        if let Some(token) = token {
            request = request.header("cookie", format!("letuschat_session={token}"));
        }
        request.send().await.expect("request")
    }

    /// Stops the server gracefully and waits until it has.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.task.take() {
            tokio::task::spawn_blocking(move || thread.join())
                .await
                .expect("joined")
                .expect("server thread")
                .expect("server stopped cleanly");
        }
        self.db = None;
        self.hub = None;
    }

    /// Stops this server and starts a new one on the same database and data folder.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.launch().await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Dropping the sender stops the server; its thread ends on its own.
        self.stop.take();
    }
}

/// Reads an error response and checks it has the contract's shape.
pub async fn error_of(response: reqwest::Response) -> shared::ErrorBody {
    let body: serde_json::Value = response.json().await.expect("error responses are JSON");
    serde_json::from_value::<shared::ErrorResponse>(body.clone())
        .unwrap_or_else(|e| panic!("not the contract's error shape ({e}): {body}"))
        .error
}

#[test]
fn database_names_are_replaced_in_urls() {
    assert_eq!(
        with_database("postgres://u@h:5432/postgres", "x"),
        "postgres://u@h:5432/x"
    );
    assert_eq!(
        with_database("postgres://u@h/postgres?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
}

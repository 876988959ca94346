//! `TestApp`: a fresh data folder (database, CA) with the demo corporation, and the real
//! router, plus helpers to call server functions the way the browser does.
//!
//! The suite runs on SQLite, or on PostgreSQL when `BIZDIRECT_TEST_POSTGRES_URL` names a server
//! (a URL whose user may create databases, e.g. `postgres://postgres@127.0.0.1:5432/postgres`):
//! then every data folder a test uses gets its own new database on that server, so tests stay
//! independent and run in parallel. `scripts/test.sh` runs the suite both ways.

use app::ssr::{operator::corporations, AppState, Database as Location, Settings};
use axum::body::Body;
use axum::Router;
use http::{header, Request, Response, StatusCode};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::start::CaOptions;
use sqlx::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tower::ServiceExt;

/// The PostgreSQL server the suite runs on; `None`: SQLite.
pub fn postgres_url() -> Option<String> {
    std::env::var("BIZDIRECT_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
}

/// Databases made for data folders (PostgreSQL only), so that a test's CLI runs on the folder
/// reach the same database as its in-process instance.
static DATABASES: Mutex<Option<HashMap<PathBuf, String>>> = Mutex::new(None);
static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Runs `future` on a runtime of its own, on another thread (callable from sync tests and from
/// inside a runtime alike).
fn on_own_runtime<T: Send + 'static>(future: impl std::future::Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(future)
    })
    .join()
    .expect("database helper thread")
}

/// The database of the data folder `dir`: its SQLite file, or on PostgreSQL a new database
/// created for that folder on first use.
pub fn database_for(dir: &Path) -> Location {
    let Some(server) = postgres_url() else {
        return Location::Sqlite(server::start::database_path(dir));
    };
    let mut map = DATABASES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let map = map.get_or_insert_with(HashMap::new);
    if let Some(url) = map.get(dir) {
        return Location::Postgres(url.clone());
    }
    let name = format!(
        "bizdirect_it_{}_{}_{:08x}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        rand::random::<u32>()
    );
    let mut url = url::Url::parse(&server).expect("BIZDIRECT_TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    let statement = format!("CREATE DATABASE \"{name}\"");
    on_own_runtime(async move {
        let mut admin =
            sqlx::PgConnection::connect(&server).await.expect("connect to BIZDIRECT_TEST_POSTGRES_URL");
        sqlx::query(&statement).execute(&mut admin).await.expect("CREATE DATABASE");
        admin.close().await.expect("close");
    });
    map.insert(dir.to_path_buf(), url.to_string());
    Location::Postgres(url.to_string())
}

/// Drops the PostgreSQL database made for `dir`, if any (ending its connections).
pub fn drop_database_for(dir: &Path) {
    let (Some(server), Some(url)) = (
        postgres_url(),
        DATABASES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_mut()
            .and_then(|m| m.remove(dir)),
    ) else {
        return;
    };
    let name = url::Url::parse(&url).expect("url").path().trim_start_matches('/').to_owned();
    on_own_runtime(async move {
        if let Ok(mut admin) = sqlx::PgConnection::connect(&server).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut admin)
                .await;
            let _ = admin.close().await;
        }
    });
}

/// Environment for a `server` process run with `args`: on PostgreSQL, `BIZDIRECT_DATABASE` for
/// the database of the `--data-dir` among them.
pub fn database_env(args: &[&str]) -> Vec<(&'static str, String)> {
    let dir = args.iter().position(|a| *a == "--data-dir").and_then(|i| args.get(i + 1));
    match dir.map(|d| database_for(Path::new(d))) {
        Some(Location::Postgres(url)) => vec![("BIZDIRECT_DATABASE", url)],
        _ => Vec::new(),
    }
}

/// `server::start::open_with_ca` on the database of `dir` (SQLite file or PostgreSQL).
pub async fn open_with_ca(
    dir: &Path,
    ca: &CaOptions,
    settings: Settings,
) -> anyhow::Result<server::start::Opened> {
    server::start::open_with(dir, &database_for(dir), ca, settings).await
}

/// `server::start::open` on the database of `dir`.
pub async fn open(dir: &Path, settings: Settings) -> anyhow::Result<server::start::Opened> {
    open_with_ca(dir, &CaOptions::default(), settings).await
}

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    /// Its database (shared by [`TestApp::second_instance`]s).
    pub database: Location,
    dir: tempfile::TempDir,
    /// The database is dropped with the instance that made it.
    owns_database: bool,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if self.owns_database {
            drop_database_for(self.dir.path());
        }
    }
}

/// What came back from one request.
pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    /// The session cookie the response set, as `name=value`.
    pub fn session_cookie(&self) -> Option<String> {
        self.cookie_named("__Host-bizdirect-session")
    }

    /// The certificate-logon listener's session cookie, as `name=value`.
    pub fn cert_session_cookie(&self) -> Option<String> {
        self.cookie_named("__Host-bizdirect-cert-session")
    }

    fn cookie_named(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")) && !c.contains("Max-Age=0"))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    /// A fresh instance with the demo corporation seeded.
    pub async fn new() -> Self {
        Self::with_settings(Settings::default()).await
    }

    pub async fn with_settings(settings: Settings) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = database_for(dir.path());
        Self::open(dir, database, &CaOptions::default(), settings, true).await
    }

    /// A fresh instance on SQLite whatever the suite runs on (for what only SQLite has: backup).
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = Location::Sqlite(server::start::database_path(dir.path()));
        Self::open(dir, database, &CaOptions::default(), Settings::default(), true).await
    }

    /// Another server instance on this one's database and CA files, sharing nothing else: its own
    /// data folder (HTTPS certificate), pool, PIN hasher, throttle and router.
    pub async fn second_instance(&self) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = CaOptions { dir: Some(self.dir.path().join("ca")), ..CaOptions::default() };
        Self::open(dir, self.database.clone(), &ca, (*self.state.settings).clone(), false).await
    }

    async fn open(
        dir: tempfile::TempDir,
        database: Location,
        ca: &CaOptions,
        settings: Settings,
        owns_database: bool,
    ) -> Self {
        let opened =
            server::start::open_with(dir.path(), &database, ca, settings).await.expect("open data folder");
        Self::seeded(opened, dir, database, owns_database).await
    }

    /// An instance on a data folder opened by the caller on its SQLite file (e.g. with the CA
    /// key in a token), with the demo corporation seeded.
    pub async fn from_opened(opened: server::start::Opened, dir: tempfile::TempDir) -> Self {
        let database = Location::Sqlite(server::start::database_path(dir.path()));
        Self::seeded(opened, dir, database, true).await
    }

    async fn seeded(
        opened: server::start::Opened,
        dir: tempfile::TempDir,
        database: Location,
        owns_database: bool,
    ) -> Self {
        corporations::seed_demo(&opened.state, app::ssr::now()).await.expect("seed demo");
        let options = LeptosOptions::builder().output_name("bizdirect").site_root("target/site").build();
        let router = server::router::build(opened.state.clone(), options);
        Self { state: opened.state, router, database, dir, owns_database }
    }

    /// The data folder (`<dir>/ca/ca.crt` is the client CA's certificate, `<dir>/tls/issuer.crt`
    /// the HTTPS certificate's issuer once [`Self::tls_material`] made it).
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The default HTTPS certificate chain and key of the data folder, issued (with its issuer)
    /// or reused as the server does at start.
    pub fn tls_material(&self) -> (String, app::ssr::secret::PrivateKeyPem) {
        let made = app::ssr::pki::ca::tls_issuer::load_or_issue(
            &self.data_dir().join("tls"),
            &self.state.settings,
            ::time::OffsetDateTime::now_utc(),
        )
        .expect("tls material");
        (made.chain, made.key)
    }

    /// The HTTPS certificate issuer (DER): what a client of the listeners trusts.
    pub fn tls_issuer_der(&self) -> Vec<u8> {
        let pem = std::fs::read(self.data_dir().join("tls/issuer.crt")).expect("tls/issuer.crt");
        x509_parser::pem::parse_x509_pem(&pem).expect("pem").1.contents
    }

    /// Which backend the instance runs on.
    pub fn backend(&self) -> app::ssr::db::Backend {
        app::ssr::db::backend(&self.state.db)
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res: Response<Body> = self.router.clone().oneshot(req).await.expect("router");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// Calls a server function as the WASM client does (form-encoded arguments, JSON answer).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Reply {
        let mut req = Request::post(format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, &self.state.settings.public_url);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(encode(form))).expect("request")).await
    }

    /// Calls a server function as over the certificate-logon listener, with the client
    /// certificate (DER) the TLS handshake produced, if any.
    pub async fn call_with_certificate(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
        certificate: Option<&[u8]>,
    ) -> Reply {
        let mut req = Request::post(format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, &self.state.settings.cert_url);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let mut req = req.body(Body::from(encode(form))).expect("request");
        req.extensions_mut().insert(app::ssr::access::request::TlsClient {
            certificate: certificate.map(|c| std::sync::Arc::new(c.to_vec())),
        });
        self.send(req).await
    }

    /// Posts a form as a browser without JavaScript does.
    pub async fn post_form(&self, endpoint: &str, form: &[(&str, &str)], referer: &str) -> Reply {
        let req = Request::post(format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::ORIGIN, &self.state.settings.public_url)
            .header(header::REFERER, referer)
            .body(Body::from(encode(form)))
            .expect("request");
        self.send(req).await
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut req = Request::get(path).header(header::ACCEPT, "text/html");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }

    /// The demo corporation's id: its CRL partition.
    pub async fn demo_corporation_id(&self) -> i64 {
        sqlx::query_scalar("SELECT id FROM corporations WHERE contract_id = $1")
            .bind(corporations::demo::CONTRACT_ID)
            .fetch_one(&self.state.db)
            .await
            .expect("the demo corporation")
    }

    /// Logs the demo administrator on and returns the session cookie.
    pub async fn demo_admin_cookie(&self) -> String {
        let reply = self
            .call(
                "admin_logon",
                &[("contract_id", corporations::demo::CONTRACT_ID), ("pin", corporations::demo::ADMIN_PIN)],
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.session_cookie().expect("session cookie")
    }

    pub async fn audit_actions(&self) -> Vec<(String, String, String)> {
        app::ssr::db::audit::all(&self.state.db)
            .await
            .expect("audit")
            .into_iter()
            .map(|r| (r.action, r.outcome, r.detail))
            .collect()
    }
}

fn encode(form: &[(&str, &str)]) -> String {
    form.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A valid 新規登録 form for `user_id`, with every permission off; override fields as needed.
pub fn new_user_form(user_id: &str) -> Vec<(&str, &str)> {
    vec![
        ("user_id", user_id),
        ("name", "新規 利用者"),
        ("email", ""),
        ("user_pin", "Pass1234"),
        ("user_pin_again", "Pass1234"),
        ("user_confirm_pin", "Conf5678"),
        ("user_confirm_pin_again", "Conf5678"),
        ("logon_method", "certificate"),
        ("admin_confirm_pin", corporations::demo::ADMIN_CONFIRM_PIN),
    ]
}

/// A valid 変更 form for `user` that changes nothing but what the caller adds.
pub fn change_form(user: &str) -> Vec<(&str, &str)> {
    // The demo users' addresses as seeded: a change leaves them as they are.
    let email: &'static str = Box::leak(format!("{user}@example.jp").into_boxed_str());
    vec![
        ("user", user),
        ("name", "テスト01"),
        ("email", email),
        ("user_pin", ""),
        ("user_pin_again", ""),
        ("user_confirm_pin", ""),
        ("user_confirm_pin_again", ""),
        ("logon_method", "certificate"),
        ("perm_balance", "on"),
        ("perm_deposits", "on"),
        ("perm_history", "on"),
        ("perm_transfer", "on"),
        ("perm_scheduled_view", "on"),
        ("perm_scheduled_cancel", "on"),
        ("perm_payments", "on"),
        ("admin_confirm_pin", corporations::demo::ADMIN_CONFIRM_PIN),
    ]
}

/// Replaces or adds a form field.
pub fn with<'a>(mut form: Vec<(&'a str, &'a str)>, key: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    form.retain(|(k, _)| *k != key);
    form.push((key, value));
    form
}

/// Removes a form field (an unticked checkbox).
pub fn without<'a>(mut form: Vec<(&'a str, &'a str)>, key: &str) -> Vec<(&'a str, &'a str)> {
    form.retain(|(k, _)| *k != key);
    form
}

impl TestApp {
    /// Creates a second corporation with its administrator and returns its session cookie.
    pub async fn other_admin_cookie(&self) -> String {
        use app::ssr::{operator::corporations::CreateRequest, secret::Pin};
        corporations::create(
            &self.state,
            CreateRequest {
                contract_id: Some("20000000002".into()),
                name: "他社".into(),
                admin_pin: Some(Pin::new("Other1234".into())),
                admin_confirm_pin: Some(Pin::new("OtherConf1".into())),
                max_users: None,
                admin_email: None,
            },
            app::ssr::now(),
        )
        .await
        .expect("create corporation");
        let reply =
            self.call("admin_logon", &[("contract_id", "20000000002"), ("pin", "Other1234")], None).await;
        reply.session_cookie().expect("cookie")
    }

    /// The user list as JSON text.
    pub async fn list_json(&self, cookie: &str) -> String {
        let reply = self.call("list_users", &[], Some(cookie)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
    }
}

/// A free loopback port (bound, then released for the process about to listen on it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Returns once something listens on loopback `port`; fails naming `what` after `seconds`.
pub fn until_listening(port: u16, seconds: u64, what: &str) {
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < std::time::Duration::from_secs(seconds), "{what} did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

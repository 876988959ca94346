//! `TestApp`: a fresh data folder (database, CA) with the demo corporation, and the real
//! router, plus helpers to call server functions the way the browser does.

use app::ssr::{corporations, AppState, Settings};
use axum::body::Body;
use axum::Router;
use http::{header, Request, Response, StatusCode};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use tower::ServiceExt;

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    _dir: tempfile::TempDir,
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
        let opened = server::start::open(dir.path(), settings).await.expect("open data folder");
        Self::from_opened(opened, dir).await
    }

    /// An instance on a data folder opened by the caller (e.g. with the CA key in a token),
    /// with the demo corporation seeded.
    pub async fn from_opened(opened: server::start::Opened, dir: tempfile::TempDir) -> Self {
        corporations::seed_demo(&opened.state, app::ssr::now()).await.expect("seed demo");
        let options = LeptosOptions::builder().output_name("bizdirect").site_root("target/site").build();
        let router = server::router::build(opened.state.clone(), options);
        Self { state: opened.state, router, _dir: dir }
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
        req.extensions_mut().insert(app::ssr::request::TlsClient {
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
    vec![
        ("user", user),
        ("name", "テスト01"),
        ("email", ""),
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
        use app::ssr::{corporations::CreateRequest, secret::Pin};
        corporations::create(
            &self.state,
            CreateRequest {
                contract_id: Some("20000000002".into()),
                name: "他社".into(),
                admin_pin: Some(Pin::new("Other1234".into())),
                admin_confirm_pin: Some(Pin::new("OtherConf1".into())),
                max_users: None,
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

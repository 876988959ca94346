//! Security controls (docs/SECURITY.md maps each to its ASVS requirement): lockouts, throttling,
//! same-origin checks, headers, body limit, malformed arguments, and the tenant isolation matrix
//! over every server function the router serves.

use crate::certificates::{admin_certificate, csr, pem_of};
use crate::support::{change_form, new_user_form, with, Reply, TestApp};
use app::ssr::db::Flag;
use app::ssr::{operator::corporations::demo, Settings};
use axum::body::Body;
use http::{header, Request, StatusCode};

async fn user_logon(app: &TestApp, user: &str, pin: &str) -> Reply {
    app.call("user_logon", &[("contract_id", demo::CONTRACT_ID), ("user_id", user), ("user_pin", pin)], None)
        .await
}

async fn admin_logon(app: &TestApp, pin: &str) -> Reply {
    app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", pin)], None).await
}

const USER_LOCKED: &str = r#"{"Locked":{"contract":false}}"#;
const CONTRACT_LOCKED: &str = r#"{"Locked":{"contract":true}}"#;

#[tokio::test]
async fn six_wrong_user_pins_lock_the_user_until_the_administrator_unlocks() {
    let app =
        TestApp::with_settings(Settings { attempts_per_minute_per_account: 100, ..Settings::default() })
            .await;
    // A right PIN resets the count: 5 wrong, 1 right, 5 wrong do not lock.
    for _ in 0..5 {
        assert_eq!(user_logon(&app, "test05", "Wrong1234").await.body, r#""LogonFailed""#);
    }
    assert_eq!(user_logon(&app, "test05", demo::USER_PIN).await.status, StatusCode::OK);
    for _ in 0..5 {
        assert_eq!(user_logon(&app, "test05", "Wrong1234").await.body, r#""LogonFailed""#);
    }
    let session = user_logon(&app, "test05", demo::USER_PIN).await.session_cookie().expect("cookie");
    for _ in 0..5 {
        user_logon(&app, "test05", "Wrong1234").await;
    }
    // The sixth consecutive one locks, and says so; the open session ends.
    let sixth = user_logon(&app, "test05", "Wrong1234").await;
    assert_eq!((sixth.status, sixth.body.as_str()), (StatusCode::FORBIDDEN, USER_LOCKED));
    assert_eq!(app.call("user_status", &[], Some(&session)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        user_logon(&app, "test05", "Wrong1234").await.body,
        r#""LogonFailed""#,
        "a guess learns nothing more"
    );
    assert_eq!(
        user_logon(&app, "test05", demo::USER_PIN).await.body,
        USER_LOCKED,
        "the right PIN: told it is locked"
    );
    let admin = app.demo_admin_cookie().await;
    assert!(app.list_json(&admin).await.contains(r#""user_id":"test05","name":"テスト05""#));
    let list = app.list_json(&admin).await;
    assert!(list.contains(r#""suspended":true"#), "利用停止 shows as ○: {list}");

    // 利用停止解除 by the administrator (with the confirmation PIN).
    let form =
        with(with(with(change_form("test05"), "name", "テスト05"), "unlock", "on"), "logon_method", "id_pin");
    let unlocked = app.call("save_user", &form, Some(&admin)).await;
    assert_eq!(unlocked.status, StatusCode::OK, "{}", unlocked.body);
    assert_eq!(user_logon(&app, "test05", demo::USER_PIN).await.status, StatusCode::OK);
    let actions = app.audit_actions().await;
    assert!(actions
        .iter()
        .any(|(a, o, d)| a == "user_logon" && o == "failure" && d.contains("user suspended (利用停止)")));
}

#[tokio::test]
async fn six_wrong_administrator_pins_suspend_the_whole_contract_until_the_bank_clears_it() {
    let app = TestApp::new().await;
    let user = user_logon(&app, "test05", demo::USER_PIN).await.session_cookie().expect("user cookie");
    // Wrong logon PINs (5, then a right one resets them), then wrong logon PINs up to the sixth.
    for _ in 0..5 {
        assert_eq!(admin_logon(&app, "Wrong1234").await.body, r#""LogonFailed""#);
    }
    let admin = app.demo_admin_cookie().await;
    for _ in 0..5 {
        assert_eq!(admin_logon(&app, "Wrong1234").await.body, r#""LogonFailed""#);
    }
    let sixth = admin_logon(&app, "Wrong1234").await;
    assert_eq!((sixth.status, sixth.body.as_str()), (StatusCode::FORBIDDEN, CONTRACT_LOCKED));
    // Every logon of the corporation is refused, and open sessions ended.
    assert_eq!(admin_logon(&app, demo::ADMIN_PIN).await.body, CONTRACT_LOCKED);
    assert_eq!(user_logon(&app, "test05", demo::USER_PIN).await.body, CONTRACT_LOCKED);
    assert_eq!(app.call("list_users", &[], Some(&admin)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.call("user_status", &[], Some(&user)).await.status, StatusCode::UNAUTHORIZED);
    // Only the bank operator clears it.
    assert_eq!(
        app::ssr::operator::corporations::unlock(&app.state, demo::CONTRACT_ID, app::ssr::now()).await.ok(),
        Some(Some(()))
    );
    assert_eq!(admin_logon(&app, demo::ADMIN_PIN).await.status, StatusCode::OK);
    assert_eq!(
        app::ssr::operator::corporations::unlock(&app.state, "99999999999", app::ssr::now()).await.ok(),
        Some(None)
    );
}

#[tokio::test]
async fn racing_wrong_pins_are_each_counted_and_lock_exactly_once() {
    let app = TestApp::new().await;
    let attempts = (0..12).map(|_| user_logon(&app, "test05", "Wrong1234"));
    let replies = futures::future::join_all(attempts).await;
    let locked = replies.iter().filter(|r| r.body == USER_LOCKED).count();
    let failed = replies.iter().filter(|r| r.body == r#""LogonFailed""#).count();
    assert_eq!((locked, failed), (1, 11), "exactly one attempt crossed the threshold");
    let (count, Flag(suspended)): (i64, Flag) =
        sqlx::query_as("SELECT failed_logons, suspended FROM users WHERE user_id = 'test05'")
            .fetch_one(&app.state.db)
            .await
            .expect("row");
    assert_eq!((count, suspended), (12, true), "no attempt was lost or slipped through");
    assert_eq!(user_logon(&app, "test05", demo::USER_PIN).await.body, USER_LOCKED);
}

#[tokio::test]
async fn attempts_are_throttled_per_account_and_per_address() {
    let settings = Settings {
        attempts_per_minute_per_account: 3,
        attempts_per_minute_per_address: 5,
        ..Settings::default()
    };
    let app = TestApp::with_settings(settings).await;
    for _ in 0..3 {
        assert_eq!(admin_logon(&app, "Wrong1234").await.status, StatusCode::UNAUTHORIZED);
    }
    let r = admin_logon(&app, demo::ADMIN_PIN).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::TOO_MANY_REQUESTS, r#""TooManyAttempts""#));
    // Other accounts from the same address, until the address's limit.
    assert_eq!(user_logon(&app, "test05", demo::USER_PIN).await.status, StatusCode::OK);
    let r = user_logon(&app, "test04", demo::USER_PIN).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    // A throttled attempt is not a wrong PIN: nothing was counted for it.
    let count: i64 =
        sqlx::query_scalar("SELECT admin_failed_logons FROM corporations WHERE contract_id = $1")
            .bind(demo::CONTRACT_ID)
            .fetch_one(&app.state.db)
            .await
            .expect("count");
    assert_eq!(count, 3);
}

fn post(path: &str, origin: Option<&str>, fetch_site: Option<&str>) -> Request<Body> {
    let mut req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, "bank.example:8443");
    if let Some(o) = origin {
        req = req.header(header::ORIGIN, o);
    }
    if let Some(s) = fetch_site {
        req = req.header("sec-fetch-site", s);
    }
    let body = format!("contract_id={}&pin={}", demo::CONTRACT_ID, demo::ADMIN_PIN);
    req.body(Body::from(body)).expect("request")
}

#[tokio::test]
async fn state_changing_requests_from_other_origins_are_refused() {
    let app = TestApp::new().await;
    let ours = app.state.settings.public_url.clone();
    let cases = [
        (Some("https://evil.example"), None, StatusCode::FORBIDDEN),
        (None, None, StatusCode::FORBIDDEN),
        (None, Some("cross-site"), StatusCode::FORBIDDEN),
        (Some(ours.as_str()), Some("cross-site"), StatusCode::FORBIDDEN),
        (Some("http://bank.example:8443"), None, StatusCode::FORBIDDEN),
        (Some(ours.as_str()), None, StatusCode::OK),
        (Some("https://bank.example:8443"), Some("same-origin"), StatusCode::OK),
        (None, Some("same-origin"), StatusCode::OK),
    ];
    for (origin, site, expected) in cases {
        let reply = app.send(post("/api/admin_logon", origin, site)).await;
        assert_eq!(reply.status, expected, "Origin {origin:?}, Sec-Fetch-Site {site:?}: {}", reply.body);
        if expected == StatusCode::FORBIDDEN {
            assert!(reply.session_cookie().is_none());
        }
    }
    let refused = app.audit_actions().await.iter().filter(|(a, _, _)| a == "admin_logon").count();
    assert_eq!(refused, 3, "refused requests never reached the logon");
}

#[tokio::test]
async fn pages_carry_a_strict_csp_with_the_nonce_of_their_inline_script_and_the_other_headers() {
    let app = TestApp::new().await;
    let page = app.get("/admin/logon", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers[header::CONTENT_SECURITY_POLICY].to_str().expect("csp").to_owned();
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("nonce in the policy");
    assert!(nonce.len() >= 16, "{nonce}");
    let scripts: Vec<&str> = page.body.split("<script").skip(1).collect();
    assert!(!scripts.is_empty());
    for script in scripts {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")) || tag.contains("src="),
            "inline script without the nonce: <script{tag}>"
        );
    }
    let again = app.get("/admin/logon", None).await;
    assert_ne!(
        again.headers[header::CONTENT_SECURITY_POLICY],
        page.headers[header::CONTENT_SECURITY_POLICY],
        "a new nonce per response"
    );
    for (name, value) in [
        ("strict-transport-security", "max-age=31536000"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(page.headers[name], value, "{name}");
    }
    let api = app.call("admin_status", &[], None).await;
    assert_eq!(api.headers["cache-control"], "no-store");
    assert!(api.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp")
        .starts_with("default-src 'none'"));
}

#[tokio::test]
async fn oversized_and_malformed_requests_are_4xx_and_change_nothing() {
    let app = TestApp::new().await;
    let big = "a".repeat(200 * 1024);
    let reply = app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", &big)], None).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    for form in [vec![], vec![("contract_id", demo::CONTRACT_ID)], vec![("unknown", "x")]] {
        let reply = app.call("admin_logon", &form, None).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::BAD_REQUEST, r#""BadRequest""#),
            "{form:?}"
        );
    }
    let raw = Request::post("/api/save_user")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, &app.state.settings.public_url)
        .body(Body::from(vec![0xff, 0xfe, b'=', b'%', b'z']))
        .expect("request");
    assert_eq!(app.send(raw).await.status, StatusCode::BAD_REQUEST);
    assert!(app.audit_actions().await.iter().all(|(a, _, _)| a != "admin_logon"), "nothing ran");
}

/// Every server function the router serves × {no session, a user, another corporation's
/// administrator, another corporation's certificate}: refused, with no data of the demo
/// corporation and no hint whether its users exist; its data unchanged.
#[tokio::test]
async fn tenant_isolation_matrix_over_every_server_function() {
    // The matrix types wrong PINs a dozen times at the demo corporation: keep the lockout and the
    // throttle (tested on their own) out of the way, so that every call is decided on isolation.
    let app = TestApp::with_settings(Settings {
        lockout_threshold: 20,
        attempts_per_minute_per_account: 10_000,
        attempts_per_minute_per_address: 10_000,
        ..Settings::default()
    })
    .await;
    let demo_admin = app.demo_admin_cookie().await;
    let user = user_logon(&app, "test05", demo::USER_PIN).await.session_cookie().expect("user cookie");
    let other_admin = app.other_admin_cookie().await;
    // A user of the other corporation with a certificate, logged on with it.
    let form =
        with(with(new_user_form("other1"), "issue_certificate", "on"), "admin_confirm_pin", "OtherConf1");
    let registered = app.call("save_user", &form, Some(&other_admin)).await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    let got = app
        .call(
            "acquire_certificate",
            &[
                ("contract_id", "20000000002"),
                ("user_id", "other1"),
                ("user_pin", "Pass1234"),
                ("user_confirm_pin", "Conf5678"),
                ("csr", &csr()),
            ],
            None,
        )
        .await;
    let other_cert = ::pem::parse(pem_of(&got.body, "certificate_pem")).expect("pem").into_contents();
    let other_cert_session = app
        .call_with_certificate("user_certificate_logon", &[("user_pin", "Pass1234")], None, Some(&other_cert))
        .await
        .cert_session_cookie()
        .expect("certificate session");

    let snapshot = || async {
        let users: Vec<(String, String, Flag, Flag, Option<i64>)> = sqlx::query_as(
            "SELECT user_id, name, suspended, accident, deleted_at FROM users WHERE corporation_id = 1 ORDER BY id",
        )
        .fetch_all(&app.state.db)
        .await
        .expect("users");
        let certs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates WHERE corporation_id = 1")
            .fetch_one(&app.state.db)
            .await
            .expect("certs");
        (users, certs)
    };
    let before = snapshot().await;
    // Every argument any function takes, aimed at the demo corporation's data.
    let mut form: Vec<(&str, &str)> = with(change_form("test01"), "issue_certificate", "on");
    form.extend([
        ("user_id", "test01"),
        ("contract_id", demo::CONTRACT_ID),
        ("pin", "Wrong1234"),
        ("user_confirm_pin", "Wrong1234"),
        ("csr", "x"),
        ("page", "1"),
        ("register", "on"),
        ("cert_version", "0"),
        ("otp", "123456"),
        ("remove_second_factor", "on"),
        ("passkey", "{}"),
        ("passkey_name", "x"),
        ("id", "1"),
        ("upload", "x"),
    ]);
    // Functions anyone may call: they take credentials, not a session, and refuse wrong ones.
    let public = [
        "admin_logon",
        "user_logon",
        "preview_acquisition",
        "acquire_certificate",
        "preview_admin_acquisition",
        "acquire_admin_certificate",
    ];
    // Touches only the caller's own session.
    let own_session_only = ["keep_alive"];
    let paths: Vec<String> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.to_owned()).collect();
    assert!(paths.len() >= 20, "the registry lists every server function: {paths:?}");
    // Each function twice: with every argument (aimed at the demo corporation), and with none
    // (so that a function without arguments is decided by its authorisation, not its decoding).
    let forms: [&[(&str, &str)]; 2] = [&form, &[]];
    // ログオフ is left out: it would end the sessions this matrix uses (tested on its own).
    for (path, form) in paths.iter().filter(|p| !p.ends_with("/logoff")).flat_map(|p| forms.map(|f| (p, f))) {
        let name = path.trim_start_matches("/api/");
        for (who, cookie, cert) in [
            ("no session", None, None),
            ("user", Some(user.as_str()), None),
            ("other administrator", Some(other_admin.as_str()), None),
            ("other certificate", Some(other_cert_session.as_str()), Some(other_cert.as_slice())),
        ] {
            let reply = match cert {
                Some(der) => app.call_with_certificate(name, form, cookie, Some(der)).await,
                None => app.call(name, form, cookie).await,
            };
            let allowed = public.contains(&name)
                || (own_session_only.contains(&name) && cookie.is_some())
                || (name == "whose_certificate" && cert.is_some())
                || (who == "user" && ["user_status", "change_pins"].contains(&name))
                || (who == "other certificate"
                    && ["user_status", "change_pins", "renew_certificate"].contains(&name))
                || (who == "other administrator"
                    && [
                        "admin_status",
                        "list_users",
                        "audit_log",
                        "notice_history",
                        "change_file_settings",
                        "admin_factors",
                    ]
                    .contains(&name));
            // The demo user (test05) may see itself, nothing of the others; everyone else sees
            // nothing of the demo corporation.
            let foreign: &[&str] = if who == "user" {
                &["test01", "test02", "test03", "test04", "テスト01", "テスト02", "テスト03", "テスト04"]
            } else {
                &["デモ", "テスト0", "test0", "Test0"]
            };
            let leak = foreign.iter().find(|s| reply.body.contains(*s));
            assert!(leak.is_none(), "{name} as {who} leaked {leak:?}: {}", reply.body);
            if !allowed {
                assert!(reply.status.is_client_error(), "{name} as {who}: {} {}", reply.status, reply.body);
                assert!(
                    !reply.body.contains("デモ"),
                    "{name} as {who} refused, yet named the corporation: {}",
                    reply.body
                );
            }
            assert_ne!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{name} as {who}: {}", reply.body);
        }
    }
    assert_eq!(snapshot().await, before, "the demo corporation's users and certificates are unchanged");
    // The other administrator's own list is its own.
    let own = app.list_json(&other_admin).await;
    assert!(own.contains("other1") && !own.contains("test01"));
    let _ = demo_admin;
}

#[tokio::test]
async fn logoff_ends_every_session_of_that_person_and_only_theirs() {
    let app = TestApp::new().await;
    let (first, second) = (app.demo_admin_cookie().await, app.demo_admin_cookie().await);
    assert_ne!(first, second, "a new session id at every logon");
    let user = user_logon(&app, "test05", demo::USER_PIN).await.session_cookie().expect("user");
    assert_eq!(app.call("logoff", &[], Some(&first)).await.status, StatusCode::OK);
    for cookie in [&first, &second] {
        assert_eq!(app.call("admin_status", &[], Some(cookie)).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        app.call("user_status", &[], Some(&user)).await.status,
        StatusCode::OK,
        "another person's session lives"
    );
    assert_eq!(app.call("keep_alive", &[], Some(&user)).await.status, StatusCode::OK);
    assert_eq!(app.call("keep_alive", &[], Some(&first)).await.status, StatusCode::UNAUTHORIZED);
}

/// The site's files: the pre-compressed `.br` / `.gz` beside each file is served when the browser
/// accepts it (brotli first), with `Vary: accept-encoding`; hashed names are cached for a year,
/// wasm-bindgen's snippets and unhashed builds are revalidated; pages stay `no-store`.
#[tokio::test]
async fn static_files_are_served_precompressed_with_long_lifetimes_only_under_hashed_names() {
    use tower::ServiceExt;
    let app = TestApp::new().await;
    let site = tempfile::tempdir().expect("tempdir");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(pkg.join("snippets")).expect("mkdir");
    for (name, body) in [
        ("bizdirect.abc.js", "raw"),
        ("bizdirect.abc.js.gz", "gzip"),
        ("bizdirect.abc.js.br", "brotli"),
        ("plain.css", "css"),
        ("snippets/inline0.js", "snippet"),
    ] {
        std::fs::write(pkg.join(name), body).expect("write");
    }
    for hashed in [true, false] {
        let mut options = leptos::config::LeptosOptions::builder()
            .output_name("bizdirect")
            .site_root(site.path().to_string_lossy().as_ref())
            .build();
        options.hash_files = hashed;
        let router = server::router::build(app.state.clone(), options);
        let get = |path: &str, accept: &str| {
            let req =
                Request::get(path).header(header::ACCEPT_ENCODING, accept).body(Body::empty()).expect("req");
            let router = router.clone();
            async move {
                let res = router.oneshot(req).await.expect("router");
                let headers = res.headers().clone();
                let body = axum::body::to_bytes(res.into_body(), 1024).await.expect("body");
                (headers, String::from_utf8_lossy(&body).into_owned())
            }
        };
        let expect_cache = if hashed { server::router::IMMUTABLE } else { server::router::REVALIDATE };
        for (accept, body, encoding) in [
            ("gzip, deflate, br, zstd", "brotli", Some("br")),
            ("gzip", "gzip", Some("gzip")),
            ("identity", "raw", None),
        ] {
            let (headers, got) = get("/pkg/bizdirect.abc.js", accept).await;
            assert_eq!(got, body, "{accept}");
            assert_eq!(
                headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()),
                encoding,
                "{accept}"
            );
            assert_eq!(headers[header::CACHE_CONTROL], expect_cache);
            assert_eq!(headers[header::VARY], "accept-encoding");
            assert!(headers[header::CONTENT_TYPE].to_str().expect("type").contains("javascript"));
            assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        }
        let (headers, got) = get("/pkg/plain.css", "br").await;
        assert_eq!(
            (got.as_str(), headers.get(header::CONTENT_ENCODING)),
            ("css", None),
            "no .br: the file itself"
        );
        let (headers, _) = get("/pkg/snippets/inline0.js", "br").await;
        assert_eq!(headers[header::CACHE_CONTROL], server::router::REVALIDATE);
        let (headers, _) = get("/pkg/missing.js", "br").await;
        assert_eq!(
            headers[header::CACHE_CONTROL],
            server::router::REVALIDATE,
            "a 404 is never cached for long"
        );
    }
}

/// `Origin: null` (a sandboxed frame, a `data:` page, a redirect across origins) is another
/// origin: every non-GET route refuses it before its handler — each server function, the OCSP
/// responder with a form body, and the pages — even with a valid session and valid arguments.
#[tokio::test]
async fn origin_null_is_refused_on_every_non_get_route() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    let records = app.audit_actions().await.len();
    let mut paths: Vec<String> =
        leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.to_owned()).collect();
    assert!(paths.len() >= 20, "the registry lists every server function: {paths:?}");
    paths.extend(["/ocsp", "/", "/admin/logon", "/admin/users"].map(str::to_owned));
    for path in &paths {
        for method in [http::Method::POST, http::Method::PUT, http::Method::DELETE, http::Method::PATCH] {
            let req = Request::builder()
                .method(method.clone())
                .uri(path.as_str())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::ORIGIN, "null")
                .header(header::COOKIE, &admin)
                .body(Body::from(format!("contract_id={}&pin={}", demo::CONTRACT_ID, demo::ADMIN_PIN)))
                .expect("request");
            let reply = app.send(req).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{method} {path} with Origin: null: {}",
                reply.body
            );
            assert!(reply.session_cookie().is_none(), "{method} {path}: no session made");
        }
    }
    assert_eq!(app.audit_actions().await.len(), records, "no refused request reached a handler");
    assert_eq!(app.call("list_users", &[], Some(&admin)).await.status, StatusCode::OK, "the session goes on");
}

/// Every link of a page stays on this site (a path here, or one of its two listeners' origins)
/// whatever path the page was requested at: the language switch is built from a path-absolute
/// path, so `//evil.example/x` and its variants render no link to another host (browsers send a
/// backslash typed in a URL as a slash).
#[tokio::test]
async fn no_link_of_a_page_leaves_the_site_whatever_its_path() {
    let app = TestApp::new().await;
    for path in
        ["//evil.example/x", "///evil.example/x", "//evil.example", "/%2F/evil.example/x", "/admin/logon"]
    {
        let page = app.get(path, None).await;
        let links: Vec<&str> =
            page.body.split(" href=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
        assert!(
            links.iter().any(|l| l.contains("?lang=")),
            "{path}: the language switch is there: {links:?}"
        );
        let settings = &app.state.settings;
        let ours = |link: &str| {
            [&settings.public_url, &settings.cert_url].iter().any(|o| link.starts_with(&format!("{o}/")))
        };
        for link in links {
            let here = link.starts_with('/') && !link.starts_with("//") && !link.starts_with("/\\");
            assert!(here || link.starts_with('#') || ours(link), "{path}: the link {link:?} leaves the site");
        }
    }
}

/// The bank operator's 電子証明書方式 only for a contract's administrator: the ID logon is refused
/// with the usual answer, whoever knows the PIN (audited with its reason), while the certificate
/// logon goes on; back to id_pin, the ID logon works again.
#[tokio::test]
async fn a_certificate_only_administrator_cannot_log_on_by_id() {
    use app::ssr::operator::corporations::set_admin_logon;
    let app = TestApp::new().await;
    // The administrator's certificate, acquired while the ID logon still works.
    let got = admin_certificate(&app).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let der = ::pem::parse(pem_of(&got.body, "certificate_pem")).expect("pem").into_contents();
    assert_eq!(admin_logon(&app, demo::ADMIN_PIN).await.status, StatusCode::OK);

    set_admin_logon(&app.state, demo::CONTRACT_ID, "certificate", app::ssr::now()).await.expect("set");
    for pin in [demo::ADMIN_PIN, "Wrong1234"] {
        let refused = admin_logon(&app, pin).await;
        assert_eq!((refused.status, refused.body.as_str()), (StatusCode::UNAUTHORIZED, r#""LogonFailed""#));
        assert!(refused.session_cookie().is_none());
    }
    let actions = app.audit_actions().await;
    assert!(
        actions
            .iter()
            .any(|(a, o, d)| a == "admin_logon" && o == "failure" && d == "logon method is certificate"),
        "{actions:?}"
    );
    let by_certificate = app
        .call_with_certificate("admin_certificate_logon", &[("pin", demo::ADMIN_PIN)], None, Some(&der))
        .await;
    assert_eq!(by_certificate.status, StatusCode::OK, "{}", by_certificate.body);

    set_admin_logon(&app.state, demo::CONTRACT_ID, "id_pin", app::ssr::now()).await.expect("set");
    assert_eq!(admin_logon(&app, demo::ADMIN_PIN).await.status, StatusCode::OK);
    assert!(set_admin_logon(&app.state, demo::CONTRACT_ID, "password", app::ssr::now()).await.is_err());
}

/// A PIN typed in an ID field (here at 利用者ログオン, 管理者ログオン and 電子証明書取得) never lands in
/// the audit log: an ID that names no user or corporation is recorded by a keyed hash — the same
/// for the same typed text, so repeated attempts correlate — and a known ID as it is.
#[tokio::test]
async fn unknown_typed_ids_are_recorded_by_keyed_hash_never_in_clear() {
    let app = TestApp::new().await;
    let pin_as_id = "Secret9876";
    for _ in 0..2 {
        assert_eq!(user_logon(&app, pin_as_id, "Whatever1").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(user_logon(&app, "Other5432", "Whatever1").await.status, StatusCode::UNAUTHORIZED);
    let admin = app.call("admin_logon", &[("contract_id", "98765432109"), ("pin", "Whatever1")], None).await;
    assert_eq!(admin.status, StatusCode::UNAUTHORIZED);
    let acquire = [
        ("contract_id", demo::CONTRACT_ID),
        ("user_id", pin_as_id),
        ("user_pin", "Whatever1"),
        ("user_confirm_pin", "Whatever2"),
    ];
    assert_eq!(app.call("preview_acquisition", &acquire, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(user_logon(&app, "test01", "Wrong0000").await.status, StatusCode::UNAUTHORIZED);

    let rows = app::ssr::db::audit::all(&app.state.db).await.expect("audit");
    let failures: Vec<_> = rows.iter().filter(|r| r.outcome == "failure").collect();
    assert_eq!(failures.len(), 6, "{failures:?}");
    for r in &rows {
        for secret in [pin_as_id, "Other5432", "98765432109"] {
            assert!(
                ![&r.actor, &r.target, &r.detail].iter().any(|f| f.contains(secret)),
                "{secret} in clear: {r:?}"
            );
        }
    }
    let actors: Vec<&str> = failures.iter().map(|r| r.actor.as_str()).collect();
    let hashed = |a: &str, prefix: &str| {
        a.strip_prefix(prefix)
            .and_then(|h| h.strip_prefix("unknown#"))
            .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let user_prefix = format!("user:{}/", demo::CONTRACT_ID);
    assert!(hashed(actors[0], &user_prefix), "{actors:?}");
    assert_eq!(actors[0], actors[1], "the same typed ID, the same name: attempts correlate");
    assert!(hashed(actors[2], &user_prefix) && actors[2] != actors[0], "{actors:?}");
    assert!(hashed(actors[3], "admin:"), "{actors:?}");
    assert_eq!(actors[4], actors[0], "acquisition names the same typed ID alike");
    assert_eq!(actors[5], format!("user:{}/test01", demo::CONTRACT_ID), "a known user by name");
}

/// The lockout bypass through a shared counter: whoever knows the administrator's logon PIN
/// guesses the 契約法人確認暗証番号 five times, logs on again (a right logon PIN), and guesses on.
/// Each PIN has its own count, so the sixth wrong confirmation PIN suspends the contract however
/// many right logons came between.
#[tokio::test]
async fn a_right_logon_pin_never_clears_wrong_confirmation_pins_of_the_administrator() {
    let app =
        TestApp::with_settings(Settings { attempts_per_minute_per_account: 100, ..Settings::default() })
            .await;
    let wrong_confirm = |cookie: String| {
        let app = &app;
        async move {
            app.call("delete_user", &[("user", "test04"), ("admin_confirm_pin", "Wrong1234")], Some(&cookie))
                .await
        }
    };
    for round in 0..5 {
        let admin = app.demo_admin_cookie().await;
        let r = wrong_confirm(admin).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "guess {round}: {}", r.body);
    }
    let admin = app.demo_admin_cookie().await;
    let sixth = wrong_confirm(admin.clone()).await;
    assert_eq!((sixth.status, sixth.body.as_str()), (StatusCode::FORBIDDEN, CONTRACT_LOCKED));
    assert_eq!(admin_logon(&app, demo::ADMIN_PIN).await.body, CONTRACT_LOCKED);
    assert_eq!(app.call("list_users", &[], Some(&admin)).await.status, StatusCode::UNAUTHORIZED);
    // A right confirmation PIN resets its own count only: wrong logon PINs stay counted.
    app::ssr::operator::corporations::unlock(&app.state, demo::CONTRACT_ID, app::ssr::now())
        .await
        .expect("unlock");
    for _ in 0..5 {
        assert_eq!(admin_logon(&app, "Wrong1234").await.body, r#""LogonFailed""#);
    }
    let admin = app.demo_admin_cookie().await;
    let right = app
        .call("change_file_settings", &[("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN)], Some(&admin))
        .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    let wrong = app
        .call("delete_user", &[("user", "test04"), ("admin_confirm_pin", "Wrong1234")], Some(&admin))
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "one wrong confirmation PIN: {}", wrong.body);
}

/// The same bypass for a user's 利用者確認暗証番号 through 電子証明書取得 (its preview checks both
/// PINs): right 利用者暗証番号, wrong confirmation PIN, a logon between guesses — locked at the
/// sixth wrong confirmation PIN.
#[tokio::test]
async fn a_right_logon_pin_never_clears_wrong_confirmation_pins_of_a_user() {
    let app =
        TestApp::with_settings(Settings { attempts_per_minute_per_account: 100, ..Settings::default() })
            .await;
    let guess = || {
        app.call(
            "preview_acquisition",
            &[
                ("contract_id", demo::CONTRACT_ID),
                ("user_id", "test05"),
                ("user_pin", demo::USER_PIN),
                ("user_confirm_pin", "Wrong1234"),
            ],
            None,
        )
    };
    for round in 0..5 {
        assert_eq!(guess().await.body, r#""LogonFailed""#, "guess {round}");
        assert_eq!(user_logon(&app, "test05", demo::USER_PIN).await.status, StatusCode::OK);
    }
    let sixth = guess().await;
    assert_eq!((sixth.status, sixth.body.as_str()), (StatusCode::FORBIDDEN, USER_LOCKED));
    assert_eq!(user_logon(&app, "test05", demo::USER_PIN).await.body, USER_LOCKED);
}

/// Guesses of the 契約法人確認暗証番号 go through the per-account throttle, as logons do: beyond
/// the limit they are refused before any PIN is hashed or counted.
#[tokio::test]
async fn confirmation_pin_guesses_are_throttled_per_account() {
    let app = TestApp::with_settings(Settings {
        attempts_per_minute_per_account: 4,
        lockout_threshold: 20,
        ..Settings::default()
    })
    .await;
    let admin = app.demo_admin_cookie().await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = app
            .call("delete_user", &[("user", "test04"), ("admin_confirm_pin", "Wrong1234")], Some(&admin))
            .await;
        statuses.push(r.status);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::TOO_MANY_REQUESTS
        ],
        "the logon took the first of 4 attempts"
    );
    let counted: i64 =
        sqlx::query_scalar("SELECT admin_failed_confirms FROM corporations WHERE contract_id = $1")
            .bind(demo::CONTRACT_ID)
            .fetch_one(&app.state.db)
            .await
            .expect("count");
    assert_eq!(counted, 3, "a throttled guess is not hashed nor counted");
}

/// The new PINs of the final-PIN change below: (利用者暗証番号, 利用者確認暗証番号).
const NEW_PINS: (&str, &str) = ("Newpin123", "Newconf45");

fn final_pin_change<'a>(new: (&'a str, &'a str), current: (&'a str, &'a str)) -> Vec<(&'a str, &'a str)> {
    vec![
        ("user_pin", new.0),
        ("user_pin_again", new.0),
        ("user_confirm_pin", new.1),
        ("user_confirm_pin_again", new.1),
        ("current_user_pin", current.0),
        ("current_user_confirm_pin", current.1),
    ]
}

async fn failure_counts(app: &TestApp, user_id: &str) -> (i64, i64) {
    sqlx::query_as("SELECT failed_logons, failed_confirms FROM users WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&app.state.db)
        .await
        .expect("counts")
}

/// 暗証番号変更 of final PINs needs both current PINs; a wrong one is a field error, counted toward
/// the lock (each PIN its own count), and never reveals whether a new PIN equals the stored one.
#[tokio::test]
async fn changing_final_pins_needs_the_current_ones_and_wrong_ones_lock() {
    let app =
        TestApp::with_settings(Settings { attempts_per_minute_per_account: 100, ..Settings::default() })
            .await;
    let cookie = user_logon(&app, "test05", demo::USER_PIN).await.session_cookie().expect("cookie");
    let missing = app.call("change_pins", &final_pin_change(NEW_PINS, ("", "")), Some(&cookie)).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", missing.body);
    for field in ["current_user_pin", "current_user_confirm_pin"] {
        assert!(
            missing.body.contains(&format!(r#"{{"field":"{field}","problem":"required"}}"#)),
            "{}",
            missing.body
        );
    }
    assert_eq!(failure_counts(&app, "test05").await, (0, 0), "nothing typed, nothing counted");
    // A wrong current PIN, the new PIN being the stored one: told only that the current PIN is
    // wrong (a SameAsOld answer would confirm a guess of the stored PIN, uncounted).
    let guess = final_pin_change((demo::USER_PIN, NEW_PINS.1), ("Wrong1234", demo::USER_CONFIRM_PIN));
    let wrong = app.call("change_pins", &guess, Some(&cookie)).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
    assert_eq!(wrong.body, r#"{"Invalid":[{"field":"current_user_pin","problem":"wrong"}]}"#);
    assert_eq!(failure_counts(&app, "test05").await, (1, 0));
    let wrong_confirm = final_pin_change(NEW_PINS, (demo::USER_PIN, "Wrong1234"));
    for round in 1..=5 {
        let r = app.call("change_pins", &wrong_confirm, Some(&cookie)).await;
        assert_eq!(
            r.body, r#"{"Invalid":[{"field":"current_user_confirm_pin","problem":"wrong"}]}"#,
            "{round}"
        );
        assert_eq!(
            failure_counts(&app, "test05").await,
            (0, round),
            "the right logon PIN resets its own count only"
        );
    }
    let sixth = app.call("change_pins", &wrong_confirm, Some(&cookie)).await;
    assert_eq!((sixth.status, sixth.body.as_str()), (StatusCode::FORBIDDEN, USER_LOCKED));
    assert_eq!(app.call("user_status", &[], Some(&cookie)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(user_logon(&app, "test05", demo::USER_PIN).await.body, USER_LOCKED, "the PINs did not change");
    let actions = app.audit_actions().await;
    let failed = actions.iter().filter(|(a, o, _)| a == "user_pin_change" && o == "failure").count();
    assert_eq!(failed, 7, "every wrong attempt audited: {actions:?}");
}

/// With the current PINs the change succeeds: every other session of the person ends, and the
/// caller's new session keeps the logon's time, so changing again and again never extends the
/// absolute lifetime.
#[tokio::test]
async fn a_final_pin_change_ends_other_sessions_and_keeps_the_logon_time() {
    let app = TestApp::new().await;
    let cookie = user_logon(&app, "test05", demo::USER_PIN).await.session_cookie().expect("cookie");
    let other = user_logon(&app, "test05", demo::USER_PIN).await.session_cookie().expect("other");
    // The logon an hour ago.
    sqlx::query("UPDATE sessions SET created_at = created_at - 3600 WHERE user_pk IS NOT NULL")
        .execute(&app.state.db)
        .await
        .expect("age");
    let logged_on: Vec<i64> = sqlx::query_scalar("SELECT created_at FROM sessions ORDER BY created_at")
        .fetch_all(&app.state.db)
        .await
        .expect("at");
    let same = app
        .call(
            "change_pins",
            &final_pin_change((demo::USER_PIN, "Newconf45"), (demo::USER_PIN, demo::USER_CONFIRM_PIN)),
            Some(&cookie),
        )
        .await;
    assert_eq!(same.body, r#"{"Invalid":[{"field":"user_pin","problem":"same_as_old"}]}"#);
    let done = app
        .call(
            "change_pins",
            &final_pin_change(NEW_PINS, (demo::USER_PIN, demo::USER_CONFIRM_PIN)),
            Some(&cookie),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.location(), Some("/user/status?done=pins"));
    let rotated = done.session_cookie().expect("a new session");
    for old in [&cookie, &other] {
        assert_eq!(app.call("user_status", &[], Some(old)).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.call("user_status", &[], Some(&rotated)).await.status, StatusCode::OK);
    let again = app
        .call("change_pins", &final_pin_change(("Third1234", "Thirdc567"), NEW_PINS), Some(&rotated))
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let created: Vec<i64> =
        sqlx::query_scalar("SELECT created_at FROM sessions").fetch_all(&app.state.db).await.expect("at");
    assert_eq!(created.len(), 1, "one session left");
    assert!(
        logged_on.contains(&created[0]),
        "the rotated session keeps the logon's time: {created:?} vs {logged_on:?}"
    );
    assert_eq!(user_logon(&app, "test05", demo::USER_PIN).await.body, r#""LogonFailed""#);
    assert_eq!(user_logon(&app, "test05", "Third1234").await.status, StatusCode::OK);
}

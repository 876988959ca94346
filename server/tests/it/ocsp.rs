//! The OCSP responder (RFC 6960) on a real ID listener, asked by `openssl ocsp`: good, revoked
//! (reason and time), unknown; POST and GET; the nonce echoed; the authorityInfoAccess of issued
//! certificates pointing at it; and the one cross-origin exception of the security middleware.

use crate::certificates::{acquire, csr, json_str, pem_of, reissue};
use crate::support::{change_form, with, TestApp};
use app::ssr::Settings;
use http::StatusCode;
use rustls::pki_types::{CertificateDer, ServerName};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Settings whose published URLs (CRLs, OCSP) name `port` on loopback, where [`serve_id`] listens.
pub(crate) fn settings_for(port: u16) -> Settings {
    let public_url = format!("https://127.0.0.1:{port}");
    Settings { ocsp_url: format!("{public_url}/ocsp"), public_url, ..Settings::default() }
}

/// Serves the ID listener's router of `app` over TLS on `listener`.
pub(crate) async fn serve_id(
    app: &TestApp,
    listener: std::net::TcpListener,
) -> axum_server::Handle<SocketAddr> {
    let (chain, key) = app.tls_material();
    let config = server::tls::id_listener(
        &server::tls::ServerCertificate::new(&chain, key.expose()).expect("certificate"),
    )
    .expect("config");
    let options =
        leptos::config::LeptosOptions::builder().output_name("bizdirect").site_root("target/site").build();
    let router = server::router::build(app.state.clone(), options);
    listener.set_nonblocking(true).expect("nonblocking");
    let handle = axum_server::Handle::new();
    let server = server::tls::from_tcp(listener, config)
        .expect("listener")
        .handle(handle.clone())
        .serve(router.into_make_service_with_connect_info::<SocketAddr>());
    tokio::spawn(server);
    handle.listening().await.expect("listening");
    handle
}

pub(crate) fn loopback_listener() -> (std::net::TcpListener, u16) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    (listener, port)
}

/// `openssl` with `args` in `dir`: `(succeeded, stdout + stderr)`.
pub(crate) async fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = tokio::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .await
        .expect("openssl must be installed (scripts/setup.sh installs it)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// `openssl ocsp` asking `url` about `cert` (a file in `dir`, as is `ca.pem`), with a nonce,
/// verifying the response against the CA. Returns its whole output.
pub(crate) async fn ask(dir: &Path, cert: &str, url: &str) -> String {
    let (ok, out) =
        openssl(dir, &["ocsp", "-issuer", "ca.pem", "-cert", cert, "-url", url, "-CAfile", "ca.pem"]).await;
    assert!(ok, "openssl ocsp {cert}: {out}");
    assert!(out.contains("Response verify OK"), "the response is signed by the CA: {out}");
    assert!(!out.contains("WARNING"), "nonce echoed, times valid: {out}");
    assert!(out.contains("This Update:") && out.contains("Next Update:"), "{out}");
    out
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write");
    path
}

/// GET over HTTPS (HTTP/1.1, one request): `(status line, body)`.
pub(crate) async fn https_get(app: &TestApp, addr: SocketAddr, path: &str) -> (String, Vec<u8>) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(app.tls_issuer_der())).expect("root");
    let config =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut tls =
        connector.connect(ServerName::try_from("127.0.0.1").expect("name"), tcp).await.expect("tls");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").expect("headers end");
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    assert!(!head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{head}");
    (head, answer[split + 4..].to_vec())
}

/// Unix seconds as `openssl ocsp` prints them (`Nov 24 06:30:00 2026 GMT`).
fn openssl_time(unix: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).expect("time");
    let format = time::macros::format_description!(
        "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year] GMT"
    );
    t.format(&format).expect("format")
}

/// The whole conversation with a responder at `url` (served for `app` at `addr`): a current
/// certificate is good, after 事故登録 it is revoked (keyCompromise, at the recorded time), a
/// certificate we signed but never issued is unknown; the same by GET; the AIA names `url`.
pub(crate) async fn good_revoked_unknown(app: &TestApp, addr: SocketAddr, url: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    write(d, "ca.pem", app.state.pki.ca.cert_pem());
    let cookie = app.demo_admin_cookie().await;
    assert_eq!(reissue(app, &cookie, "test01", "0").await.status, StatusCode::OK);
    let got = acquire(app, "test01", &csr()).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    write(d, "user.pem", &pem_of(&got.body, "certificate_pem"));
    let serial = hex::decode(json_str(&got.body, "serial")).expect("serial");

    // The certificate's authorityInfoAccess points at this responder.
    let (ok, aia) = openssl(d, &["x509", "-in", "user.pem", "-noout", "-ocsp_uri"]).await;
    assert!(ok && aia.trim() == url, "AIA OCSP URI {aia:?}, expected {url}");

    let out = ask(d, "user.pem", url).await;
    assert!(out.contains("user.pem: good"), "{out}");

    // 事故登録 revokes it (keyCompromise): OCSP says so at once, with the recorded time.
    let form = with(with(change_form("test01"), "name", "テスト01"), "accident", "on");
    assert_eq!(app.call("save_user", &form, Some(&cookie)).await.status, StatusCode::OK);
    let revoked_at: i64 = sqlx::query_scalar("SELECT revoked_at FROM certificates WHERE serial = $1")
        .bind(&serial)
        .fetch_one(&app.state.db)
        .await
        .expect("revoked_at");
    let out = ask(d, "user.pem", url).await;
    assert!(out.contains("user.pem: revoked"), "{out}");
    assert!(out.contains("Reason: keyCompromise"), "{out}");
    assert!(out.contains(&format!("Revocation Time: {}", openssl_time(revoked_at))), "{out}");

    // Signed by our CA, never issued (not in the database): unknown.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let spki = app::ssr::pki::x509::verify_csr(
        &::pem::parse(
            rcgen::CertificateParams::default().serialize_request(&key).expect("csr").pem().expect("pem"),
        )
        .expect("pem")
        .into_contents(),
    )
    .expect("csr");
    let now = time::OffsetDateTime::now_utc();
    let stray = app
        .state
        .pki
        .ca
        .issue_client(
            &spki,
            &app::ssr::pki::ca::ClientProfile {
                corporation_name: "デモ株式会社",
                contract_id: "10000000001",
                user_id: Some("nobody"),
                serial: &app::ssr::pki::x509::random_serial().to_bytes(),
                not_before: now,
                not_after: now + time::Duration::days(1),
                crl_url: &app::ssr::pki::crl::url(&app.state.settings, 1),
                ocsp_url: url,
            },
        )
        .expect("sign");
    write(d, "stray.pem", &::pem::encode(&::pem::Pem::new("CERTIFICATE", stray)));
    let (ok, out) = openssl(d, &["verify", "-CAfile", "ca.pem", "stray.pem"]).await;
    assert!(ok, "really one of ours: {out}");
    let out = ask(d, "stray.pem", url).await;
    assert!(out.contains("stray.pem: unknown"), "{out}");

    // GET /ocsp/{url-encoded base64 of the DER request} (RFC 6960 A.1).
    let (ok, out) =
        openssl(d, &["ocsp", "-issuer", "ca.pem", "-cert", "user.pem", "-no_nonce", "-reqout", "req.der"])
            .await;
    assert!(ok, "{out}");
    let b64 = base64_std(&std::fs::read(d.join("req.der")).expect("req"));
    let encoded = b64.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    let (head, body) = https_get(app, addr, &format!("/ocsp/{encoded}")).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/ocsp-response"), "{head}");
    std::fs::write(d.join("resp.der"), body).expect("write");
    let (ok, out) = openssl(
        d,
        &[
            "ocsp",
            "-respin",
            "resp.der",
            "-issuer",
            "ca.pem",
            "-cert",
            "user.pem",
            "-no_nonce",
            "-CAfile",
            "ca.pem",
        ],
    )
    .await;
    assert!(ok && out.contains("Response verify OK") && out.contains("user.pem: revoked"), "{out}");
}

fn base64_std(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn openssl_ocsp_gets_good_revoked_with_reason_and_time_and_unknown() {
    let (listener, port) = loopback_listener();
    let app = TestApp::with_settings(settings_for(port)).await;
    let handle = serve_id(&app, listener).await;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    good_revoked_unknown(&app, addr, &format!("https://127.0.0.1:{port}/ocsp")).await;
    handle.shutdown();
}

/// A DER OCSP request for a serial (asked of the in-process router, no listener needed).
async fn request_der(app: &TestApp) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("dir");
    write(dir.path(), "ca.pem", app.state.pki.ca.cert_pem());
    // any certificate of the CA's will do: the CA's own (its issuer is itself)
    let (ok, out) =
        openssl(dir.path(), &["ocsp", "-issuer", "ca.pem", "-cert", "ca.pem", "-reqout", "req.der"]).await;
    assert!(ok, "{out}");
    std::fs::read(dir.path().join("req.der")).expect("req")
}

async fn post(
    router: &axum::Router,
    origin: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, String, Vec<u8>) {
    use http_body_util::BodyExt;
    let req = http::Request::post("/ocsp")
        .header(http::header::ORIGIN, origin)
        .header("sec-fetch-site", "cross-site")
        .header(http::header::CONTENT_TYPE, content_type)
        .body(axum::body::Body::from(body))
        .expect("request");
    let res = tower::ServiceExt::oneshot(router.clone(), req).await.expect("router");
    let status = res.status();
    let ct = res
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    (status, ct, res.into_body().collect().await.expect("body").to_bytes().to_vec())
}

#[tokio::test]
async fn ocsp_posts_from_other_origins_pass_only_there_and_malformed_ones_get_an_ocsp_error() {
    let app = TestApp::new().await;
    let der = request_der(&app).await;
    let other = "https://other-bank.example";

    // POST /ocsp, application/ocsp-request, from another origin (and no cookie): answered.
    let (status, ct, body) = post(&app.router, other, "application/ocsp-request", der.clone()).await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "application/ocsp-response"));
    assert_eq!(body.first(), Some(&0x30), "{body:02x?}");
    // A successful response: responseStatus 0 right after the outer SEQUENCE header.
    let status_at = if body[1] & 0x80 == 0 { 2 } else { 2 + usize::from(body[1] & 0x7f) };
    assert_eq!(&body[status_at..status_at + 3], &[0x0a, 0x01, 0x00], "successful");

    // Any other media type, or any other path, from another origin: refused like any other
    // cross-origin request that could change state.
    let (status, _, _) = post(&app.router, other, "text/plain", der.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = post(&app.router, other, "application/x-www-form-urlencoded", der.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let req = http::Request::post("/api/admin_logon")
        .header(http::header::ORIGIN, other)
        .header(http::header::CONTENT_TYPE, "application/ocsp-request")
        .body(axum::body::Body::from(der.clone()))
        .expect("request");
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN, "the exception is for /ocsp only");

    // The certificate-logon listener publishes no responder and makes no exception.
    let options =
        leptos::config::LeptosOptions::builder().output_name("bizdirect").site_root("target/site").build();
    let cert_router = server::router::build_certificate(app.state.clone(), options);
    let (status, _, _) = post(&cert_router, other, "application/ocsp-request", der).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Not an OCSP request: an OCSPResponse saying malformedRequest (1), nothing else.
    let (status, ct, body) = post(&app.router, other, "application/ocsp-request", b"not DER".to_vec()).await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "application/ocsp-response"));
    assert_eq!(body, [0x30, 0x03, 0x0a, 0x01, 0x01]);
    // A GET whose path is not base64: the same.
    let reply = app.get("/ocsp/!!!", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body.as_bytes(), [0x30, 0x03, 0x0a, 0x01, 0x01]);
}

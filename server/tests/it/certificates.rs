//! Issue, reissue, acquisition and revocation; the CRL; checked with x509-parser and openssl.

use crate::support::{change_form, with, TestApp};
use app::ssr::operator::corporations::demo;
use http::StatusCode;
use rcgen::{CertificateParams, DnType, KeyPair, PKCS_ECDSA_P256_SHA256};
use x509_parser::prelude::*;

/// A CSR made like the browser will: a fresh P-256 key, with a subject and a SAN of its own
/// choosing (which the CA must ignore).
pub(crate) fn csr() -> String {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = CertificateParams::new(vec!["evil.example".to_owned()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, "someone-else");
    params.distinguished_name.push(DnType::OrganizationName, "Foreign Corp");
    params.serialize_request(&key).expect("csr").pem().expect("pem")
}

pub(crate) async fn reissue(app: &TestApp, cookie: &str, user: &str, version: &str) -> crate::support::Reply {
    let form = with(with(change_form(user), "issue_certificate", "on"), "cert_version", version);
    let form = with(form, "name", &*Box::leak(user.replace("test", "テスト").into_boxed_str()));
    app.call("save_user", &form, Some(cookie)).await
}

pub(crate) async fn acquire(app: &TestApp, user: &str, csr: &str) -> crate::support::Reply {
    app.call(
        "acquire_certificate",
        &[
            ("contract_id", demo::CONTRACT_ID),
            ("user_id", user),
            ("user_pin", demo::USER_PIN),
            ("user_confirm_pin", demo::USER_CONFIRM_PIN),
            ("csr", csr),
        ],
        None,
    )
    .await
}

/// Opens the administrator's issuance (as `server cert issue-admin` does) and acquires it with the
/// two administrator PINs: the reply of 契約法人電子証明書取得.
pub(crate) async fn admin_certificate(app: &TestApp) -> crate::support::Reply {
    let opened =
        app::ssr::operator::certificates::issue_admin(&app.state, demo::CONTRACT_ID, app::ssr::now())
            .await
            .expect("issue");
    assert!(opened.is_some(), "the demo contract exists");
    let form = [
        ("contract_id", demo::CONTRACT_ID),
        ("pin", demo::ADMIN_PIN),
        ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN),
        ("csr", &csr()),
    ];
    app.call("acquire_admin_certificate", &form, None).await
}

pub(crate) fn json_str<'a>(body: &'a str, key: &str) -> &'a str {
    let start = body.find(&format!("\"{key}\":\"")).expect(key) + key.len() + 4;
    let end = body[start..].find('"').expect("end") + start;
    &body[start..end]
}

pub(crate) fn pem_of(body: &str, key: &str) -> String {
    json_str(body, key).replace("\\n", "\n").replace("\\r", "")
}

/// The demo corporation's CRL, the one its certificates name.
pub(crate) async fn crl_der(app: &TestApp) -> Vec<u8> {
    let path = app::ssr::pki::crl::path(app.demo_corporation_id().await);
    let (status, der) = crl_at(app, &path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    der
}

/// What `path` answers (a CRL's DER when 200, as `application/pkix-crl`).
pub(crate) async fn crl_at(app: &TestApp, path: &str) -> (StatusCode, Vec<u8>) {
    let req = http::Request::get(path).body(axum::body::Body::empty()).expect("req");
    let res = tower::ServiceExt::oneshot(app.router.clone(), req).await.expect("crl");
    let status = res.status();
    if status == StatusCode::OK {
        assert_eq!(res.headers()[http::header::CONTENT_TYPE], "application/pkix-crl");
    }
    (status, http_body_util::BodyExt::collect(res.into_body()).await.expect("body").to_bytes().to_vec())
}

pub(crate) fn crl_serials(der: &[u8]) -> Vec<(String, Option<String>)> {
    let (_, crl) = CertificateRevocationList::from_der(der).expect("crl parses");
    crl.iter_revoked_certificates()
        .map(|r| (r.raw_serial_as_string().replace(':', ""), r.reason_code().map(|(_, rc)| rc.to_string())))
        .collect()
}

#[tokio::test]
async fn reissue_acquire_profile_and_revocation_in_the_crl() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let reply = reissue(&app, &cookie, "test01", "0").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.location(), Some("/admin/users?done=changed&user=test01&items=reissued"));
    assert!(app
        .list_json(&cookie)
        .await
        .contains(r#""user_id":"test01","name":"テスト01","cert":"AwaitingAcquisition""#));

    let got = acquire(&app, "test01", &csr()).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert!(app.list_json(&cookie).await.contains(r#""user_id":"test01","name":"テスト01","cert":"InUse""#));
    let cert_pem = pem_of(&got.body, "certificate_pem");
    let (_, pem) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes()).expect("pem");
    let cert = pem.parse_x509().expect("x509");
    // The profile, read back by a parser that is not the one that wrote it.
    let subject = cert.subject().to_string();
    assert!(
        subject.contains("CN=test01")
            && subject.contains("O=デモ株式会社")
            && subject.contains("OU=10000000001"),
        "{subject}"
    );
    assert!(
        !subject.contains("someone-else") && !subject.contains("Foreign"),
        "the CSR's subject is ignored"
    );
    assert!(cert.subject_alternative_name().expect("san").is_none(), "the CSR's SAN is ignored");
    let eku = cert.extended_key_usage().expect("eku").expect("eku present").value;
    assert!(eku.client_auth && !eku.server_auth);
    let ku = cert.key_usage().expect("ku").expect("ku present").value;
    assert!(ku.digital_signature() && !ku.key_cert_sign());
    assert!(!cert.basic_constraints().expect("bc").is_some_and(|bc| bc.value.ca));
    assert!(cert.raw_serial().len() >= 8, "serial of at least 64 bits");
    let days = (cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp()) / 86_400;
    assert_eq!(days, 365);
    let dp = cert
        .extensions()
        .iter()
        .find(|e| e.oid == x509_parser::oid_registry::OID_X509_EXT_CRL_DISTRIBUTION_POINTS);
    assert!(dp.is_some(), "CRL distribution point present");
    let own = format!("/crl/c/{}.crl", app.demo_corporation_id().await);
    assert!(String::from_utf8_lossy(dp.expect("dp").value).contains(&own), "its corporation's CRL");
    let serial = json_str(&got.body, "serial").to_owned();

    // One certificate per user: a second acquisition has nothing to take.
    let again = acquire(&app, "test01", &csr()).await;
    assert_eq!(again.body, r#""NoOpenIssuance""#);

    // Reissue revokes the live certificate (superseded) and the CRL lists it at once.
    let version = cert_version(&app, &cookie, "test01").await;
    assert_eq!(reissue(&app, &cookie, "test01", &version).await.status, StatusCode::OK);
    let listed = crl_serials(&crl_der(&app).await);
    assert!(
        listed.iter().any(|(s, r)| s.eq_ignore_ascii_case(&serial) && r.as_deref() == Some("Superseded")),
        "{listed:?} {serial}"
    );
}

/// 再発行 for each of `users` (none holding a certificate) and the acquisition that follows; the
/// acquisitions' replies, in order.
pub(crate) async fn issue_to(app: &TestApp, cookie: &str, users: &[&str]) -> Vec<crate::support::Reply> {
    let mut replies = Vec::new();
    for user in users {
        assert_eq!(reissue(app, cookie, user, "0").await.status, StatusCode::OK);
        let got = acquire(app, user, &csr()).await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.body);
        replies.push(got);
    }
    replies
}

/// The `cert_version` 利用者情報変更 shows for `user` (what a reissue must name).
pub(crate) async fn cert_version(app: &TestApp, cookie: &str, user: &str) -> String {
    let detail = app.call("get_user", &[("user", user)], Some(cookie)).await;
    detail.body.split(r#""cert_version":"#).nth(1).expect("version").split(',').next().expect("n").to_owned()
}

/// Signs the demo corporation's CRL at `at` — by revoking the certificate `revoke` then (its
/// entries from the CRL before, kept in memory), or without a revocation (every entry read from
/// the database) —, runs the hourly check (the other CRLs re-signed) and `server check` then, and
/// says whether the CRL lists `serial`.
async fn listed_when_signed_at(app: &TestApp, serial: &str, at: i64, revoke: Option<&str>) -> bool {
    if let Some(other) = revoke {
        assert!(app::ssr::operator::certificates::revoke_by_serial(&app.state, other, 4, at)
            .await
            .expect("revoke"));
    } else {
        let mut tx = app::ssr::db::begin_write(&app.state.db).await.expect("tx");
        let partition = app.demo_corporation_id().await;
        app::ssr::pki::crl::refresh_crl(&mut tx, &app.state.pki, partition, None, at).await.expect("CRL");
        tx.commit().await.expect("commit");
    }
    app::ssr::pki::crl::ensure_fresh_crl(&app.state.pki, at).await.expect("the hourly check");
    let (_, violations) = app::ssr::operator::check::run(&app.state, at).await.expect("check");
    assert!(violations.is_empty(), "{:?}", violations.iter().map(|v| &v.detail).collect::<Vec<_>>());
    crl_serials(&crl_der(app).await).iter().any(|(s, _)| s.eq_ignore_ascii_case(serial))
}

/// A revoked certificate stays on every CRL until the first one signed after it expired (RFC
/// 5280), and leaves the next one; `server check` holds throughout, and OCSP's source, the
/// database, still has it revoked. The CRLs are signed without revocations (every entry read
/// from the database).
#[tokio::test]
async fn an_expired_revoked_certificate_leaves_the_crl_after_one_crl_past_its_expiry() {
    expired_certificates_leave_the_crl(false).await;
}

/// The same with each CRL signed by revoking another certificate: its entries are the CRL
/// before's, kept in memory, less the expired.
#[tokio::test]
async fn an_expired_revoked_certificate_leaves_crls_made_from_the_entries_kept_in_memory() {
    expired_certificates_leave_the_crl(true).await;
}

async fn expired_certificates_leave_the_crl(by_revoking: bool) {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let issued = issue_to(&app, &cookie, &["test01", "test02", "test03", "test04"]).await;
    let serials: Vec<String> = issued.iter().map(|got| json_str(&got.body, "serial").to_owned()).collect();
    let serial = &serials[0];
    let by_serial = || async {
        app::ssr::db::certificates::by_serial(&app.state.db, &hex::decode(serial).expect("hex"))
            .await
            .expect("row")
            .expect("kept")
    };
    let not_after = by_serial().await.not_after.expect("not_after");
    let version = cert_version(&app, &cookie, "test01").await;
    assert_eq!(reissue(&app, &cookie, "test01", &version).await.status, StatusCode::OK);

    let revoke = |k: usize| by_revoking.then(|| serials[k].as_str());
    assert!(listed_when_signed_at(&app, serial, not_after - 60, revoke(1)).await, "still valid: listed");
    assert!(
        listed_when_signed_at(&app, serial, not_after + 60, revoke(2)).await,
        "the first CRL after its expiry lists it"
    );
    assert!(
        !listed_when_signed_at(&app, serial, not_after + 120, revoke(3)).await,
        "the next one may leave it out"
    );
    assert_eq!(by_serial().await.state, "revoked");
}

/// The CRL's entries are kept in memory between re-signings, but used only while the current
/// CRL is the one they made: here a revocation is signed into a CRL and rolled back, and another
/// instance (a state with its own cache, on the same database) then commits a CRL of the same
/// number for another revocation. The next CRL must list that one, and not the rolled-back one.
#[tokio::test]
async fn a_crl_kept_in_memory_is_not_used_once_another_crl_took_its_place() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let issued = issue_to(&app, &cookie, &["test01", "test02"]).await;
    let serials: Vec<String> = issued.iter().map(|got| json_str(&got.body, "serial").to_owned()).collect();
    let now = app::ssr::now();
    let rolled_back = hex::decode(&serials[0]).expect("hex");
    let mut tx = app::ssr::db::begin_write(&app.state.db).await.expect("tx");
    let not_after = app::ssr::db::certificates::revoke_serial(&mut tx, &rolled_back, 4, now)
        .await
        .expect("revoke")
        .expect("issued")
        .not_after;
    let newly = app::ssr::pki::ca::Revoked {
        serial: rolled_back,
        at: ::time::OffsetDateTime::from_unix_timestamp(now).expect("time"),
        reason: 4,
        not_after,
        partition: app.demo_corporation_id().await,
    };
    app::ssr::pki::crl::sign_revoked(&mut tx, &app.state.pki, vec![newly], now).await.expect("CRL");
    tx.rollback().await.expect("rollback");

    let pki = app::ssr::pki::Pki { crl: std::sync::Arc::default(), ..app.state.pki.clone() };
    let other = app::ssr::AppState { pki, ..app.state.clone() };
    assert!(app::ssr::operator::certificates::revoke_by_serial(&other, &serials[1], 1, now)
        .await
        .expect("revoke"));
    let listed =
        |der: &[u8]| crl_serials(der).into_iter().map(|(s, _)| s.to_ascii_lowercase()).collect::<Vec<_>>();
    assert_eq!(listed(&crl_der(&app).await), [serials[1].to_ascii_lowercase()]);

    let mut tx = app::ssr::db::begin_write(&app.state.db).await.expect("tx");
    let partition = app.demo_corporation_id().await;
    app::ssr::pki::crl::refresh_crl(&mut tx, &app.state.pki, partition, None, now).await.expect("CRL");
    tx.commit().await.expect("commit");
    assert_eq!(
        listed(&crl_der(&app).await),
        [serials[1].to_ascii_lowercase()],
        "only the committed revocation"
    );
    let (_, violations) = app::ssr::operator::check::run(&app.state, now).await.expect("check");
    assert!(violations.is_empty(), "{:?}", violations.iter().map(|v| &v.detail).collect::<Vec<_>>());
}

#[tokio::test]
async fn openssl_accepts_a_current_certificate_and_rejects_a_revoked_one() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, data: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, data).expect("write");
        p
    };
    let ca = write("ca.pem", app.state.pki.ca.cert_pem().as_bytes());
    assert_eq!(reissue(&app, &cookie, "test02", "0").await.status, StatusCode::OK);
    let got = acquire(&app, "test02", &csr()).await;
    let cert = write("user.pem", pem_of(&got.body, "certificate_pem").as_bytes());
    let verify = |crl: &std::path::Path| {
        let out = std::process::Command::new("openssl")
            .args(["verify", "-CAfile"])
            .arg(&ca)
            .args(["-crl_check", "-CRLfile"])
            .arg(crl)
            .arg(&cert)
            .output()
            .expect("openssl must be installed (scripts/setup.sh installs it)");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let to_pem =
        |der: Vec<u8>, name: &str| write(name, ::pem::encode(&::pem::Pem::new("X509 CRL", der)).as_bytes());
    let crl = to_pem(crl_der(&app).await, "crl1.pem");
    let (ok, out) = verify(&crl);
    assert!(ok, "current certificate must verify: {out}");

    // 事故登録 revokes it (keyCompromise) and the new CRL makes openssl refuse it.
    let form = with(with(change_form("test02"), "name", "テスト02"), "accident", "on");
    assert_eq!(app.call("save_user", &form, Some(&cookie)).await.status, StatusCode::OK);
    let crl = to_pem(crl_der(&app).await, "crl2.pem");
    let (ok, out) = verify(&crl);
    assert!(!ok && out.contains("revoked"), "a revoked certificate must be refused: {out}");
    // ... and acquisition stays blocked while 事故登録 is set.
    let blocked_form = with(with(form, "issue_certificate", "on"), "cert_version", "0");
    assert_eq!(app.call("save_user", &blocked_form, Some(&cookie)).await.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn concurrent_reissues_give_exactly_one_issuance() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let tasks = (0..8).map(|_| reissue(&app, &cookie, "test03", "0"));
    let replies = futures::future::join_all(tasks).await;
    let ok = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    let conflicts =
        replies.iter().filter(|r| r.status == StatusCode::CONFLICT && r.body == r#""Conflict""#).count();
    assert_eq!((ok, conflicts), (1, 7), "{:?}", replies.iter().map(|r| &r.body).collect::<Vec<_>>());
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates WHERE state = 'awaiting'")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    assert_eq!(open, 1);
    // The database itself refuses a second live row, whatever the code does.
    let second = sqlx::query("INSERT INTO certificates (corporation_id, user_pk, state, opened_at, acquire_by) SELECT corporation_id, user_pk, 'awaiting', 0, 0 FROM certificates")
        .execute(&app.state.db)
        .await;
    assert!(second
        .is_err_and(|e| e.as_database_error().is_some_and(sqlx::error::DatabaseError::is_unique_violation)));
}

#[tokio::test]
async fn bad_csrs_wrong_pins_and_expired_windows_are_refused() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    assert_eq!(reissue(&app, &cookie, "test04", "0").await.status, StatusCode::OK);
    // A request whose signature does not match its key (a byte of the signature flipped).
    let good = ::pem::parse(csr()).expect("pem");
    let mut der = good.contents().to_vec();
    let last = der.len() - 5;
    der[last] ^= 0x01;
    let tampered = ::pem::encode(&::pem::Pem::new("CERTIFICATE REQUEST", der));
    for bad in [tampered.as_str(), "not a csr", ""] {
        let reply = acquire(&app, "test04", bad).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {}", reply.body);
        assert!(reply.body.contains(r#""field":"csr""#));
    }
    let wrong = app
        .call(
            "acquire_certificate",
            &[
                ("contract_id", demo::CONTRACT_ID),
                ("user_id", "test04"),
                ("user_pin", demo::USER_PIN),
                ("user_confirm_pin", "Wrong1234"),
                ("csr", &csr()),
            ],
            None,
        )
        .await;
    assert_eq!(wrong.body, r#""LogonFailed""#);
    sqlx::query("UPDATE certificates SET acquire_by = 1 WHERE state = 'awaiting'")
        .execute(&app.state.db)
        .await
        .expect("expire");
    let late = acquire(&app, "test04", &csr()).await;
    assert_eq!((late.status, late.body.as_str()), (StatusCode::GONE, r#""AcquisitionExpired""#));
    let none = acquire(&app, "test05", &csr()).await;
    assert_eq!(none.body, r#""NoOpenIssuance""#, "nothing was issued to test05");
    // The first step (who the certificate would be for) gives the same answers.
    let preview = |user: &'static str| {
        let app = &app;
        async move {
            let fields = [
                ("contract_id", demo::CONTRACT_ID),
                ("user_id", user),
                ("user_pin", demo::USER_PIN),
                ("user_confirm_pin", demo::USER_CONFIRM_PIN),
            ];
            app.call("preview_acquisition", &fields, None).await
        }
    };
    let late = preview("test04").await;
    assert_eq!((late.status, late.body.as_str()), (StatusCode::GONE, r#""AcquisitionExpired""#));
    assert_eq!(preview("test05").await.body, r#""NoOpenIssuance""#);
}

#[tokio::test]
async fn deletion_revokes_with_cessation_of_operation() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    assert_eq!(reissue(&app, &cookie, "test05", "0").await.status, StatusCode::OK);
    let got = acquire(&app, "test05", &csr()).await;
    let serial = json_str(&got.body, "serial").to_owned();
    let reply = app
        .call(
            "delete_user",
            &[("user", "test05"), ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN)],
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let listed = crl_serials(&crl_der(&app).await);
    assert!(
        listed
            .iter()
            .any(|(s, r)| s.eq_ignore_ascii_case(&serial) && r.as_deref() == Some("CessationOfOperation")),
        "{listed:?}"
    );
    assert_eq!(app::ssr::audit::verify_chain(&app.state.db).await.expect("verify"), None);
}

/// 10,000 certificates signed the way acquisition signs them (same key every time, which is
/// where rcgen's default serial would repeat): every serial, read back from the DER, differs.
#[tokio::test]
async fn ten_thousand_issuances_never_repeat_a_serial() {
    let app = TestApp::new().await;
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
    let spki = app::ssr::pki::x509::verify_csr(
        &::pem::parse(CertificateParams::default().serialize_request(&key).expect("csr").pem().expect("pem"))
            .expect("pem")
            .into_contents(),
    )
    .expect("csr");
    let now = ::time::OffsetDateTime::now_utc();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..10_000 {
        let serial = app::ssr::pki::x509::random_serial().to_bytes();
        let profile = app::ssr::pki::ca::ClientProfile {
            corporation_name: "デモ株式会社",
            contract_id: "10000000001",
            user_id: Some("test01"),
            serial: &serial,
            not_before: now,
            not_after: now + ::time::Duration::days(365),
            crl_url: "https://127.0.0.1:3000/crl/bizdirect.crl",
            ocsp_url: "https://127.0.0.1:3000/ocsp",
        };
        let der = app.state.pki.ca.issue_client(&spki, &profile).expect("issue");
        let (_, cert) = X509Certificate::from_der(&der).expect("parse");
        assert!(seen.insert(cert.raw_serial().to_vec()), "serial repeated");
    }
    assert_eq!(seen.len(), 10_000);
}

/// pkilint (from PyPI, installed by scripts/setup.sh into ~/.cache/bizdirect/venv): no error or
/// warning on the CA certificate, an end-entity certificate, and the CRL.
#[tokio::test]
async fn pkilint_finds_no_problem_in_ca_certificate_end_entity_certificate_and_crl() {
    let app = TestApp::new().await;
    lint_ca_user_and_crl(&app, "test01").await;
}

/// Issues `user`'s certificate, revokes it (事故登録), and lints the CA certificate, the user
/// certificate and the CRL: pkilint must report nothing at WARNING or above.
pub(crate) async fn lint_ca_user_and_crl(app: &TestApp, user: &str) {
    let bin_dir = std::env::var("PKILINT_BIN_DIR").map_or_else(
        |_| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/bizdirect/venv/bin")
        },
        std::path::PathBuf::from,
    );
    assert!(
        bin_dir.join("lint_pkix_cert").exists(),
        "pkilint missing in {}: run scripts/setup.sh test",
        bin_dir.display()
    );
    let cookie = app.demo_admin_cookie().await;
    assert_eq!(reissue(app, &cookie, user, "0").await.status, StatusCode::OK);
    let got = acquire(app, user, &csr()).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    // A CRL listing a revoked certificate, with a reason.
    let name = user.replace("test", "テスト");
    let form = with(with(change_form(user), "name", &name), "accident", "on");
    assert_eq!(app.call("save_user", &form, Some(&cookie)).await.status, StatusCode::OK);
    let dir = tempfile::tempdir().expect("dir");
    let files = [
        ("lint_pkix_cert", "ca.pem", app.state.pki.ca.cert_pem().to_owned()),
        ("lint_pkix_cert", "user.pem", pem_of(&got.body, "certificate_pem")),
        ("lint_crl", "crl.pem", ::pem::encode(&::pem::Pem::new("X509 CRL", crl_der(app).await))),
    ];
    for (linter, name, contents) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).expect("write");
        let mut cmd = std::process::Command::new(bin_dir.join(linter));
        cmd.args(["lint", "-s", "WARNING"]);
        if linter == "lint_crl" {
            cmd.args(["-t", "CRL", "-p", "PKIX"]);
        }
        let out = cmd.arg(&path).output().expect("run pkilint");
        let report =
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && report.trim().is_empty(), "{linter} {name}:\n{report}");
    }
}

/// Without revocations every CRL (the shared one and each corporation's) is re-signed once a
/// day (the hourly check re-signs it at 23 hours): a CRL older than a day means its re-signing
/// fails, the operators' alert. A corporation whose CRL is missing gets one at the next check.
#[tokio::test]
async fn every_crl_is_re_signed_once_a_day() {
    use app::ssr::pki::crl::{ensure_fresh_crl, CRL_RESIGN_AFTER_SECS, SHARED};
    let app = TestApp::new().await;
    let demo = app.demo_corporation_id().await;
    let crl = |partition: i64| {
        let db = app.state.db.clone();
        async move {
            let row = app::ssr::db::certificates::crl(&db, partition).await.expect("crl").expect("signed");
            (row.number, row.this_update)
        }
    };
    let (number, signed) = crl(SHARED).await;
    let (_, demo_signed) = crl(demo).await;
    assert!(demo_signed >= signed, "the demo corporation's CRL was signed when it was created");
    sqlx::query("DELETE FROM crls WHERE partition_id = $1")
        .bind(demo)
        .execute(&app.state.db)
        .await
        .expect("rm");
    ensure_fresh_crl(&app.state.pki, signed + CRL_RESIGN_AFTER_SECS - 1).await.expect("check");
    assert_eq!(crl(SHARED).await, (number, signed), "younger than 23 hours: kept");
    assert_eq!(crl(demo).await, (1, signed + CRL_RESIGN_AFTER_SECS - 1), "missing: signed");
    ensure_fresh_crl(&app.state.pki, signed + CRL_RESIGN_AFTER_SECS).await.expect("check");
    assert_eq!(crl(SHARED).await, (number + 1, signed + CRL_RESIGN_AFTER_SECS), "23 hours old: re-signed");
    assert_eq!(crl(demo).await.0, 1, "one second old: kept");
    let later = demo_signed.max(signed) + 2 * CRL_RESIGN_AFTER_SECS;
    ensure_fresh_crl(&app.state.pki, later).await.expect("check");
    assert_eq!(crl(demo).await, (2, later), "re-signed with the others");
    let signings: Vec<String> = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|(action, _, _)| action == "crl_sign")
        .map(|(_, _, detail)| detail)
        .collect();
    assert!(signings.iter().any(|d| d == &format!("scheduled partitions={demo}")), "{signings:?}");
}

/// Each corporation's certificates name its own CRL, which carries a critical
/// issuingDistributionPoint naming the same URL: openssl checks a certificate against its own
/// corporation's CRL and refuses to take another corporation's (or the shared one) for it. A
/// revocation re-signs only its corporation's CRL. Certificates on the shared CRL (issued before
/// the partitioning) are listed there when revoked. Paths that name no partition are 404.
#[tokio::test]
async fn each_corporation_has_its_own_crl_and_a_revocation_re_signs_only_that_one() {
    use app::ssr::operator::corporations::{create, CreateRequest};
    use app::ssr::pki::crl::{path, SHARED};
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let demo = app.demo_corporation_id().await;
    let request = CreateRequest {
        name: "別会社".into(),
        contract_id: Some("20000000002".into()),
        ..Default::default()
    };
    create(&app.state, request, app::ssr::now()).await.expect("create");
    let other: i64 = sqlx::query_scalar("SELECT id FROM corporations WHERE contract_id = '20000000002'")
        .fetch_one(&app.state.db)
        .await
        .expect("other");
    let fetch = |partition: i64| {
        let app = &app;
        async move {
            let (status, der) = crl_at(app, &path(partition)).await;
            assert_eq!(status, StatusCode::OK, "partition {partition}");
            der
        }
    };
    let other_crl = fetch(other).await;
    let (_, parsed) = CertificateRevocationList::from_der(&other_crl).expect("crl");
    assert_eq!(parsed.iter_revoked_certificates().count(), 0, "a new corporation's CRL: signed, empty");
    let shared_before = fetch(SHARED).await;

    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, data: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, data).expect("write");
        p
    };
    let ca = write("ca.pem", app.state.pki.ca.cert_pem().as_bytes());
    let issued = issue_to(&app, &cookie, &["test01", "test02"]).await;
    let serials: Vec<String> = issued.iter().map(|got| json_str(&got.body, "serial").to_owned()).collect();
    for (user, got) in ["test01", "test02"].iter().zip(&issued) {
        write(&format!("{user}.pem"), pem_of(&got.body, "certificate_pem").as_bytes());
    }
    let idp_of = |der: &[u8]| {
        let (_, crl) = CertificateRevocationList::from_der(der).expect("crl");
        let ext = crl
            .extensions()
            .iter()
            .find(|e| e.oid == x509_parser::oid_registry::OID_X509_EXT_ISSUER_DISTRIBUTION_POINT)
            .expect("issuingDistributionPoint")
            .clone();
        assert!(ext.critical);
        String::from_utf8_lossy(ext.value).into_owned()
    };
    let demo_url = app::ssr::pki::crl::url(&app.state.settings, demo);
    assert!(idp_of(&crl_der(&app).await).contains(&demo_url), "names {demo_url}");
    assert!(idp_of(&shared_before).contains("/crl/bizdirect.crl"));
    let verify = |crl: &[u8], name: &str| {
        let crl = write(name, ::pem::encode(&::pem::Pem::new("X509 CRL", crl.to_vec())).as_bytes());
        let out = std::process::Command::new("openssl")
            .args(["verify", "-CAfile"])
            .arg(&ca)
            .args(["-crl_check", "-CRLfile"])
            .arg(&crl)
            .arg(dir.path().join("test01.pem"))
            .output()
            .expect("openssl must be installed (scripts/setup.sh installs it)");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, out) = verify(&crl_der(&app).await, "own.pem");
    assert!(ok, "its own corporation's CRL: {out}");
    for (crl, name) in [(&other_crl, "other.pem"), (&shared_before, "shared.pem")] {
        let (ok, out) = verify(crl, name);
        assert!(!ok && out.contains("different CRL scope"), "not its CRL ({name}): {out}");
    }

    // 再発行 of test01: the demo corporation's CRL lists it; the others are untouched.
    let demo_before = crl_der(&app).await;
    let version = cert_version(&app, &cookie, "test01").await;
    assert_eq!(reissue(&app, &cookie, "test01", &version).await.status, StatusCode::OK);
    let demo_after = crl_der(&app).await;
    assert_ne!(demo_after, demo_before);
    assert!(crl_serials(&demo_after).iter().any(|(s, _)| s.eq_ignore_ascii_case(&serials[0])));
    let (ok, out) = verify(&demo_after, "own-after.pem");
    assert!(!ok && out.contains("revoked"), "revoked: {out}");
    assert_eq!(fetch(other).await, other_crl, "another corporation's CRL is not re-signed");
    assert_eq!(fetch(SHARED).await, shared_before, "nor the shared one");

    // A certificate on the shared CRL is listed there when revoked, not on its corporation's.
    sqlx::query("UPDATE certificates SET shared_crl = 1 WHERE serial = $1")
        .bind(hex::decode(&serials[1]).expect("hex"))
        .execute(&app.state.db)
        .await
        .expect("mark");
    let version = cert_version(&app, &cookie, "test02").await;
    assert_eq!(reissue(&app, &cookie, "test02", &version).await.status, StatusCode::OK);
    let listed = |der: &[u8]| crl_serials(der).iter().any(|(s, _)| s.eq_ignore_ascii_case(&serials[1]));
    assert!(listed(&fetch(SHARED).await), "on the shared CRL");
    assert!(!listed(&crl_der(&app).await), "not on its corporation's");
    let (_, violations) = app::ssr::operator::check::run(&app.state, app::ssr::now()).await.expect("check");
    assert!(violations.is_empty(), "{:?}", violations.iter().map(|v| &v.detail).collect::<Vec<_>>());

    for missing in ["/crl/c/999999.crl", "/crl/c/0.crl", "/crl/c/01.crl", "/crl/c/x.crl", "/crl/c/1"] {
        assert_eq!(crl_at(&app, missing).await.0, StatusCode::NOT_FOUND, "{missing}");
    }
}

/// A database from before the CRL was partitioned, whose certificates name the one CRL
/// `/crl/bizdirect.crl`: the migration keeps them on it (`shared_crl`) and moves that CRL, with
/// its number, to the shared partition; the first start re-signs it (a day old) and signs the
/// corporation's own, empty. Revoking such a certificate re-signs the shared CRL, which lists it
/// beside the one revoked before, and leaves the corporation's CRL alone; an issuance that was
/// awaiting acquisition will name the corporation's CRL.
#[tokio::test]
async fn certificates_issued_before_the_partitioning_stay_on_the_shared_crl() {
    use app::ssr::pki::crl::{path, SHARED};
    let dir = tempfile::tempdir().expect("dir");
    let file = server::start::database_path(dir.path());
    let now = app::ssr::now();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{}?mode=rwc", file.display())).await.expect("db");
    let mut before = sqlx::migrate!("../migrations/sqlite");
    before.migrations =
        before.migrations.iter().filter(|m| m.version < 16).cloned().collect::<Vec<_>>().into();
    before.run(&pool).await.expect("the migrations before the partitioning");
    let (old, live) = ([0x11_u8; 16], [0x22_u8; 16]);
    for statement in [
        format!(
            "INSERT INTO corporations (id, contract_id, name, admin_pin_hash, admin_confirm_pin_hash, created_at) \
             VALUES (7, '30000000003', '旧会社', 'x', 'y', {now})"
        ),
        format!(
            "INSERT INTO certificates (corporation_id, state, opened_at, acquire_by, serial, der, not_before, \
             not_after, acquired_at, revoked_at, revocation_reason) \
             VALUES (7, 'revoked', {now}, {now}, x'{}', x'00', {now}, {}, {now}, {now}, 1)",
            hex::encode(old),
            now + 86_400
        ),
        format!(
            "INSERT INTO certificates (corporation_id, user_pk, state, opened_at, acquire_by, serial, der, \
             not_before, not_after, acquired_at) VALUES (7, NULL, 'issued', {now}, {now}, x'{}', x'00', {now}, {}, {now})",
            hex::encode(live),
            now + 86_400
        ),
        "INSERT INTO users (corporation_id, user_id, name, pin_hash, confirm_pin_hash, created_at) \
         VALUES (7, 'u1', '利用者', 'x', 'y', 1)"
            .to_owned(),
        format!(
            "INSERT INTO certificates (corporation_id, user_pk, state, opened_at, acquire_by) \
             VALUES (7, (SELECT id FROM users WHERE user_id = 'u1'), 'awaiting', {now}, {})",
            now + 86_400
        ),
        format!("INSERT INTO crl (id, number, this_update, next_update, der) VALUES (1, 41, {}, {now}, x'00')", now - 86_400),
    ] {
        sqlx::query(&statement).execute(&pool).await.expect(&statement);
    }
    pool.close().await;

    let database = app::ssr::Database::Sqlite(file);
    let opened = server::start::open_with(
        dir.path(),
        &database,
        &server::start::CaOptions::default(),
        app::ssr::Settings::default(),
    )
    .await
    .expect("open: the remaining migrations, then the CRLs signed");
    let app = TestApp::from_opened(opened, dir).await;
    let marks: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT state, shared_crl FROM certificates WHERE corporation_id = 7 ORDER BY id")
            .fetch_all(&app.state.db)
            .await
            .expect("marks");
    let marks: Vec<(&str, Option<i64>)> = marks.iter().map(|(s, m)| (s.as_str(), *m)).collect();
    assert_eq!(marks, [("revoked", Some(1)), ("issued", Some(1)), ("awaiting", None)]);
    let number = |partition: i64| {
        let db = app.state.db.clone();
        async move { app::ssr::db::certificates::crl(&db, partition).await.expect("crl").expect("signed").number }
    };
    assert_eq!(number(SHARED).await, 42, "the shared CRL keeps its numbers, re-signed at start (a day old)");
    assert_eq!(number(7).await, 1, "the corporation's own CRL signed at start");
    let listed =
        |der: &[u8]| crl_serials(der).into_iter().map(|(s, _)| s.to_ascii_lowercase()).collect::<Vec<_>>();
    let (status, shared) = crl_at(&app, &path(SHARED)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed(&shared), [hex::encode(old)]);
    let (_, own) = crl_at(&app, &path(7)).await;
    assert!(listed(&own).is_empty());

    assert!(app::ssr::operator::certificates::revoke_by_serial(&app.state, &hex::encode(live), 1, now)
        .await
        .expect("revoke"));
    let (_, shared) = crl_at(&app, &path(SHARED)).await;
    assert_eq!(listed(&shared), [hex::encode(old), hex::encode(live)], "the shared CRL lists it");
    assert_eq!(number(SHARED).await, 43);
    assert_eq!(crl_at(&app, &path(7)).await.1, own, "the corporation's CRL is not re-signed");
}

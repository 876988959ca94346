//! The user side: 利用者ログオン (ID), PIN change at first logon, certificate logon bound to its
//! certificate, the per-request certificate decision, the administrator's own certificate, and
//! renewal.

use crate::certificates::{acquire, admin_certificate, csr, pem_of, reissue};
use crate::support::{change_form, new_user_form, with, Reply, TestApp};
use app::error::{AppError, CertProblem};
use app::ssr::{now, operator::corporations::demo, Settings};
use http::StatusCode;

/// Reissues and acquires a certificate for `user`; returns its DER.
async fn certificate_for(app: &TestApp, admin: &str, user: &str) -> Vec<u8> {
    let version = live_id(app, user).await.to_string();
    assert_eq!(reissue(app, admin, user, &version).await.status, StatusCode::OK);
    let got = acquire(app, user, &csr()).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    ::pem::parse(pem_of(&got.body, "certificate_pem")).expect("pem").into_contents()
}

/// The id of the user's live certificate row (0: none) — the 変更 form's `cert_version`.
pub(crate) async fn live_id(app: &TestApp, user: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT coalesce((SELECT c.id FROM certificates c JOIN users u ON u.id = c.user_pk \
         WHERE u.user_id = $1 AND c.state IN ('awaiting', 'issued')), 0)",
    )
    .bind(user)
    .fetch_one(&app.state.db)
    .await
    .expect("live id")
}

fn refused(problem: CertProblem) -> String {
    serde_json::to_string(&AppError::CertificateRefused(problem)).expect("json")
}

async fn set_user_flag(app: &TestApp, user: &str, column: &str, value: bool) {
    sqlx::query(&format!("UPDATE users SET {column} = $1 WHERE user_id = $2"))
        .bind(value)
        .bind(user)
        .execute(&app.state.db)
        .await
        .expect("update");
}

async fn cert_logon(app: &TestApp, der: &[u8], pin: &str) -> Reply {
    app.call_with_certificate("user_certificate_logon", &[("user_pin", pin)], None, Some(der)).await
}

#[tokio::test]
async fn the_certificate_decision_covers_every_state() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    let der = certificate_for(&app, &admin, "test01").await;
    let judge = |at: i64| {
        let (state, der) = (app.state.clone(), der.clone());
        async move { app::ssr::pki::judge(&state.pki, &der, at).await.map(|o| o.user_id) }
    };
    assert_eq!(judge(now()).await, Ok(Some("test01".to_owned())), "current");

    let expired = now() + Settings::default().certificate_validity_secs + 1;
    assert_eq!(judge(expired).await, Err(AppError::CertificateRefused(CertProblem::Expired)), "expired");

    for (column, what) in [("suspended", "利用停止"), ("accident", "事故登録")] {
        set_user_flag(&app, "test01", column, true).await;
        assert_eq!(judge(now()).await, Err(AppError::CertificateRefused(CertProblem::Blocked)), "{what}");
        set_user_flag(&app, "test01", column, false).await;
    }
    sqlx::query("UPDATE users SET deleted_at = 1 WHERE user_id = 'test01'")
        .execute(&app.state.db)
        .await
        .expect("sql");
    assert_eq!(judge(now()).await, Err(AppError::CertificateRefused(CertProblem::Blocked)), "owner deleted");
    sqlx::query("UPDATE users SET deleted_at = NULL WHERE user_id = 'test01'")
        .execute(&app.state.db)
        .await
        .expect("sql");
    sqlx::query("UPDATE corporations SET suspended_at = 1").execute(&app.state.db).await.expect("sql");
    assert_eq!(
        judge(now()).await,
        Err(AppError::CertificateRefused(CertProblem::Blocked)),
        "契約法人利用中止"
    );
    sqlx::query("UPDATE corporations SET suspended_at = NULL").execute(&app.state.db).await.expect("sql");
    assert!(judge(now()).await.is_ok(), "every flag cleared: current again");

    // Another CA's certificate, even with the same serial number as ours.
    let foreign = {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.serial_number =
            Some(rcgen::SerialNumber::from_slice(&app::ssr::pki::x509::serial_of(&der).expect("serial")));
        params.self_signed(&key).expect("cert").der().to_vec()
    };
    assert_eq!(
        app::ssr::pki::judge(&app.state.pki, &foreign, now()).await.map(|o| o.user_id),
        Err(AppError::CertificateRefused(CertProblem::NotOurs)),
        "other CA"
    );
    assert_eq!(
        app::ssr::pki::judge(&app.state.pki, b"not a certificate", now()).await.map(|o| o.user_id),
        Err(AppError::CertificateRefused(CertProblem::NotOurs))
    );

    // Revoked by a reissue: the holder is told to fetch the new one.
    let version = live_id(&app, "test01").await.to_string();
    assert_eq!(reissue(&app, &admin, "test01", &version).await.status, StatusCode::OK);
    assert_eq!(
        judge(now()).await,
        Err(AppError::CertificateRefused(CertProblem::Reissued)),
        "revoked (reissued)"
    );
    // Revoked because the user was deleted (cessationOfOperation).
    let der2 = certificate_for(&app, &admin, "test02").await;
    let deleted = app
        .call(
            "delete_user",
            &[("user", "test02"), ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN)],
            Some(&admin),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(
        app::ssr::pki::judge(&app.state.pki, &der2, now()).await.map(|o| o.user_id),
        Err(AppError::CertificateRefused(CertProblem::Revoked)),
        "revoked (deleted user)"
    );
}

#[tokio::test]
async fn a_certificate_session_lives_only_with_its_certificate() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    let der = certificate_for(&app, &admin, "test01").await;
    let other = certificate_for(&app, &admin, "test02").await;

    // Whose certificate: shown before logon, only over the certificate listener.
    let whose = app.call_with_certificate("whose_certificate", &[], None, Some(&der)).await;
    assert_eq!(whose.status, StatusCode::OK, "{}", whose.body);
    assert!(
        whose.body.contains("\"user_id\":\"test01\"") && whose.body.contains("テスト01"),
        "{}",
        whose.body
    );
    let none = app.call_with_certificate("whose_certificate", &[], None, None).await;
    assert_eq!((none.status, none.body), (StatusCode::FORBIDDEN, refused(CertProblem::Missing)));
    let id_side = app.call("whose_certificate", &[], None).await;
    assert_eq!(id_side.status, StatusCode::FORBIDDEN, "the ID listener has no certificate");

    // Only the owner's PIN; the ID is not asked.
    let wrong = cert_logon(&app, &der, "Wrong1234").await;
    assert_eq!((wrong.status, wrong.body.as_str()), (StatusCode::UNAUTHORIZED, r#""LogonFailed""#));
    let admin_form = app
        .call_with_certificate("admin_certificate_logon", &[("pin", demo::USER_PIN)], None, Some(&der))
        .await;
    assert_eq!(admin_form.status, StatusCode::FORBIDDEN, "a user's certificate on the administrator's form");
    let ok = cert_logon(&app, &der, demo::USER_PIN).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.session_cookie().is_none(), "the ID listener's cookie is not set");
    let cookie = ok.cert_session_cookie().expect("certificate-session cookie");
    let status = app.call_with_certificate("user_status", &[], Some(&cookie), Some(&der)).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    assert!(status.body.contains("\"by_certificate\":true"), "{}", status.body);

    // Replayed without the certificate: on the ID listener (under either cookie name), or on
    // the certificate listener with no or another certificate.
    let token = cookie.split_once('=').expect("cookie").1;
    for replay in [format!("__Host-bizdirect-session={token}"), cookie.clone()] {
        let r = app.call("user_status", &[], Some(&replay)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "no certificate: {replay}");
    }
    let r = app.call_with_certificate("user_status", &[], Some(&cookie), None).await;
    assert_eq!((r.status, r.body), (StatusCode::FORBIDDEN, refused(CertProblem::Missing)));
    let r = app.call_with_certificate("user_status", &[], Some(&cookie), Some(&other)).await;
    assert_eq!((r.status, r.body), (StatusCode::FORBIDDEN, refused(CertProblem::Mismatch)));
    let r = app.call_with_certificate("user_status", &[], Some(&cookie), Some(&der)).await;
    assert_eq!(r.status, StatusCode::OK, "the session itself survives a refused replay");

    // The administrator reissues: the very next request with the old certificate is refused
    // with the message to fetch the new one, and the session is gone.
    let version = live_id(&app, "test01").await.to_string();
    assert_eq!(reissue(&app, &admin, "test01", &version).await.status, StatusCode::OK);
    let r = app.call_with_certificate("user_status", &[], Some(&cookie), Some(&der)).await;
    assert_eq!((r.status, r.body), (StatusCode::FORBIDDEN, refused(CertProblem::Reissued)));
    let sessions: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions WHERE cert_serial IS NOT NULL AND user_pk = \
        (SELECT id FROM users WHERE user_id = 'test01')",
    )
    .fetch_one(&app.state.db)
    .await
    .expect("count");
    assert_eq!(sessions, 0, "sessions made with the old certificate ended");
    // The new one works.
    let new = acquire(&app, "test01", &csr()).await;
    let new = ::pem::parse(pem_of(&new.body, "certificate_pem")).expect("pem").into_contents();
    assert_eq!(cert_logon(&app, &new, demo::USER_PIN).await.status, StatusCode::OK);
    let actions = app.audit_actions().await;
    assert!(actions
        .iter()
        .any(|(a, o, d)| a == "user_logon" && o == "success" && d.starts_with("method=certificate")));
    assert!(actions.iter().any(|(a, o, d)| a == "user_logon" && o == "failure" && d.ends_with("wrong pin")));
}

#[tokio::test]
async fn the_administrator_acquires_and_logs_on_with_a_certificate() {
    let app = TestApp::new().await;
    let preview = |pin: &'static str| {
        let app = &app;
        async move {
            app.call(
                "preview_admin_acquisition",
                &[
                    ("contract_id", demo::CONTRACT_ID),
                    ("pin", pin),
                    ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN),
                ],
                None,
            )
            .await
        }
    };
    assert_eq!(preview(demo::ADMIN_PIN).await.body, r#""NoOpenIssuance""#, "nothing issued yet");
    let by = app::ssr::operator::certificates::issue_admin(&app.state, demo::CONTRACT_ID, now())
        .await
        .expect("issue");
    assert!(by.is_some());
    assert_eq!(
        app::ssr::operator::certificates::issue_admin(&app.state, "99999999999", now()).await,
        Ok(None)
    );
    assert_eq!(preview("Wrong1234").await.status, StatusCode::UNAUTHORIZED);
    let shown = preview(demo::ADMIN_PIN).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains(demo::NAME) && shown.body.contains("\"user_id\":null"), "{}", shown.body);

    let got = app
        .call(
            "acquire_admin_certificate",
            &[
                ("contract_id", demo::CONTRACT_ID),
                ("pin", demo::ADMIN_PIN),
                ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN),
                ("csr", &csr()),
            ],
            None,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let der = ::pem::parse(pem_of(&got.body, "certificate_pem")).expect("pem").into_contents();
    let (_, cert) = x509_parser::parse_x509_certificate(&der).expect("parses");
    assert!(cert.subject().to_string().contains("CN=admin"), "{}", cert.subject());

    let user_form = app
        .call_with_certificate("user_certificate_logon", &[("user_pin", demo::ADMIN_PIN)], None, Some(&der))
        .await;
    assert_eq!(user_form.status, StatusCode::FORBIDDEN, "the administrator's certificate on the user form");
    let logon = app
        .call_with_certificate("admin_certificate_logon", &[("pin", demo::ADMIN_PIN)], None, Some(&der))
        .await;
    assert_eq!(logon.status, StatusCode::OK, "{}", logon.body);
    let cookie = logon.cert_session_cookie().expect("cookie");
    let status = app.call_with_certificate("admin_status", &[], Some(&cookie), Some(&der)).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    assert!(
        status.body.contains("\"state\":\"InUse\"") && status.body.contains("\"by_certificate\":true"),
        "{}",
        status.body
    );
    let list = app.call_with_certificate("list_users", &[], Some(&cookie), Some(&der)).await;
    assert_eq!(list.status, StatusCode::OK, "the whole console works with the certificate session");
    assert_eq!(
        app.call("admin_status", &[], Some(&cookie.replace("-cert-session", "-session"))).await.status,
        StatusCode::UNAUTHORIZED
    );
    // ID logon on the certificate listener is not offered.
    let id_there = app
        .call_with_certificate(
            "admin_logon",
            &[("contract_id", demo::CONTRACT_ID), ("pin", demo::ADMIN_PIN)],
            None,
            Some(&der),
        )
        .await;
    assert_eq!(id_there.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn user_logon_by_id_and_the_first_pin_change() {
    let app = TestApp::new().await;
    let logon = |user: &'static str, pin: &'static str| {
        let app = &app;
        async move {
            app.call(
                "user_logon",
                &[("contract_id", demo::CONTRACT_ID), ("user_id", user), ("user_pin", pin)],
                None,
            )
            .await
        }
    };
    // test05 uses the ID・暗証番号方式.
    let ok = logon("test05", demo::USER_PIN).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let cookie = ok.session_cookie().expect("cookie");
    let status = app.call("user_status", &[], Some(&cookie)).await;
    assert!(status.body.contains("テスト05") && status.body.contains(demo::NAME), "{}", status.body);
    assert_eq!(
        app.call("list_users", &[], Some(&cookie)).await.status,
        StatusCode::UNAUTHORIZED,
        "a user is no admin"
    );

    // Same answer for unknown corporation, unknown user and wrong PIN.
    for (user, pin) in [("nobody", demo::USER_PIN), ("test05", "Wrong1234")] {
        let r = logon(user, pin).await;
        assert_eq!((r.status, r.body.as_str()), (StatusCode::UNAUTHORIZED, r#""LogonFailed""#));
    }
    // A certificate user who knows the PIN is told to use the certificate.
    let r = logon("test01", demo::USER_PIN).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::FORBIDDEN, r#""UseCertificateLogon""#));
    // 利用停止 and 事故登録: the generic answer, and an open session ends at its next request.
    set_user_flag(&app, "test05", "accident", true).await;
    assert_eq!(logon("test05", demo::USER_PIN).await.body, r#""LogonFailed""#);
    assert_eq!(app.call("user_status", &[], Some(&cookie)).await.status, StatusCode::UNAUTHORIZED);
    set_user_flag(&app, "test05", "accident", false).await;

    // A new user with provisional PINs must change them first.
    let admin = app.demo_admin_cookie().await;
    let form = with(new_user_form("newbie"), "logon_method", "id_pin");
    assert_eq!(app.call("save_user", &form, Some(&admin)).await.status, StatusCode::OK);
    let first = app
        .call(
            "user_logon",
            &[("contract_id", demo::CONTRACT_ID), ("user_id", "newbie"), ("user_pin", "Pass1234")],
            None,
        )
        .await;
    assert_eq!(first.location(), Some("/user/pins"));
    let cookie = first.session_cookie().expect("cookie");
    assert_eq!(app.call("user_status", &[], Some(&cookie)).await.body, r#""PinChangeRequired""#);
    let pins = |a: &'static str, b: &'static str, c: &'static str, d: &'static str| {
        [("user_pin", a), ("user_pin_again", b), ("user_confirm_pin", c), ("user_confirm_pin_again", d)]
    };
    let bad =
        app.call("change_pins", &pins("Pass1234", "Pass1234", "New5678x", "New5678x"), Some(&cookie)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "the provisional PIN again: {}", bad.body);
    let bad =
        app.call("change_pins", &pins("New1234a", "New1234b", "New5678x", "New5678x"), Some(&cookie)).await;
    assert!(bad.body.contains("user_pin_again"), "re-entry differs: {}", bad.body);
    let other_tab = app
        .call(
            "user_logon",
            &[("contract_id", demo::CONTRACT_ID), ("user_id", "newbie"), ("user_pin", "Pass1234")],
            None,
        )
        .await
        .session_cookie()
        .expect("second session");
    let done =
        app.call("change_pins", &pins("New1234a", "New1234a", "New5678x", "New5678x"), Some(&cookie)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let rotated = done.session_cookie().expect("a new session after the PIN change");
    assert_ne!(rotated, cookie);
    assert_eq!(app.call("user_status", &[], Some(&rotated)).await.status, StatusCode::OK);
    for old in [&cookie, &other_tab] {
        assert_eq!(
            app.call("user_status", &[], Some(old)).await.status,
            StatusCode::UNAUTHORIZED,
            "every older session ended"
        );
    }
    let again = app
        .call(
            "user_logon",
            &[("contract_id", demo::CONTRACT_ID), ("user_id", "newbie"), ("user_pin", "New1234a")],
            None,
        )
        .await;
    assert_eq!(again.location(), Some("/user/status"));
    let actions = app.audit_actions().await;
    assert!(actions.iter().any(|(a, o, _)| a == "user_pin_change" && o == "success"));
    assert!(actions
        .iter()
        .any(|(a, o, d)| a == "user_logon" && o == "failure" && d == "logon method is certificate"));
}

#[tokio::test]
async fn renewal_opens_30_days_before_expiry_and_replaces_the_certificate() {
    let day = 86_400;
    assert!(!app::ssr::pki::lifecycle::renewal_open(100 * day, 70 * day - 1), "31 days before: closed");
    assert!(app::ssr::pki::lifecycle::renewal_open(100 * day, 70 * day), "30 days before: open");
    assert!(app::ssr::pki::lifecycle::renewal_open(100 * day, 100 * day - 1), "last second: open");
    assert!(
        !app::ssr::pki::lifecycle::renewal_open(100 * day, 100 * day),
        "expired: closed (reissue instead)"
    );

    // Certificates valid 20 days: inside the renewal window from the start.
    let app =
        TestApp::with_settings(Settings { certificate_validity_secs: 20 * day, ..Settings::default() }).await;
    let admin = app.demo_admin_cookie().await;
    let der = certificate_for(&app, &admin, "test01").await;
    let cookie = cert_logon(&app, &der, demo::USER_PIN).await.cert_session_cookie().expect("cookie");
    let status = app.call_with_certificate("user_status", &[], Some(&cookie), Some(&der)).await;
    assert!(status.body.contains("\"renewal_open\":true"), "{}", status.body);

    let by_id = app.call("renew_certificate", &[("csr", &csr())], None).await;
    assert_eq!(by_id.status, StatusCode::UNAUTHORIZED, "renewal needs the certificate session");
    let bad = app
        .call_with_certificate("renew_certificate", &[("csr", "garbage")], Some(&cookie), Some(&der))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let renewed =
        app.call_with_certificate("renew_certificate", &[("csr", &csr())], Some(&cookie), Some(&der)).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
    let new = ::pem::parse(pem_of(&renewed.body, "certificate_pem")).expect("pem").into_contents();
    assert_ne!(new, der);
    let r = app.call_with_certificate("user_status", &[], Some(&cookie), Some(&der)).await;
    assert_eq!(r.body, refused(CertProblem::Reissued), "the old certificate is revoked as superseded");
    assert_eq!(cert_logon(&app, &new, demo::USER_PIN).await.status, StatusCode::OK, "the new one logs on");
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM certificates WHERE state IN ('awaiting','issued') AND user_pk = (SELECT id FROM users WHERE user_id = 'test01')",
    )
    .fetch_one(&app.state.db)
    .await
    .expect("count");
    assert_eq!(live, 1, "still one certificate per user");

    // Outside the window (a one-year certificate), renewal is refused.
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    let der = certificate_for(&app, &admin, "test01").await;
    let cookie = cert_logon(&app, &der, demo::USER_PIN).await.cert_session_cookie().expect("cookie");
    let early =
        app.call_with_certificate("renew_certificate", &[("csr", &csr())], Some(&cookie), Some(&der)).await;
    assert_eq!((early.status, early.body.as_str()), (StatusCode::CONFLICT, r#""RenewalNotOpen""#));
}

/// A user `user_id` of the ID・暗証番号方式 with final PINs, logged on: the session's cookie.
async fn logged_on_user(app: &TestApp, admin: &str, user_id: &str) -> String {
    let form = with(new_user_form(user_id), "logon_method", "id_pin");
    assert_eq!(app.call("save_user", &form, Some(admin)).await.status, StatusCode::OK);
    let logon = [("contract_id", demo::CONTRACT_ID), ("user_id", user_id), ("user_pin", "Pass1234")];
    let first = app.call("user_logon", &logon, None).await.session_cookie().expect("provisional session");
    let pins = [
        ("user_pin", "Final123"),
        ("user_pin_again", "Final123"),
        ("user_confirm_pin", "FConf456"),
        ("user_confirm_pin_again", "FConf456"),
    ];
    let changed = app.call("change_pins", &pins, Some(&first)).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let cookie = changed.session_cookie().expect("session after the PIN change");
    assert_eq!(app.call("user_status", &[], Some(&cookie)).await.status, StatusCode::OK);
    cookie
}

/// What the administrator changes, the form fields that change it, and whether it ends the user's
/// sessions.
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);

/// The administrator's reset of a user's PINs, 事故登録 and a change of logon method each end the
/// user's sessions at once: the session rows are gone and the next request is refused. A change
/// of anything else leaves them.
#[tokio::test]
async fn an_administrators_reset_ends_the_users_sessions_at_once() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    let sessions_of = |user: &'static str| {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM sessions WHERE user_pk = (SELECT id FROM users WHERE user_id = $1)",
        )
        .bind(user)
        .fetch_one(&app.state.db)
    };
    let cases: [Case; 5] = [
        ("a new name", &[("name", "改名 利用者")], false),
        ("its online permissions", &[("perm_balance", "on")], false),
        ("its PIN reset", &[("user_pin", "Reset123"), ("user_pin_again", "Reset123")], true),
        ("事故登録", &[("accident", "on")], true),
        ("another logon method", &[("logon_method", "certificate")], true),
    ];
    for (i, (what, fields, ends)) in cases.into_iter().enumerate() {
        let user: &'static str = ["reset0", "reset1", "reset2", "reset3", "reset4"][i];
        let cookie = logged_on_user(&app, &admin, user).await;
        let mut form = with(with(change_form(user), "name", "新規 利用者"), "logon_method", "id_pin");
        for (key, value) in fields {
            form = with(form, key, value);
        }
        let saved = app.call("save_user", &form, Some(&admin)).await;
        assert_eq!(saved.status, StatusCode::OK, "{what}: {}", saved.body);
        let status = app.call("user_status", &[], Some(&cookie)).await;
        let left = sessions_of(user).await.expect("count");
        if ends {
            assert_eq!(left, 0, "{what}: every session of the user ended");
            assert_eq!(status.status, StatusCode::UNAUTHORIZED, "{what}: the next request is refused");
        } else {
            assert_eq!(left, 1, "{what}: the session goes on");
            assert_eq!(status.status, StatusCode::OK, "{what}: {}", status.body);
        }
    }
}

/// No user's certificate names the administrator: whatever ID a user is registered with — `admin`
/// and the other words a relying party could read as a role included — the subject of its
/// certificate differs from the administrator's, by the role attribute (title) that every client
/// certificate carries.
#[tokio::test]
async fn no_user_id_gives_a_subject_equal_to_the_administrators() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    let subject_of = |body: &str| {
        let der = ::pem::parse(pem_of(body, "certificate_pem")).expect("pem").into_contents();
        let (_, cert) = x509_parser::parse_x509_certificate(&der).expect("parses");
        (cert.subject().as_raw().to_vec(), cert.subject().to_string())
    };
    let got = admin_certificate(&app).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let (administrators, shown) = subject_of(&got.body);
    assert!(shown.contains("CN=admin"), "{shown}");
    for id in ["admin", "Admin", "ADMIN", "administrator", "kanrisha", "bank", "system", "root", "user"] {
        let form = with(new_user_form(id), "issue_certificate", "on");
        let saved = app.call("save_user", &form, Some(&admin)).await;
        assert_eq!(saved.status, StatusCode::OK, "{id}: {}", saved.body);
        let user_form = [
            ("contract_id", demo::CONTRACT_ID),
            ("user_id", id),
            ("user_pin", "Pass1234"),
            ("user_confirm_pin", "Conf5678"),
            ("csr", &csr()),
        ];
        let got = app.call("acquire_certificate", &user_form, None).await;
        assert_eq!(got.status, StatusCode::OK, "{id}: {}", got.body);
        let (users, shown) = subject_of(&got.body);
        assert!(shown.contains(&format!("CN={id}")), "{id}: {shown}");
        assert_ne!(
            users, administrators,
            "a user registered as {id} has the administrator's subject: {shown}"
        );
    }
}

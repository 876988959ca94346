//! ワンタイムパスワード (TOTP) as the second factor: the contract's policy, registration, the
//! logon's second step (ID and certificate logons), replay, drift, lockout, the administrator's
//! changes, removal by the administrator and by the bank, and the secrets at rest.

use crate::certificates::{csr, json_str, pem_of};
use crate::support::{change_form, new_user_form, with, Reply, TestApp};
use app::ssr::db::Flag;
use app::ssr::operator::corporations::{self, demo};
use app::ssr::otp::{code_at, step_of};
use app::ssr::Settings;
use http::StatusCode;

/// The secret an `otp_secret` answer shows (base32 in groups of four), decoded.
fn secret_of(body: &str) -> Vec<u8> {
    let grouped = json_str(body, "secret").replace(' ', "");
    data_encoding::BASE32_NOPAD.decode(grouped.as_bytes()).expect("base32 secret")
}

/// The code of the current time step, `ahead` steps later (one step of drift is accepted).
fn code(secret: &[u8], ahead: i64) -> String {
    code_at(secret, step_of(app::ssr::now()) + ahead)
}

/// Waits, if need be, for the next time step to begin, so that at least 20 s of the current one
/// remain: a test that tells a spent code from a fresh one by recomputing `code(…, 0)` must not
/// cross into the next step meanwhile.
async fn early_in_a_step() {
    let into = app::ssr::now().rem_euclid(app::ssr::otp::STEP_SECS);
    if app::ssr::otp::STEP_SECS - into < 20 {
        let wait = u64::try_from(app::ssr::otp::STEP_SECS - into).unwrap_or(0);
        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    }
}

async fn set_policy(app: &TestApp, policy: &str) {
    corporations::set_second_factor(&app.state, demo::CONTRACT_ID, policy, app::ssr::now())
        .await
        .expect("policy");
}

async fn admin_logon(app: &TestApp) -> Reply {
    app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", demo::ADMIN_PIN)], None).await
}

/// The demo user test05's ID logon.
async fn user_logon(app: &TestApp) -> Reply {
    let form = [("contract_id", demo::CONTRACT_ID), ("user_id", "test05"), ("user_pin", demo::USER_PIN)];
    app.call("user_logon", &form, None).await
}

/// Registers a TOTP from a session (policy optional) and returns its secret.
async fn register_from_session(app: &TestApp, cookie: &str) -> Vec<u8> {
    let shown = app.call("otp_secret", &[], Some(cookie)).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let secret = secret_of(&shown.body);
    let done = app.call("register_otp", &[("otp", &code(&secret, 0))], Some(cookie)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    secret
}

fn refused_field(reply: &Reply, problem: &str) {
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert!(reply.body.contains("\"otp\"") && reply.body.contains(problem), "{}", reply.body);
}

#[tokio::test]
async fn required_policy_registers_at_logon_and_asks_the_code_at_every_logon_after() {
    let app = TestApp::new().await;
    set_policy(&app, "required").await;
    let pending = admin_logon(&app).await;
    assert_eq!(pending.status, StatusCode::OK, "{}", pending.body);
    assert_eq!(pending.location(), Some("/otp/register"));
    let pending = pending.session_cookie().expect("cookie of the waiting logon");
    for screen in ["admin_status", "list_users", "admin_factors"] {
        assert_eq!(
            app.call(screen, &[], Some(&pending)).await.status,
            StatusCode::UNAUTHORIZED,
            "{screen} before the registration"
        );
    }
    let shown = app.call("otp_secret", &[], Some(&pending)).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains("\"required\":true") && shown.body.contains("<svg"), "{}", shown.body);
    let secret = secret_of(&shown.body);
    assert_eq!(secret.len(), 20);
    // Shown again (a reload): the same secret, not a new one.
    assert_eq!(secret_of(&app.call("otp_secret", &[], Some(&pending)).await.body), secret);

    refused_field(&app.call("register_otp", &[("otp", "12345")], Some(&pending)).await, "format");
    early_in_a_step().await;
    let wrong = if code(&secret, 0) == "000000" { "111111" } else { "000000" };
    refused_field(&app.call("register_otp", &[("otp", wrong)], Some(&pending)).await, "wrong");
    let done = app.call("register_otp", &[("otp", &code(&secret, 0))], Some(&pending)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.location(), Some("/admin/status"));
    let session = done.session_cookie().expect("the session");
    assert_ne!(session, pending, "a new token once the logon is complete");
    assert_eq!(app.call("admin_status", &[], Some(&session)).await.status, StatusCode::OK);
    assert_eq!(app.call("admin_status", &[], Some(&pending)).await.status, StatusCode::UNAUTHORIZED);

    // The next logon asks for the code; the one used for the registration is spent.
    assert_eq!(app.call("logoff", &[], Some(&session)).await.status, StatusCode::OK);
    let again = admin_logon(&app).await;
    assert_eq!(again.location(), Some("/logon/code"));
    let waiting = again.session_cookie().expect("cookie");
    assert_eq!(app.call("admin_status", &[], Some(&waiting)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.call("otp_secret", &[], Some(&waiting)).await.status, StatusCode::UNAUTHORIZED);
    refused_field(&app.call("logon_code", &[("otp", &code(&secret, 0))], Some(&waiting)).await, "wrong");
    refused_field(&app.call("logon_code", &[("otp", &code(&secret, -1))], Some(&waiting)).await, "wrong");
    let ok = app.call("logon_code", &[("otp", &code(&secret, 1))], Some(&waiting)).await;
    assert_eq!(ok.status, StatusCode::OK, "one step of drift ahead: {}", ok.body);
    assert_eq!(ok.location(), Some("/admin/status"));
    let session = ok.session_cookie().expect("session");
    assert_eq!(app.call("admin_status", &[], Some(&session)).await.status, StatusCode::OK);
    // Its step is spent too: the same code on another logon is refused.
    let third = admin_logon(&app).await.session_cookie().expect("cookie");
    refused_field(&app.call("logon_code", &[("otp", &code(&secret, 1))], Some(&third)).await, "wrong");
    // A full session has nothing to do on the code page.
    assert_eq!(
        app.call("logon_code", &[("otp", &code(&secret, 1))], Some(&session)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let actions = app.audit_actions().await;
    for expected in [
        ("admin_logon", "success", "method=id_pin; second factor to be registered"),
        ("second_factor_register", "failure", "method=totp; wrong code"),
        ("second_factor_register", "success", "method=totp"),
        ("admin_logon", "success", "method=id_pin; second factor asked"),
        ("admin_logon", "failure", "wrong one-time password"),
        ("admin_logon", "success", "method=id_pin; second_factor=totp"),
    ] {
        assert!(
            actions.iter().any(|(a, o, d)| a == expected.0 && o == expected.1 && d.starts_with(expected.2)),
            "{expected:?} in {actions:#?}"
        );
    }
}

#[tokio::test]
async fn wrong_codes_lock_like_wrong_pins_and_off_asks_nothing() {
    let app = TestApp::with_settings(Settings { lockout_threshold: 3, ..Settings::default() }).await;
    set_policy(&app, "optional").await;
    // A user (ID logon) registers from their session: optional asks nothing of those without one.
    let first = user_logon(&app).await;
    assert_eq!(first.location(), Some("/user/status"), "optional, none registered: straight in");
    let secret = register_from_session(&app, &first.session_cookie().expect("cookie")).await;
    let waiting = user_logon(&app).await;
    assert_eq!(waiting.location(), Some("/logon/code"));
    let waiting = waiting.session_cookie().expect("cookie");
    let wrong = |n: i64| {
        // Codes of steps far from now: never right.
        code(&secret, 100 + n)
    };
    for n in 0..2 {
        refused_field(&app.call("logon_code", &[("otp", &wrong(n))], Some(&waiting)).await, "wrong");
    }
    let locked = app.call("logon_code", &[("otp", &wrong(2))], Some(&waiting)).await;
    assert_eq!(locked.status, StatusCode::FORBIDDEN, "{}", locked.body);
    assert!(locked.body.contains("Locked"), "{}", locked.body);
    let (suspended, failed): (Flag, i64) =
        sqlx::query_as("SELECT suspended, failed_codes FROM users WHERE user_id = 'test05'")
            .fetch_one(&app.state.db)
            .await
            .expect("user");
    assert!(suspended.0 && failed == 3, "利用停止 after three wrong codes");
    assert_eq!(
        app.call("logon_code", &[("otp", &code(&secret, 0))], Some(&waiting)).await.status,
        StatusCode::UNAUTHORIZED,
        "the waiting logon ended with the lock"
    );

    // off: the registered factor is not asked, and no registration is offered.
    set_policy(&app, "off").await;
    let admin = admin_logon(&app).await;
    assert_eq!(admin.location(), Some("/admin/status"));
    let admin = admin.session_cookie().expect("cookie");
    assert_eq!(app.call("otp_secret", &[], Some(&admin)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_administrators_changes_need_a_current_code_beside_the_confirmation_pin() {
    let app = TestApp::new().await;
    set_policy(&app, "optional").await;
    let admin = admin_logon(&app).await.session_cookie().expect("cookie");
    let before = app.call("admin_factors", &[], Some(&admin)).await;
    assert_eq!(before.body, r#"{"totp":false,"passkey":false}"#);
    let secret = register_from_session(&app, &admin).await;
    assert_eq!(app.call("admin_factors", &[], Some(&admin)).await.body, r#"{"totp":true,"passkey":false}"#);

    let file = [("file_register", "on"), ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN)];
    refused_field(&app.call("change_file_settings", &file, Some(&admin)).await, "required");
    let wrong = code(&secret, 100);
    let with_wrong = [file[0], file[1], ("otp", wrong.as_str())];
    refused_field(&app.call("change_file_settings", &with_wrong, Some(&admin)).await, "wrong");
    let failed: i64 =
        sqlx::query_scalar("SELECT admin_failed_codes FROM corporations WHERE contract_id = $1")
            .bind(demo::CONTRACT_ID)
            .fetch_one(&app.state.db)
            .await
            .expect("count");
    assert_eq!(failed, 1, "a wrong code counts toward the lock");
    let send = || async {
        let on: Flag =
            sqlx::query_scalar("SELECT file_send_enabled FROM corporations WHERE contract_id = $1")
                .bind(demo::CONTRACT_ID)
                .fetch_one(&app.state.db)
                .await
                .expect("setting");
        on.0
    };
    assert!(send().await, "nothing changed (the form would switch 送信 off)");
    // A wrong confirmation PIN uses no code: the right code still works after it.
    let next = code(&secret, 1);
    let wrong_pin = [file[0], ("admin_confirm_pin", "Wrong1234"), ("otp", next.as_str())];
    let refused = app.call("change_file_settings", &wrong_pin, Some(&admin)).await;
    assert!(refused.body.contains("admin_confirm_pin"), "{}", refused.body);
    let ok =
        app.call("change_file_settings", &[file[0], file[1], ("otp", next.as_str())], Some(&admin)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(!send().await, "changed with the right code");
    // Registration and deletion ask for it too; a spent code is refused.
    let form = with(new_user_form("sf01"), "otp", &next);
    refused_field(&app.call("save_user", &form, Some(&admin)).await, "wrong");
    refused_field(
        &app.call(
            "delete_user",
            &[("user", "test04"), ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN)],
            Some(&admin),
        )
        .await,
        "required",
    );
    let actions = app.audit_actions().await;
    assert!(
        actions
            .iter()
            .any(|(a, o, d)| a == "file_settings_change" && o == "failure" && d == "wrong one-time password"),
        "{actions:#?}"
    );
}

#[tokio::test]
async fn removal_by_the_administrator_and_by_the_bank_ends_the_sessions() {
    let app = TestApp::new().await;
    set_policy(&app, "optional").await;
    let user = user_logon(&app).await.session_cookie().expect("user");
    register_from_session(&app, &user).await;
    let admin = admin_logon(&app).await.session_cookie().expect("admin");
    let detail = app.call("get_user", &[("user", "test05")], Some(&admin)).await;
    assert!(detail.body.contains("\"second_factor\":true"), "{}", detail.body);
    let form = with(with(change_form("test05"), "name", "テスト05"), "remove_second_factor", "on");
    let form = with(form, "email", "test05@example.jp");
    let changed = app.call("save_user", &form, Some(&admin)).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert!(
        changed.location().is_some_and(|l| l.contains("second_factor_removed")),
        "{:?}",
        changed.location()
    );
    assert_eq!(app.call("user_status", &[], Some(&user)).await.status, StatusCode::UNAUTHORIZED);
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM totp_secrets").fetch_one(&app.state.db).await.expect("rows");
    assert_eq!(rows, 0);

    register_from_session(&app, &admin).await;
    assert!(corporations::reset_second_factor(&app.state, demo::CONTRACT_ID, app::ssr::now())
        .await
        .expect("reset"));
    assert_eq!(app.call("admin_status", &[], Some(&admin)).await.status, StatusCode::UNAUTHORIZED);
    assert!(!corporations::reset_second_factor(&app.state, demo::CONTRACT_ID, app::ssr::now())
        .await
        .expect("again"));
    assert!(corporations::reset_second_factor(&app.state, "99999999999", app::ssr::now()).await.is_err());
    let actions = app.audit_actions().await;
    assert!(actions.iter().any(|(a, _, d)| a == "user_change" && d.contains("second_factor_removed")));
    assert!(actions
        .iter()
        .any(|(a, _, d)| a == "corporation_second_factor_reset" && d.starts_with("removed")));
}

#[tokio::test]
async fn the_certificate_logon_asks_the_code_too_and_binds_the_session_to_the_certificate() {
    let app = TestApp::new().await;
    set_policy(&app, "required").await;
    let admin = admin_logon(&app).await.session_cookie().expect("waiting");
    let shown = app.call("otp_secret", &[], Some(&admin)).await;
    let admin_secret = secret_of(&shown.body);
    let admin = app
        .call("register_otp", &[("otp", &code(&admin_secret, 0))], Some(&admin))
        .await
        .session_cookie()
        .expect("admin");
    let admin_code = code(&admin_secret, 1);
    let form = with(with(new_user_form("cert1"), "issue_certificate", "on"), "otp", &admin_code);
    let registered = app.call("save_user", &form, Some(&admin)).await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    let got = app
        .call(
            "acquire_certificate",
            &[
                ("contract_id", demo::CONTRACT_ID),
                ("user_id", "cert1"),
                ("user_pin", "Pass1234"),
                ("user_confirm_pin", "Conf5678"),
                ("csr", &csr()),
            ],
            None,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let cert = ::pem::parse(pem_of(&got.body, "certificate_pem")).expect("pem").into_contents();
    // The first logon: the PINs are provisional, and the contract requires a registration first.
    let logon = app
        .call_with_certificate("user_certificate_logon", &[("user_pin", "Pass1234")], None, Some(&cert))
        .await;
    assert_eq!(logon.location(), Some("/otp/register"), "{}", logon.body);
    let waiting = logon.cert_session_cookie().expect("cookie");
    let shown = app.call_with_certificate("otp_secret", &[], Some(&waiting), Some(&cert)).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains(&format!("\"account\":\"{}/cert1\"", demo::CONTRACT_ID)), "{}", shown.body);
    assert_eq!(
        app.call("otp_secret", &[], Some(&waiting.replace("-cert-session", "-session"))).await.status,
        StatusCode::UNAUTHORIZED,
        "a certificate logon is not continued on the ID listener"
    );
    let secret = secret_of(&shown.body);
    let done = app
        .call_with_certificate("register_otp", &[("otp", &code(&secret, 0))], Some(&waiting), Some(&cert))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.location(), Some("/user/pins"), "provisional PINs come next");
    let session = done.cert_session_cookie().expect("session");
    // The session is bound to the certificate: without it, nothing.
    assert!(app
        .call_with_certificate("keep_alive", &[], Some(&session), None)
        .await
        .status
        .is_client_error());
    assert_eq!(
        app.call_with_certificate("keep_alive", &[], Some(&session), Some(&cert)).await.status,
        StatusCode::OK
    );
    // Later logons by certificate ask for the code.
    let again = app
        .call_with_certificate("user_certificate_logon", &[("user_pin", "Pass1234")], None, Some(&cert))
        .await;
    assert_eq!(again.location(), Some("/logon/code"));
    let waiting = again.cert_session_cookie().expect("cookie");
    let ok = app
        .call_with_certificate("logon_code", &[("otp", &code(&secret, 1))], Some(&waiting), Some(&cert))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.location(), Some("/user/pins"));
}

#[tokio::test]
async fn secrets_are_sealed_at_rest_and_never_reopened_under_another_key() {
    let app = TestApp::new().await;
    set_policy(&app, "optional").await;
    let admin = admin_logon(&app).await.session_cookie().expect("admin");
    let secret = register_from_session(&app, &admin).await;
    let base32 = data_encoding::BASE32_NOPAD.encode(&secret);
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT sealed FROM totp_secrets").fetch_one(&app.state.db).await.expect("row");
    assert!(!sealed.windows(secret.len()).any(|w| w == secret.as_slice()), "the raw secret is not stored");
    assert!(!sealed.windows(base32.len()).any(|w| w == base32.as_bytes()), "nor its base32 text");
    if let app::ssr::db::Backend::Sqlite = app.backend() {
        for entry in std::fs::read_dir(app.data_dir()).expect("data dir").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("bizdirect.db") {
                let bytes = std::fs::read(entry.path()).expect("db file");
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_slice()),
                    "{name} holds the secret"
                );
                assert!(
                    !bytes.windows(base32.len()).any(|w| w == base32.as_bytes()),
                    "{name} holds its base32"
                );
            }
        }
    }
    // The key lives beside the database, not in it; `server check` opens every secret with it.
    let key = app.data_dir().join("secrets").join("otp.key");
    assert!(key.exists());
    let (_, violations) = app::ssr::operator::check::run(&app.state, app::ssr::now()).await.expect("check");
    assert!(violations.is_empty(), "{violations:?}");
    let other = app::ssr::AppState {
        sealer: std::sync::Arc::new(app::ssr::seal::Sealer::random()),
        ..app.state.clone()
    };
    let (_, violations) = app::ssr::operator::check::run(&other, app::ssr::now()).await.expect("check");
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].invariant.contains("second-factor"));
    // Without its key file a server does not start (a new key could never open the secrets).
    std::fs::remove_file(&key).expect("remove key");
    let refused = crate::support::open(app.data_dir(), Settings::default()).await.err().expect("refused");
    assert!(format!("{refused:#}").contains("otp.key"), "{refused:#}");
    assert!(!key.exists(), "no new key was made");
}

//! 管理者ログオン, sessions and logoff through the real router.

use crate::support::TestApp;
use app::ssr::operator::corporations::demo;
use app::ssr::{access::auth, audit, secret::SessionToken, Settings};
use http::StatusCode;

#[tokio::test]
async fn logon_ok_sets_a_secure_session_cookie_and_redirects_to_status() {
    let app = TestApp::new().await;
    let reply =
        app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", demo::ADMIN_PIN)], None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.location(), Some("/admin/status"));
    let cookie =
        reply.set_cookies().into_iter().find(|c| c.starts_with("__Host-bizdirect-session=")).expect("cookie");
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }
    let cookie = reply.session_cookie().expect("cookie");
    let status = app.call("admin_status", &[], Some(&cookie)).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    assert!(status.body.contains(demo::NAME), "{}", status.body);
    assert!(status.body.contains(r#""previous_logon_at":null"#), "first logon: {}", status.body);
}

#[tokio::test]
async fn wrong_pin_and_unknown_id_get_the_same_answer() {
    let app = TestApp::new().await;
    let wrong_pin =
        app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", "Wrong9999")], None).await;
    let unknown_id =
        app.call("admin_logon", &[("contract_id", "99999999999"), ("pin", demo::ADMIN_PIN)], None).await;
    assert_eq!(wrong_pin.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_id.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_pin.body, unknown_id.body, "the answer must not tell which credential was wrong");
    assert_eq!(wrong_pin.body, r#""LogonFailed""#);
    assert!(wrong_pin.session_cookie().is_none() && unknown_id.session_cookie().is_none());
    // The audit log knows the real reasons.
    let audit = app.audit_actions().await;
    let failures: Vec<_> = audit.iter().filter(|(a, o, _)| a == "admin_logon" && o == "failure").collect();
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0].2, "wrong pin");
    assert_eq!(failures[1].2, "unknown contract id or user id");
}

#[tokio::test]
async fn malformed_contract_id_is_a_field_error_not_a_crash() {
    let app = TestApp::new().await;
    let reply = app.call("admin_logon", &[("contract_id", "abc"), ("pin", "x")], None).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains(r#""field":"contract_id""#), "{}", reply.body);
    let missing = app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID)], None).await;
    assert!(missing.status.is_client_error() || missing.status.is_server_error());
    assert!(missing.session_cookie().is_none());
}

#[tokio::test]
async fn protected_server_function_without_session_is_401_without_data() {
    let app = TestApp::new().await;
    for cookie in [
        None,
        Some("__Host-bizdirect-session=0000000000000000000000000000000000000000000000000000000000000000"),
        Some("__Host-bizdirect-session=garbage"),
    ] {
        let reply = app.call("admin_status", &[], cookie).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{cookie:?}");
        assert_eq!(reply.body, r#""Unauthenticated""#);
    }
}

#[tokio::test]
async fn admin_pages_without_session_redirect_to_logon() {
    let app = TestApp::new().await;
    for path in ["/admin/status", "/admin/users"] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{path}: {}", reply.body);
        assert_eq!(reply.location(), Some("/admin/logon"));
        assert!(!reply.body.contains(demo::NAME));
    }
    let cookie = app.demo_admin_cookie().await;
    let page = app.get("/admin/status", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(demo::NAME));
}

#[tokio::test]
async fn logoff_ends_the_session_on_the_server() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let reply = app.call("logoff", &[], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.set_cookies().iter().any(|c| c.contains("Max-Age=0")), "cookie cleared");
    let after = app.call("admin_status", &[], Some(&cookie)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "the old cookie is dead even if the browser kept it");
}

#[tokio::test]
async fn each_logon_gets_a_new_session_and_previous_logon_is_shown() {
    let app = TestApp::new().await;
    let first = app.demo_admin_cookie().await;
    let second = app.demo_admin_cookie().await;
    assert_ne!(first, second);
    let status = app.call("admin_status", &[], Some(&second)).await;
    assert!(!status.body.contains(r#""previous_logon_at":null"#), "{}", status.body);
}

#[tokio::test]
async fn plain_form_post_without_javascript_redirects_with_the_error_or_to_status() {
    let app = TestApp::new().await;
    let referer = "https://127.0.0.1:3000/admin/logon";
    let bad = app
        .post_form("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", "Wrong9999")], referer)
        .await;
    assert_eq!(bad.status, StatusCode::FOUND);
    let location = bad.location().expect("location");
    assert!(location.starts_with(referer) && location.contains("__err="), "{location}");
    let good = app
        .post_form("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", demo::ADMIN_PIN)], referer)
        .await;
    assert_eq!(good.status, StatusCode::FOUND);
    assert_eq!(good.location(), Some("/admin/status"));
    assert!(good.session_cookie().is_some());
}

#[tokio::test]
async fn sessions_end_after_idle_timeout_and_absolute_lifetime() {
    let app = TestApp::with_settings(Settings {
        session_idle_secs: 600,
        session_max_secs: 3600,
        ..Settings::default()
    })
    .await;
    let now = app::ssr::now();
    let token = auth::admin_logon(
        &app.state,
        demo::CONTRACT_ID,
        &app::ssr::secret::Pin::new(demo::ADMIN_PIN.into()),
        "t",
        app::i18n::Lang::Ja,
        now,
    )
    .await
    .expect("logon")
    .0;
    let check = |token: SessionToken, at: i64| {
        let state = app.state.clone();
        async move { auth::authenticate(&state, Some(&token), None, at).await.is_ok() }
    };
    assert!(check(token.clone(), now + 599).await, "active within the idle window");
    assert!(check(token.clone(), now + 1190).await, "each request restarts the idle clock");
    assert!(!check(token.clone(), now + 1190 + 601).await, "idle too long");
    assert!(!check(token.clone(), now + 1190).await, "an expired session does not come back");

    let token = auth::admin_logon(
        &app.state,
        demo::CONTRACT_ID,
        &app::ssr::secret::Pin::new(demo::ADMIN_PIN.into()),
        "t",
        app::i18n::Lang::Ja,
        now,
    )
    .await
    .expect("logon")
    .0;
    let mut at = now;
    while at + 500 < now + 3600 {
        at += 500;
        assert!(check(token.clone(), at).await);
    }
    assert!(!check(token.clone(), now + 3600).await, "absolute lifetime reached");
}

#[tokio::test]
async fn audit_chain_is_intact_and_detects_tampering() {
    let app = TestApp::new().await;
    app.demo_admin_cookie().await;
    app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", "Wrong9999")], None).await;
    assert_eq!(audit::verify_chain(&app.state.db).await.expect("verify"), None);
    sqlx::query("UPDATE audit_log SET outcome = 'success' WHERE outcome = 'failure'")
        .execute(&app.state.db)
        .await
        .expect("tamper");
    let broken = audit::verify_chain(&app.state.db).await.expect("verify").expect("break detected");
    assert_eq!(broken.reason, "record altered");
}

#[tokio::test]
async fn language_choice_is_remembered_in_a_cookie() {
    let app = TestApp::new().await;
    let en = app.get("/admin/logon?lang=en", None).await;
    assert!(en.set_cookies().iter().any(|c| c.starts_with("lang=en")));
    assert!(en.body.contains(r#"<html lang="en""#), "{}", &en.body[..200.min(en.body.len())]);
    assert!(en.body.contains("Contract ID"));
    let ja = app.get("/admin/logon", Some("lang=en")).await;
    assert!(ja.body.contains("Contract ID"), "cookie keeps English");
    let default = app.get("/admin/logon", None).await;
    assert!(default.body.contains("契約法人ID") && default.body.contains("契約法人暗証番号"));
}

#[tokio::test]
async fn audit_screen_shows_own_records_newest_first_and_nothing_of_others() {
    let app = TestApp::new().await;
    app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", "Wrong9999")], None).await;
    let cookie = app.demo_admin_cookie().await;
    let reply = app.call("audit_log", &[("page", "1")], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let first_logon =
        reply.body.find(r#""action":"admin_logon","target":"","success":true"#).expect("success");
    let failure = reply.body.find(r#""action":"admin_logon","target":"","success":false"#).expect("failure");
    assert!(first_logon < failure, "newest first: {}", reply.body);
    assert!(reply.body.contains(r#""action":"user_create""#), "demo seed records are the corporation's");
    assert!(!reply.body.contains("Wrong9999"), "a PIN never reaches the log");

    let other = app.other_admin_cookie().await;
    let theirs = app.call("audit_log", &[("page", "1")], Some(&other)).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.body.contains(demo::CONTRACT_ID) && !theirs.body.contains("test01"), "{}", theirs.body);
    assert!(theirs.body.contains(r#""total":2"#), "their creation and their logon only: {}", theirs.body);

    let beyond = app.call("audit_log", &[("page", "999")], Some(&cookie)).await;
    assert!(beyond.body.contains(r#""page":1,"pages":1"#), "clamped: {}", beyond.body);
    assert_eq!(app.call("audit_log", &[("page", "1")], None).await.status, StatusCode::UNAUTHORIZED);
}

/// ログオン履歴: the last three logons that opened a session, newest first, with their method and
/// address, and the attempts that failed since the logon before the newest.
#[tokio::test]
async fn status_screens_show_the_last_three_logons_and_the_failures_since_the_previous_one() {
    let app = TestApp::new().await;
    let wrong = || async {
        let reply =
            app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", "Wrong1234")], None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    };
    let _ = app.demo_admin_cookie().await;
    wrong().await;
    let _ = app.demo_admin_cookie().await;
    wrong().await;
    wrong().await;
    let _ = app.demo_admin_cookie().await;
    let newest = app.demo_admin_cookie().await;
    let status: serde_json::Value =
        serde_json::from_str(&app.call("admin_status", &[], Some(&newest)).await.body).expect("json");
    let history = &status["logons"];
    let recent = history["recent"].as_array().expect("recent");
    assert_eq!(recent.len(), 3, "{history}");
    assert!(recent.windows(2).all(|w| w[0]["at"].as_i64() >= w[1]["at"].as_i64()), "newest first: {history}");
    assert!(recent.iter().all(|r| r["by_certificate"] == false && r["second_factor"].is_null()), "{history}");
    // (The in-process router has no peer address; a served request's is shown, see the e2e spec.)
    assert!(recent.iter().all(|r| r["client_addr"].is_string()), "{history}");
    // The two wrong PINs came after the fourth-newest logon, before the third-newest: the
    // failures since the previous logon (the second-newest) are none.
    assert_eq!(history["failed"], 0, "{history}");

    wrong().await;
    let after = app.demo_admin_cookie().await;
    let status: serde_json::Value =
        serde_json::from_str(&app.call("admin_status", &[], Some(&after)).await.body).expect("json");
    assert_eq!(status["logons"]["failed"], 1, "the wrong PIN before this logon: {}", status["logons"]);

    // A user's screen shows the user's own logons only.
    let user = app
        .call(
            "user_logon",
            &[("contract_id", demo::CONTRACT_ID), ("user_id", "test05"), ("user_pin", demo::USER_PIN)],
            None,
        )
        .await
        .session_cookie()
        .expect("user");
    let mine: serde_json::Value =
        serde_json::from_str(&app.call("user_status", &[], Some(&user)).await.body).expect("json");
    assert_eq!(mine["logons"]["recent"].as_array().map(Vec::len), Some(1), "{}", mine["logons"]);
    assert_eq!(mine["logons"]["failed"], 0);
}

/// 操作履歴照会's search: by period (Japan time, the last day included), by user (what they did
/// and what was done to them), by operation and by outcome; a bad date is a field message.
#[tokio::test]
async fn the_audit_search_filters_by_period_user_operation_and_outcome() {
    let app = TestApp::new().await;
    app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", "Wrong9999")], None).await;
    let cookie = app.demo_admin_cookie().await;
    let user = [("contract_id", demo::CONTRACT_ID), ("user_id", "test05"), ("user_pin", demo::USER_PIN)];
    app.call("user_logon", &user, None).await;
    let search = |form: Vec<(&'static str, String)>| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            let mut form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            form.push(("page", "1"));
            let reply = app.call("audit_log", &form, Some(&cookie)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            serde_json::from_str::<serde_json::Value>(&reply.body).expect("json")
        }
    };
    let entries = |page: &serde_json::Value| page["entries"].as_array().cloned().unwrap_or_default();
    let all = search(vec![]).await;
    let total = all["total"].as_i64().expect("total");
    assert!(total >= 4, "{all}");

    // Outcome: only the wrong PIN failed.
    let failed = search(vec![("outcome", "failure".into())]).await;
    assert_eq!(failed["total"], 1, "{failed}");
    assert_eq!(entries(&failed)[0]["action"], "admin_logon");
    // Operation.
    let logons = search(vec![("kind", "user_logon".into())]).await;
    assert_eq!(logons["total"], 1, "{logons}");
    // User: test05's own logon, and the administrator's registration of test05.
    let theirs = search(vec![("person", "test05".into())]).await;
    let found = entries(&theirs);
    let actions: Vec<&str> = found.iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"user_logon") && actions.contains(&"user_create"), "{actions:?}");
    assert!(entries(&theirs)
        .iter()
        .all(|e| e["actor"] == "user:10000000001/test05" || e["target"] == "test05"));
    // Period: today (Japan time) holds everything; the day before holds nothing.
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+9)).date();
    let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    let yesterday = today.previous_day().expect("a day");
    let in_period = search(vec![("from", day(today)), ("to", day(today))]).await;
    assert_eq!(in_period["total"], total, "{in_period}");
    let before = search(vec![("to", day(yesterday))]).await;
    assert_eq!(before["total"], 0, "{before}");
    // Bad dates are messages under their fields, and nothing is found.
    let bad = search(vec![("from", "2026-13-01".into()), ("to", "x".into())]).await;
    assert_eq!(bad["total"], 0);
    let problems = bad["problems"].to_string();
    assert!(problems.contains(r#""field":"from""#) && problems.contains(r#""field":"to""#), "{problems}");
    let reversed = search(vec![("from", day(today)), ("to", day(yesterday))]).await;
    assert!(reversed["problems"].to_string().contains("before_start"), "{reversed}");
}

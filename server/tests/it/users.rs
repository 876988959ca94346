//! 利用者情報選択 / 登録 / 変更 / 登録抹消 through the real router.

use crate::support::{change_form, new_user_form, with, without, TestApp};
use app::ssr::operator::corporations::demo;
use http::StatusCode;

/// A form's fields as sent.
type Form<'a> = Vec<(&'a str, &'a str)>;

fn assert_field(reply: &crate::support::Reply, field: &str, problem: &str) {
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    let needle = format!(r#"{{"field":"{field}","problem":"{problem}"}}"#);
    assert!(reply.body.contains(&needle), "expected {needle} in {}", reply.body);
}

#[tokio::test]
async fn list_shows_the_demo_users_with_permissions() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let body = app.list_json(&cookie).await;
    for (id, name) in demo::USERS {
        assert!(body.contains(id) && body.contains(name), "{body}");
    }
    assert!(body.contains(r#""online":[true,true,true,true,true,true,true]"#));
    assert!(body.contains(r#""max_users":99"#));
}

#[tokio::test]
async fn register_then_see_it_in_the_list_with_provisional_pins_and_an_audit_record() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let form = with(with(new_user_form("test06"), "perm_balance", "on"), "file_send", "on");
    let reply = app.call("save_user", &form, Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.location(), Some("/admin/users?done=registered&user=test06"));
    let body = app.list_json(&cookie).await;
    assert!(body.contains(r#""user_id":"test06""#));
    assert!(body.contains(r#""online":[true,false,false,false,false,false,false]"#), "{body}");
    let detail = app.call("get_user", &[("user", "test06")], Some(&cookie)).await;
    assert!(
        detail.body.contains(r#""pins_provisional":true"#)
            && detail.body.contains(r#""file":[false,false,true]"#)
    );
    assert!(!detail.body.contains("argon2"), "no PIN hash ever leaves the server");
    let audit = app.audit_actions().await;
    let last = audit.last().expect("audit");
    assert_eq!((last.0.as_str(), last.1.as_str()), ("user_create", "success"));
}

#[tokio::test]
async fn each_validation_error_names_its_field_and_changes_nothing() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let before = app.list_json(&cookie).await;
    let long_id = "a".repeat(31);
    let long_name = "名".repeat(31);
    let cases: Vec<(Form, &str, &str)> = vec![
        (with(new_user_form(""), "user_id", ""), "user_id", "required"),
        (new_user_form("bad-id"), "user_id", "format"),
        (new_user_form(&long_id), "user_id", "length"),
        (new_user_form("test01"), "user_id", "taken"),
        (with(new_user_form("u1"), "name", ""), "name", "required"),
        (with(new_user_form("u1"), "name", &long_name), "name", "length"),
        (with(new_user_form("u1"), "email", "not-an-address"), "email", "format"),
        (with(with(new_user_form("u1"), "user_pin", "short1"), "user_pin_again", "short1"), "user_pin", "ok"),
        (
            with(with(new_user_form("u1"), "user_pin", "abc12"), "user_pin_again", "abc12"),
            "user_pin",
            "length",
        ),
        (
            with(with(new_user_form("u1"), "user_pin", "abcdefgh"), "user_pin_again", "abcdefgh"),
            "user_pin",
            "needs_letter_and_digit",
        ),
        (with(new_user_form("u1"), "user_pin_again", "Pass9999"), "user_pin_again", "mismatch"),
        (
            with(
                with(new_user_form("u1"), "user_confirm_pin", "Pass1234"),
                "user_confirm_pin_again",
                "Pass1234",
            ),
            "user_confirm_pin",
            "same_as_other_pin",
        ),
        (without(new_user_form("u1"), "logon_method"), "logon_method", "required"),
        (with(new_user_form("u1"), "admin_confirm_pin", ""), "admin_confirm_pin", "required"),
    ];
    for (form, field, problem) in &cases {
        let reply = app.call("save_user", form, Some(&cookie)).await;
        if *problem == "ok" {
            // "short1" is a valid PIN (6 characters, letters and digits): registered.
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            continue;
        }
        assert_field(&reply, field, problem);
    }
    let after = app.list_json(&cookie).await;
    assert_eq!(
        after.matches("user_id").count(),
        before.matches("user_id").count() + 1,
        "only the valid one was added"
    );
}

#[tokio::test]
async fn wrong_confirmation_pin_changes_nothing_and_says_so() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let before = app.list_json(&cookie).await;
    let wrong = "Wrong1234";
    let reply = app
        .call("save_user", &with(new_user_form("test07"), "admin_confirm_pin", wrong), Some(&cookie))
        .await;
    assert_field(&reply, "admin_confirm_pin", "wrong");
    let reply = app
        .call(
            "save_user",
            &with(without(change_form("test01"), "perm_balance"), "admin_confirm_pin", wrong),
            Some(&cookie),
        )
        .await;
    assert_field(&reply, "admin_confirm_pin", "wrong");
    let reply =
        app.call("delete_user", &[("user", "test01"), ("admin_confirm_pin", wrong)], Some(&cookie)).await;
    assert_field(&reply, "admin_confirm_pin", "wrong");
    let reply = app.call("change_file_settings", &[("admin_confirm_pin", wrong)], Some(&cookie)).await;
    assert_field(&reply, "admin_confirm_pin", "wrong");
    assert_eq!(app.list_json(&cookie).await, before);
    let failures = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|(_, o, d)| o == "failure" && d == "confirmation pin: wrong pin")
        .count();
    assert_eq!(failures, 4, "each refused attempt is audited");
}

#[tokio::test]
async fn change_permissions_accident_pins_and_report_what_changed() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let form =
        with(with(without(change_form("test01"), "perm_transfer"), "accident", "on"), "name", "テスト一");
    let reply = app.call("save_user", &form, Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.location(), Some("/admin/users?done=changed&user=test01&items=name,online,accident"));
    let body = app.list_json(&cookie).await;
    assert!(body.contains(r#""name":"テスト一""#) && body.contains(r#""accident":true"#));
    assert!(body.contains(r#""online":[true,true,true,false,true,true,true]"#), "{body}");

    // Nothing changed: said so, nothing audited.
    let audits = app.audit_actions().await.len();
    let reply = app.call("save_user", &form, Some(&cookie)).await;
    assert_eq!(reply.location(), Some("/admin/users?done=unchanged&user=test01"));
    assert_eq!(app.audit_actions().await.len(), audits);

    // Reset one PIN: it must differ from the other (existing) one.
    let same = with(
        with(form.clone(), "user_pin", demo::USER_CONFIRM_PIN),
        "user_pin_again",
        demo::USER_CONFIRM_PIN,
    );
    assert_field(&app.call("save_user", &same, Some(&cookie)).await, "user_confirm_pin", "same_as_other_pin");
    let reset = with(with(form, "user_pin", "NewPin123"), "user_pin_again", "NewPin123");
    let reply = app.call("save_user", &reset, Some(&cookie)).await;
    assert_eq!(reply.location(), Some("/admin/users?done=changed&user=test01&items=pin"));
    let detail = app.call("get_user", &[("user", "test01")], Some(&cookie)).await;
    assert!(detail.body.contains(r#""pins_provisional":true"#));
}

#[tokio::test]
async fn unlock_clears_a_suspension() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    sqlx::query("UPDATE users SET suspended = TRUE, failed_logons = 6 WHERE user_id = 'test02'")
        .execute(&app.state.db)
        .await
        .expect("suspend");
    assert!(app
        .list_json(&cookie)
        .await
        .contains(r#""user_id":"test02","name":"テスト02","cert":"None","suspended":true"#));
    let form = with(with(change_form("test02"), "name", "テスト02"), "unlock", "on");
    let reply = app.call("save_user", &form, Some(&cookie)).await;
    assert_eq!(reply.location(), Some("/admin/users?done=changed&user=test02&items=unlocked"));
    assert!(app
        .list_json(&cookie)
        .await
        .contains(r#""user_id":"test02","name":"テスト02","cert":"None","suspended":false"#));
}

#[tokio::test]
async fn deleted_user_leaves_the_list_keeps_its_record_and_its_id_is_never_reused() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let reply = app
        .call(
            "delete_user",
            &[("user", "test05"), ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN)],
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.location(), Some("/admin/users?done=deleted&user=test05"));
    assert!(!app.list_json(&cookie).await.contains("test05"));
    let kept: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE user_id = 'test05' AND deleted_at IS NOT NULL")
            .fetch_one(&app.state.db)
            .await
            .expect("count");
    assert_eq!(kept, 1, "the record stays for audit");
    assert_field(&app.call("save_user", &new_user_form("test05"), Some(&cookie)).await, "user_id", "taken");
    let again = app
        .call(
            "delete_user",
            &[("user", "test05"), ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN)],
            Some(&cookie),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_user_limit_refuses_the_one_too_many() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    // 5 demo users + 94 inserted directly = 99 (hashing 188 PINs would only slow the test).
    let hash: String = sqlx::query_scalar("SELECT pin_hash FROM users LIMIT 1")
        .fetch_one(&app.state.db)
        .await
        .expect("hash");
    for i in 0..94 {
        sqlx::query("INSERT INTO users (corporation_id, user_id, name, pin_hash, confirm_pin_hash, created_at) VALUES (1, $1, 'x', $2, $3, 0)")
            .bind(format!("bulk{i:02}"))
            .bind(&hash)
            .bind(&hash)
            .execute(&app.state.db)
            .await
            .expect("insert");
    }
    let reply = app.call("save_user", &new_user_form("user100"), Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.body, r#"{"LimitReached":{"max":99}}"#);
    // Deleting one frees a place.
    let reply = app
        .call(
            "delete_user",
            &[("user", "bulk00"), ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN)],
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = app.call("save_user", &new_user_form("user100"), Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn file_settings_change() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    assert!(app
        .list_json(&cookie)
        .await
        .contains(r#""file_settings":{"register":true,"approve":true,"send":true}"#));
    let reply = app
        .call(
            "change_file_settings",
            &[("file_register", "on"), ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN)],
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.location(), Some("/admin/users?done=file_settings"));
    assert!(app
        .list_json(&cookie)
        .await
        .contains(r#""file_settings":{"register":true,"approve":false,"send":false}"#));
}

/// Every users server function × {no session, administrator of another corporation}: refused,
/// with no data and no hint whether the user exists.
#[tokio::test]
async fn every_users_function_refuses_strangers() {
    let app = TestApp::new().await;
    let other = app.other_admin_cookie().await;
    let before = app.list_json(&app.demo_admin_cookie().await).await;
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("get_user", vec![("user", "test01")]),
        ("save_user", with(change_form("test01"), "admin_confirm_pin", "OtherConf1")),
        ("delete_user", vec![("user", "test01"), ("admin_confirm_pin", "OtherConf1")]),
    ];
    for (endpoint, form) in &calls {
        let anonymous = app.call(endpoint, form, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{endpoint} without session");
        assert_eq!(anonymous.body, r#""Unauthenticated""#);
        let stranger = app.call(endpoint, form, Some(&other)).await;
        assert_eq!(
            stranger.status,
            StatusCode::NOT_FOUND,
            "{endpoint} by another corporation: {}",
            stranger.body
        );
        assert_eq!(stranger.body, r#""NotFound""#);
        assert!(!stranger.body.contains("テスト01"));
        // Same answer as for an ID that exists nowhere.
        let nowhere: Vec<(&str, &str)> =
            form.iter().map(|(k, v)| if *k == "user" { (*k, "nosuchuser") } else { (*k, *v) }).collect();
        assert_eq!(app.call(endpoint, &nowhere, Some(&other)).await.body, stranger.body);
    }
    for (endpoint, form) in [
        ("list_users", vec![]),
        ("save_user", new_user_form("x1")),
        ("change_file_settings", vec![("admin_confirm_pin", "OtherConf1")]),
    ] {
        let anonymous = app.call(endpoint, &form, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{endpoint} without session");
    }
    // The other administrator's own list is its own (empty) corporation.
    let theirs = app.list_json(&other).await;
    assert!(!theirs.contains("test01"), "{theirs}");
    assert_eq!(app.list_json(&app.demo_admin_cookie().await).await, before, "nothing changed");
}

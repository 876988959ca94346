//! The administrator's bulk work: 利用者一括登録 (template, upload, report by line, registration
//! of all lines in one transaction or none, provisional PINs shown once, bad files refused) and
//! 一括再発行 (one confirmation, one CRL re-signing, the users left out named).

use crate::certificates::{acquire, crl_der, crl_serials, csr, json_str, reissue};
use crate::support::{with, TestApp};
use app::ssr::operator::corporations::demo;
use axum::body::Body;
use http::{header, Request, StatusCode};

/// The template's header line, as the server gives it.
async fn header_line(app: &TestApp, cookie: &str) -> String {
    let reply = app.get("/admin/users-template.csv", Some(cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    reply.body.trim_start_matches('\u{feff}').trim_end().to_owned()
}

/// A file in the template's columns with `lines` under them, CRLF line ends as Excel writes.
async fn file(app: &TestApp, cookie: &str, lines: &[&str]) -> String {
    let mut text = header_line(app, cookie).await;
    for line in lines {
        text.push_str("\r\n");
        text.push_str(line);
    }
    text.push_str("\r\n");
    text
}

/// Sends `bytes` as the upload form does (multipart, field `file`); returns where the browser
/// is sent next.
async fn upload(app: &TestApp, cookie: &str, bytes: &[u8]) -> String {
    let boundary = "----bizdirect-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"利用者.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post("/admin/users/import/upload")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::ORIGIN, &app.state.settings.public_url)
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .expect("request");
    let reply = app.send(req).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    reply.location().expect("location").to_owned()
}

/// The upload's key from the report's address.
fn key_of(location: &str) -> &str {
    location.strip_prefix("/admin/users/import?upload=").unwrap_or_else(|| panic!("a report: {location}"))
}

/// The report on a kept file, in the reader's language (`cookie` may carry `lang=en`).
async fn checked(app: &TestApp, cookie: &str, key: &str) -> serde_json::Value {
    let reply = app.call("checked_upload", &[("upload", key)], Some(cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    report(&reply.body)
}

fn report(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// [登録] on the report of `key` with the confirmation PIN `pin`.
async fn register(app: &TestApp, cookie: &str, key: &str, pin: &str) -> crate::support::Reply {
    app.call("import_users", &[("upload", key), ("admin_confirm_pin", pin)], Some(cookie)).await
}

/// 登録抹消 of the demo user test05.
async fn delete_test05(app: &TestApp, cookie: &str) {
    let form = [("user", "test05"), ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN)];
    assert_eq!(app.call("delete_user", &form, Some(cookie)).await.status, StatusCode::OK);
}

async fn user_ids(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT user_id FROM users ORDER BY user_id")
        .fetch_all(&app.state.db)
        .await
        .expect("users")
}

const FLAGS_OFF: &str = "-,-,-,-,-,-,-,-,-,-";

#[tokio::test]
async fn an_imported_file_is_reported_then_registered_at_once_with_pins_shown_once() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let text = file(
        &app,
        &cookie,
        &[
            "imp01,一括 一郎,ichiro@example.jp,電子証明書方式,○,○,○,-,-,-,-,○,-,-,○",
            &format!("imp02,\"一括, 二郎\",,ID・暗証番号方式,{FLAGS_OFF},-"),
            &format!("imp03,一括 三郎,,certificate,{FLAGS_OFF},○"),
        ],
    )
    .await;
    // Shift_JIS, as Japanese Excel saves "CSV (comma delimited)".
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    let location = upload(&app, &cookie, &sjis).await;
    let key = key_of(&location).to_owned();
    let seen = checked(&app, &cookie, &key).await;
    assert_eq!(seen["file_name"], "利用者.csv");
    assert_eq!(seen["count"], 3);
    assert_eq!(seen["problems"], serde_json::json!([]));
    let lines = seen["lines"].as_array().expect("lines");
    assert_eq!(lines.iter().map(|l| l["line"].as_u64()).collect::<Vec<_>>(), [Some(2), Some(3), Some(4)]);
    assert_eq!(lines[1]["name"], "一括, 二郎");
    assert_eq!(lines[1]["logon_method"], "IdPin");
    assert_eq!(lines[0]["file"], serde_json::json!([true, false, false]));
    // Nothing is written by the report: no user, no audit record.
    let before = app.audit_actions().await.len();
    assert!(!user_ids(&app).await.iter().any(|id| id.starts_with("imp")));

    // A wrong confirmation PIN registers nothing.
    let wrong = register(&app, &cookie, &key, "Wrong9999").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
    assert!(!user_ids(&app).await.iter().any(|id| id.starts_with("imp")));

    let done = register(&app, &cookie, &key, demo::ADMIN_CONFIRM_PIN).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.location(), Some(format!("/admin/users/import?done={key}").as_str()));
    let ids = user_ids(&app).await;
    for id in ["imp01", "imp02", "imp03"] {
        assert!(ids.iter().any(|i| i == id), "{id} in {ids:?}");
    }
    let detail = report(&app.call("get_user", &[("user", "imp02")], Some(&cookie)).await.body);
    assert_eq!(detail["name"], "一括, 二郎");
    assert_eq!(detail["pins_provisional"], true);
    assert_eq!(detail["logon_method"], "IdPin");
    let first = report(&app.call("get_user", &[("user", "imp01")], Some(&cookie)).await.body);
    assert_eq!(first["online"], serde_json::json!([true, true, true, false, false, false, false]));
    assert_eq!(first["cert"], "AwaitingAcquisition", "電子証明書を発行する ○ opens an issuance");
    assert_eq!(report(&app.call("get_user", &[("user", "imp02")], Some(&cookie)).await.body)["cert"], "None");

    // One record per user, the issuances', and one for the file.
    let actions = app.audit_actions().await;
    let new: Vec<&str> = actions[before..].iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(new.iter().filter(|a| **a == "user_create").count(), 3, "{new:?}");
    assert_eq!(new.iter().filter(|a| **a == "certificate_issue").count(), 2, "{new:?}");
    let summary = actions.iter().rev().find(|(a, _, _)| a == "users_import").expect("users_import");
    assert_eq!(summary.2, "records=3 upload=利用者.csv");

    // The PINs are kept sealed: not as text in the database.
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT pins FROM user_imports").fetch_one(&app.state.db).await.expect("row");
    let result = app.call("import_result", &[("upload", &key)], Some(&cookie)).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    let users = report(&result.body);
    let users = users.as_array().expect("users");
    assert_eq!(users.len(), 3);
    for user in users {
        let (pin, confirm) =
            (user["pin"].as_str().expect("pin"), user["confirm_pin"].as_str().expect("confirm"));
        assert!(app::validate::new_pin(pin, app::validate::PinOwner::User).is_ok(), "{pin}");
        assert_ne!(pin, confirm);
        assert!(!sealed.windows(pin.len()).any(|w| w == pin.as_bytes()), "{pin} in the row");
    }
    // Shown once.
    let again = app.call("import_result", &[("upload", &key)], Some(&cookie)).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
    // And the registered file cannot be registered twice.
    let twice = register(&app, &cookie, &key, demo::ADMIN_CONFIRM_PIN).await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND, "{}", twice.body);

    // The shown PIN is the user's: ID・暗証番号方式 logon with it opens a session.
    let pin = users.iter().find(|u| u["user_id"] == "imp02").expect("imp02")["pin"]
        .as_str()
        .expect("pin")
        .to_owned();
    let logon = app
        .call(
            "user_logon",
            &[("contract_id", demo::CONTRACT_ID), ("user_id", "imp02"), ("user_pin", &pin)],
            None,
        )
        .await;
    assert_eq!(logon.status, StatusCode::OK, "{}", logon.body);
    assert!(logon.session_cookie().is_some());
    assert_eq!(app::ssr::audit::verify_chain(&app.state.db).await.expect("verify"), None);
}

#[tokio::test]
async fn bad_files_are_refused_with_a_reason_and_change_nothing() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let good = file(&app, &cookie, &[&format!("bad01,名前,,電子証明書方式,{FLAGS_OFF},-")]).await;
    let utf16: Vec<u8> =
        [0xFF, 0xFE].into_iter().chain(good.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let too_large = [good.as_bytes(), &vec![b' '; app::model::IMPORT_MAX_BYTES]].concat();
    let wrong_columns = good.replacen("利用者ID", "ID", 1);
    let header_only = file(&app, &cookie, &[]).await;
    let many: Vec<String> =
        (0..95).map(|i| format!("many{i:02},名前,,電子証明書方式,{FLAGS_OFF},-")).collect();
    let too_many = file(&app, &cookie, &many.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let cases: [(&[u8], &str); 6] = [
        (b"", "error=no_file"),
        (&utf16, "error=encoding"),
        (&too_large, "error=too_large"),
        (wrong_columns.as_bytes(), "error=columns"),
        (header_only.as_bytes(), "error=empty"),
        // 99 users at most, 5 registered: 95 more is too many.
        (too_many.as_bytes(), "error=too_many&max=99&live=5&n=95"),
    ];
    for (bytes, expected) in cases {
        let location = upload(&app, &cookie, bytes).await;
        assert_eq!(location, format!("/admin/users/import?{expected}"));
    }
    // The screens and the template in English for an English reader.
    let english = format!("{cookie}; lang=en");
    let page = app.get("/admin/users/import?error=too_many&max=99&live=5&n=95", Some(&english)).await;
    assert!(
        page.body.contains("Bulk user registration") && page.body.contains("Check the file"),
        "{}",
        page.body
    );
    assert!(page.body.contains("The user limit would be exceeded (limit 99, registered 5, in the file 95)."));
    assert!(app
        .get("/admin/users/reissue", Some(&english))
        .await
        .body
        .contains("Select the users whose certificates"));
    assert!(header_line(&app, &english).await.starts_with("User ID,User name,E-mail address,Logon method,"));
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_imports")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    assert_eq!(kept, 0, "a refused file is not kept");
    assert_eq!(user_ids(&app).await.len(), 5);

    // Lines with problems: each reported by line and column; nothing can be registered.
    delete_test05(&app, &cookie).await;
    let text = file(
        &app,
        &cookie,
        &[
            &format!("new01,新規,,電子証明書方式,{FLAGS_OFF},-"),
            &format!("new01,重複,,電子証明書方式,{FLAGS_OFF},-"),
            &format!("test05,抹消済み,,電子証明書方式,{FLAGS_OFF},-"),
            &format!("test01,登録済み,,電子証明書方式,{FLAGS_OFF},-"),
            "new02,,mail@,どれか,○,x,-,-,-,-,-,-,-,-,-",
            "new03,列が足りない",
        ],
    )
    .await;
    let key = key_of(&upload(&app, &cookie, text.as_bytes()).await).to_owned();
    let seen = checked(&app, &cookie, &key).await;
    let problems: Vec<(u64, String, String)> = seen["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().expect("line"),
                p["column"].as_str().expect("column").to_owned(),
                p["message"].as_str().expect("message").to_owned(),
            )
        })
        .collect();
    let at = |line: u64| {
        problems.iter().filter(|p| p.0 == line).map(|p| (p.1.as_str(), p.2.as_str())).collect::<Vec<_>>()
    };
    assert_eq!(at(2), []);
    assert_eq!(at(3), [("利用者ID", "2行目と同じ利用者IDです。")]);
    assert_eq!(at(4), [("利用者ID", "登録抹消した利用者の利用者IDです。同じ利用者IDは再登録できません。")]);
    assert_eq!(at(5).len(), 1, "{problems:?}");
    assert_eq!(at(5)[0].0, "利用者ID");
    assert_eq!(
        at(6).iter().map(|p| p.0).collect::<Vec<_>>(),
        ["利用者名", "メールアドレス", "ログオン方式", "入出金明細照会"]
    );
    assert_eq!(at(7), [("", "列の数が15ではありません。")]);
    let refused = register(&app, &cookie, &key, demo::ADMIN_CONFIRM_PIN).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(!user_ids(&app).await.iter().any(|id| id.starts_with("new")));
    // In English for an English reader.
    let english = checked(&app, &format!("{cookie}; lang=en"), &key).await;
    assert!(
        english["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .any(|p| p["message"] == "The same user ID as line 2."),
        "{english}"
    );
}

#[tokio::test]
async fn a_failure_in_the_middle_of_the_registration_registers_none() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let text = file(
        &app,
        &cookie,
        &[
            &format!("mid01,一人目,,電子証明書方式,{FLAGS_OFF},○"),
            &format!("mid02,二人目,,電子証明書方式,{FLAGS_OFF},○"),
            &format!("mid03,三人目,,電子証明書方式,{FLAGS_OFF},○"),
        ],
    )
    .await;
    let key = key_of(&upload(&app, &cookie, text.as_bytes()).await).to_owned();
    // The database refuses the second user's row, after the first is written.
    let (create, drop) = match app.backend() {
        app::ssr::db::Backend::Sqlite => (
            vec![
                "CREATE TRIGGER fail_mid BEFORE INSERT ON users WHEN NEW.user_id = 'mid02' \
                  BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
            ],
            vec!["DROP TRIGGER fail_mid"],
        ),
        app::ssr::db::Backend::Postgres => (
            vec![
                "CREATE FUNCTION fail_mid() RETURNS trigger AS $$ BEGIN IF NEW.user_id = 'mid02' THEN \
                 RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER fail_mid BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION fail_mid()",
            ],
            vec!["DROP TRIGGER fail_mid ON users", "DROP FUNCTION fail_mid()"],
        ),
    };
    for sql in create {
        sqlx::query(sql).execute(&app.state.db).await.expect("trigger");
    }
    let audit_before = app.audit_actions().await.len();
    let issuances_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    let failed = register(&app, &cookie, &key, demo::ADMIN_CONFIRM_PIN).await;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", failed.body);
    assert!(
        !user_ids(&app).await.iter().any(|id| id.starts_with("mid")),
        "the first user is not kept either"
    );
    assert_eq!(
        app.audit_actions().await.len(),
        audit_before,
        "no audit record of a registration that did not happen"
    );
    let issuances: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    assert_eq!(issuances, issuances_before);
    // The file is still there, for this corporation only: another corporation's administrator
    // can neither read its report nor register it with their own PIN.
    let other = app.other_admin_cookie().await;
    assert_eq!(
        app.call("checked_upload", &[("upload", &key)], Some(&other)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(register(&app, &other, &key, "OtherConf1").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.call("import_result", &[("upload", &key)], Some(&other)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(checked(&app, &cookie, &key).await["lines"].as_array().map(Vec::len), Some(3));
    // Once the cause is gone it registers, all of it.
    for sql in drop {
        sqlx::query(sql).execute(&app.state.db).await.expect("drop");
    }
    let done = register(&app, &cookie, &key, demo::ADMIN_CONFIRM_PIN).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(user_ids(&app).await.iter().filter(|id| id.starts_with("mid")).count(), 3);
    assert_eq!(app::ssr::audit::verify_chain(&app.state.db).await.expect("verify"), None);
}

/// The demo corporation's CRL's number: it grows by one at each re-signing.
async fn crl_number(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT number FROM crls WHERE partition_id = $1")
        .bind(app.demo_corporation_id().await)
        .fetch_one(&app.state.db)
        .await
        .expect("crl")
}

#[tokio::test]
async fn bulk_reissue_reissues_every_selected_user_with_one_crl_signing_and_names_who_was_left_out() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    // test01 and test02 hold certificates; test03 awaits one; test04 is under 事故登録; test05 is deleted.
    let issued = crate::certificates::issue_to(&app, &cookie, &["test01", "test02"]).await;
    let serials: Vec<String> = issued.iter().map(|got| json_str(&got.body, "serial").to_owned()).collect();
    assert_eq!(reissue(&app, &cookie, "test03", "0").await.status, StatusCode::OK);
    let accident = with(crate::support::change_form("test04"), "accident", "on");
    let accident = with(accident, "name", "テスト04");
    assert_eq!(app.call("save_user", &accident, Some(&cookie)).await.status, StatusCode::OK);
    delete_test05(&app, &cookie).await;
    let selected = ["test01", "test02", "test03", "test04", "test05", "nobody"];
    let form = |pin: &'static str| {
        let mut form: Vec<(&str, &str)> = selected.iter().map(|u| ("user[]", *u)).collect();
        form.push(("admin_confirm_pin", pin));
        form
    };

    // Nothing selected, or a wrong PIN: nothing happens.
    let none =
        app.call("reissue_users", &[("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN)], Some(&cookie)).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", none.body);
    assert!(none.body.contains(r#"{"field":"user","problem":"required"}"#), "{}", none.body);
    let crl_before = crl_number(&app).await;
    let wrong = app.call("reissue_users", &form("Wrong9999"), Some(&cookie)).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
    assert_eq!(crl_number(&app).await, crl_before);

    let audit_before = app.audit_actions().await.len();
    let done = app.call("reissue_users", &form(demo::ADMIN_CONFIRM_PIN), Some(&cookie)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        done.location(),
        Some("/admin/users/reissue?done=1&issued=test01,test02,test03&skipped=nobody.not_found,test04.accident,test05.not_found")
    );
    // Both certificates are on the CRL as superseded, from one re-signing.
    assert_eq!(crl_number(&app).await, crl_before + 1);
    let listed = crl_serials(&crl_der(&app).await);
    for serial in &serials {
        assert!(
            listed.iter().any(|(s, r)| s.eq_ignore_ascii_case(serial) && r.as_deref() == Some("Superseded")),
            "{listed:?}"
        );
    }
    for user in ["test01", "test02", "test03"] {
        let detail = report(&app.call("get_user", &[("user", user)], Some(&cookie)).await.body);
        assert_eq!(detail["cert"], "AwaitingAcquisition", "{user}");
    }
    let actions = app.audit_actions().await;
    let new: Vec<(&str, &str)> =
        actions[audit_before..].iter().map(|(a, _, d)| (a.as_str(), d.as_str())).collect();
    assert_eq!(new.iter().filter(|(a, _)| *a == "certificate_issue").count(), 3, "one per user: {new:?}");
    assert_eq!(new.iter().filter(|(a, _)| *a == "certificate_revoke").count(), 3, "{new:?}");
    assert_eq!(new.last(), Some(&("users_reissue", "records=3 skipped=3")));
    // Another corporation's administrator, with their own PIN, reaches none of these users.
    let other = app.other_admin_cookie().await;
    let theirs = app
        .call("reissue_users", &[("user[]", "test01"), ("admin_confirm_pin", "OtherConf1")], Some(&other))
        .await;
    assert_eq!(theirs.location(), Some("/admin/users/reissue?done=1&issued=&skipped=test01.not_found"));
    assert_eq!(crl_number(&app).await, crl_before + 1);
    // A new certificate can be acquired by each, as after a single 再発行.
    assert_eq!(acquire(&app, "test01", &csr()).await.status, StatusCode::OK);
    assert_eq!(app::ssr::audit::verify_chain(&app.state.db).await.expect("verify"), None);
}

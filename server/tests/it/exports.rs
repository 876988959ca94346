//! The administrator's CSV files: UTF-8 with a BOM, RFC 4180, the screen's search applied, only
//! the caller's corporation, the audit log's chain hashes, and the download itself audited.

use crate::support::TestApp;
use app::ssr::operator::corporations::demo;
use http::{header, StatusCode};

/// A CSV file's rows (RFC 4180; the cells here hold no line breaks), after its BOM.
fn rows(body: &str) -> Vec<Vec<String>> {
    let text = body.strip_prefix('\u{feff}').expect("a UTF-8 byte order mark first");
    assert!(text.ends_with("\r\n"), "CRLF line ends");
    text.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut cells = Vec::new();
            let (mut cell, mut quoted, mut chars) = (String::new(), false, line.chars().peekable());
            while let Some(c) = chars.next() {
                match (c, quoted) {
                    ('"', true) if chars.peek() == Some(&'"') => {
                        cell.push('"');
                        chars.next();
                    }
                    ('"', _) => quoted = !quoted,
                    (',', false) => cells.push(std::mem::take(&mut cell)),
                    (c, _) => cell.push(c),
                }
            }
            cells.push(cell);
            cells
        })
        .collect()
}

#[tokio::test]
async fn the_audit_log_exports_with_its_chain_hashes_and_the_search_applied() {
    let app = TestApp::new().await;
    app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", "Wrong9999")], None).await;
    let cookie = app.demo_admin_cookie().await;

    let all = app.get("/admin/audit.csv", Some(&cookie)).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = all.headers[header::CONTENT_DISPOSITION].to_str().expect("ascii");
    assert!(disposition.starts_with("attachment; filename=\"audit-10000000001-"), "{disposition}");
    let table = rows(&all.body);
    assert_eq!(table[0][0], "連番");
    assert_eq!(table[0].len(), 11);
    let records = &table[1..];
    assert!(records.iter().all(|r| r.len() == 11), "every row has every column");
    // Chain order, and each row's hashes are the log's own: the file shows the chain.
    let stored: Vec<(i64, Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT seq, prev_hash, hash FROM audit_log WHERE corporation_id = 1 ORDER BY seq")
            .fetch_all(&app.state.db)
            .await
            .expect("log");
    assert!(stored.len() >= records.len() && !records.is_empty());
    for row in records {
        let seq: i64 = row[0].parse().expect("seq");
        let (_, prev, hash) = stored.iter().find(|(s, _, _)| *s == seq).expect("a record of the log");
        assert_eq!(row[9], hex::encode(prev), "row {seq}");
        assert_eq!(row[10], hex::encode(hash), "row {seq}");
    }
    let seqs: Vec<i64> = records.iter().map(|r| r[0].parse().expect("seq")).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "oldest first: {seqs:?}");
    assert!(records.iter().any(|r| r[3] == "管理者ログオン" && r[4] == "admin_logon" && r[6] == "失敗"));

    // The search of the screen, and the download recorded.
    let failed = rows(&app.get("/admin/audit.csv?outcome=failure", Some(&cookie)).await.body);
    assert_eq!(failed.len(), 2, "the header and the one wrong PIN: {failed:?}");
    let actions = app.audit_actions().await;
    assert!(actions
        .iter()
        .any(|(a, o, d)| a == "audit_export" && o == "success" && d.contains("outcome=failure")));
    // In English when the reader reads English.
    let english = app.get("/admin/audit.csv?lang=en", Some(&cookie)).await;
    assert_eq!(rows(&english.body)[0][1], "Time");

    // Another corporation's administrator gets their own records only; no session, the logon page.
    let other = app.other_admin_cookie().await;
    let theirs = app.get("/admin/audit.csv", Some(&other)).await;
    assert!(!theirs.body.contains(demo::CONTRACT_ID) && !theirs.body.contains("test01"), "{}", theirs.body);
    let none = app.get("/admin/audit.csv", None).await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    assert_eq!(none.location(), Some("/admin/logon"));
    // A bad search changes nothing and says why.
    let bad = app.get("/admin/audit.csv?from=2026-02-30", Some(&cookie)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("期間（開始日）"), "{}", bad.body);
}

#[tokio::test]
async fn the_user_list_exports_every_column_as_shown_with_formulas_neutralised() {
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    // A name that a spreadsheet would run as a formula.
    let form = crate::support::with(
        crate::support::new_user_form("csv01"),
        "name",
        "=HYPERLINK(\"http://x\",\"y\")",
    );
    let made = app.call("save_user", &form, Some(&cookie)).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);

    let file = app.get("/admin/users.csv", Some(&cookie)).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert!(file.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .expect("ascii")
        .contains("users-10000000001-"));
    let table = rows(&file.body);
    assert_eq!(table[0][..4], ["利用者ID", "利用者名", "電子証明書", "電子証明書の状態"]);
    assert_eq!(table[0].len(), 15, "{:?}", table[0]);
    let listed = app.list_json(&cookie).await;
    let users: serde_json::Value = serde_json::from_str(&listed).expect("json");
    let users = users["users"].as_array().expect("users");
    assert_eq!(table.len() - 1, users.len(), "one row per user of the screen");
    for (row, user) in table[1..].iter().zip(users) {
        assert_eq!(row[0], user["user_id"].as_str().expect("id"));
        let flags = [
            &user["suspended"],
            &user["accident"],
            &user["collection_blocked"],
            &user["collection_cum_blocked"],
        ];
        for (cell, flag) in row[4..8].iter().zip(flags) {
            assert_eq!(cell, if flag == true { "○" } else { "-" }, "{row:?}");
        }
        for (cell, on) in row[8..].iter().zip(user["online"].as_array().expect("online")) {
            assert_eq!(cell, if on == true { "○" } else { "-" }, "{row:?}");
        }
    }
    let injected = table.iter().find(|r| r[0] == "csv01").expect("the new user");
    assert_eq!(injected[1], "'=HYPERLINK(\"http://x\",\"y\")", "the formula is text");
    assert!(app.audit_actions().await.iter().any(|(a, o, _)| a == "users_export" && o == "success"));
    let other = app.other_admin_cookie().await;
    assert!(!app.get("/admin/users.csv", Some(&other)).await.body.contains("test01"));
}

/// 電子証明書一覧: every certificate and issuance with its state, filtered, sorted and saved.
#[tokio::test]
async fn the_certificate_list_shows_every_state_filters_sorts_and_exports() {
    use crate::certificates::{acquire, admin_certificate, cert_version, csr, reissue};
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    // test01: acquired (in use). test02: reissued before acquiring (the first revoked as
    // superseded, the second awaiting). test03: its window passed. The administrator's: acquired.
    assert_eq!(reissue(&app, &cookie, "test01", "0").await.status, StatusCode::OK);
    assert_eq!(acquire(&app, "test01", &csr()).await.status, StatusCode::OK);
    assert_eq!(reissue(&app, &cookie, "test02", "0").await.status, StatusCode::OK);
    let version = cert_version(&app, &cookie, "test02").await;
    assert_eq!(reissue(&app, &cookie, "test02", &version).await.status, StatusCode::OK);
    assert_eq!(reissue(&app, &cookie, "test03", "0").await.status, StatusCode::OK);
    sqlx::query(
        "UPDATE certificates SET acquire_by = 1 WHERE state = 'awaiting' \
         AND user_pk = (SELECT id FROM users WHERE user_id = 'test03')",
    )
    .execute(&app.state.db)
    .await
    .expect("the window passed");
    assert_eq!(admin_certificate(&app).await.status, StatusCode::OK);

    let list = |form: Vec<(&'static str, &'static str)>| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            let mut form = form;
            form.push(("page", "1"));
            let reply = app.call("certificate_list", &form, Some(&cookie)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            serde_json::from_str::<serde_json::Value>(&reply.body).expect("json")
        }
    };
    let states = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                (
                    e["holder"].as_str().unwrap_or_default().to_owned(),
                    e["state"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let all = list(vec![]).await;
    assert_eq!(all["total"], 5, "{all}");
    let mut got = states(&all);
    got.sort();
    let want = [
        ("", "in_use"),
        ("test01", "in_use"),
        ("test02", "awaiting"),
        ("test02", "revoked"),
        ("test03", "lapsed"),
    ];
    assert_eq!(got, want.map(|(h, s)| (h.to_owned(), s.to_owned())));

    let revoked = list(vec![("state", "revoked")]).await;
    assert_eq!(revoked["total"], 1);
    assert_eq!(revoked["entries"][0]["reason"], "superseded");
    assert_eq!(revoked["entries"][0]["serial"], "", "never acquired: no serial");
    // Ending within a year: the two acquired ones; within ten days: none.
    assert_eq!(list(vec![("within", "400")]).await["total"], 2);
    assert_eq!(list(vec![("within", "10")]).await["total"], 0);
    // Sorted by holder, both ways (the administrator's, without a user ID, first).
    let by_holder = states(&list(vec![("sort", "holder"), ("order", "asc")]).await);
    assert_eq!(by_holder.first().map(|h| h.0.as_str()), Some(""));
    assert_eq!(by_holder.last().map(|h| h.0.as_str()), Some("test03"));
    let reversed = states(&list(vec![("sort", "holder"), ("order", "desc")]).await);
    assert_eq!(reversed.first().map(|h| h.0.as_str()), Some("test03"));
    // A bad number of days is a message under its field.
    let bad = list(vec![("within", "abc")]).await;
    assert!(bad["problems"].to_string().contains(r#""field":"within""#), "{bad}");

    // Saved as CSV with the same filter, and the save audited.
    let file = app.get("/admin/certificates.csv?state=in_use&sort=holder&order=asc", Some(&cookie)).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    let table = rows(&file.body);
    assert_eq!(table[0][0], "保有者");
    assert_eq!(table.len(), 3, "{table:?}");
    assert_eq!(table[1][0], "管理者");
    assert_eq!(table[2][0], "test01");
    assert_eq!(table[2][3], "利用中");
    assert_eq!(table[2][2].len(), 32, "the serial in hexadecimal: {:?}", table[2]);
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|(a, _, d)| a == "certificates_export" && d.contains("state=in_use")));
    // Another corporation's administrator sees none of these.
    let other = app.other_admin_cookie().await;
    let theirs = app.call("certificate_list", &[("page", "1")], Some(&other)).await;
    assert!(theirs.body.contains(r#""total":0"#), "{}", theirs.body);
}

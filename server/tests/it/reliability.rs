//! `server check` (every invariant of a data folder) and fail-closed auditing.

use crate::certificates::{acquire, csr, reissue};
use crate::support::{change_form, with, TestApp};
use app::ssr::{now, operator::check, operator::corporations::demo};
use http::StatusCode;

/// Activity touching every kind of record: issue, acquire, reissue (revocation), deletion,
/// 事故登録, the administrator's certificate.
async fn busy_app() -> TestApp {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    for user in ["test01", "test02", "test03", "test04"] {
        assert_eq!(reissue(&app, &admin, user, "0").await.status, StatusCode::OK);
        assert_eq!(acquire(&app, user, &csr()).await.status, StatusCode::OK);
    }
    let live: i64 = sqlx::query_scalar(
        "SELECT c.id FROM certificates c JOIN users u ON u.id = c.user_pk WHERE u.user_id = 'test01' AND c.state = 'issued'",
    )
    .fetch_one(&app.state.db)
    .await
    .expect("live");
    assert_eq!(reissue(&app, &admin, "test01", &live.to_string()).await.status, StatusCode::OK);
    let deleted = app
        .call(
            "delete_user",
            &[("user", "test02"), ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN)],
            Some(&admin),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    let accident = with(with(change_form("test03"), "name", "テスト03"), "accident", "on");
    assert_eq!(app.call("save_user", &accident, Some(&admin)).await.status, StatusCode::OK);
    app::ssr::operator::certificates::issue_admin(&app.state, demo::CONTRACT_ID, now())
        .await
        .expect("admin issuance");
    app
}

async fn violations(app: &TestApp) -> Vec<&'static str> {
    check::run(&app.state, now()).await.expect("check").1.into_iter().map(|v| v.invariant).collect()
}

async fn sql(app: &TestApp, statement: &str) {
    sqlx::query(statement).execute(&app.state.db).await.expect(statement);
}

#[tokio::test]
async fn check_passes_after_real_activity_and_names_each_broken_invariant() {
    let app = busy_app().await;
    let (checked, found) = check::run(&app.state, now()).await.expect("check");
    assert_eq!(found, vec![], "a healthy folder");
    assert!(checked.certificates == 6 && checked.audit_records > 20 && checked.crls >= 2, "{checked:?}");

    // A revocation that skipped the CRL.
    sql(&app, "UPDATE certificates SET state = 'revoked', revoked_at = 1, revocation_reason = 4 WHERE id = (SELECT max(id) FROM certificates WHERE state = 'issued')").await;
    assert_eq!(violations(&app).await, vec!["every revoked certificate is in the CRL"]);

    // A corporation's CRL gone: its certificates name a CRL that is not there.
    let app = busy_app().await;
    sql(&app, "DELETE FROM crls WHERE partition_id <> 0").await;
    assert_eq!(violations(&app).await, vec!["every certificate's CRL is signed"]);

    // A certificate that is not the CA's.
    let app = busy_app().await;
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let foreign =
        rcgen::CertificateParams::new(Vec::<String>::new()).expect("params").self_signed(&key).expect("cert");
    sqlx::query("UPDATE certificates SET der = $1 WHERE id = (SELECT min(id) FROM certificates WHERE serial IS NOT NULL)")
        .bind(foreign.der().to_vec())
        .execute(&app.state.db)
        .await
        .expect("swap");
    let found = violations(&app).await;
    assert!(found.contains(&"issued certificates verify"), "{found:?}");

    // An acquisition whose audit record was edited: the chain and the record both say so.
    let app = busy_app().await;
    sql(&app, "UPDATE audit_log SET detail = 'nothing to see' WHERE seq = (SELECT min(seq) FROM audit_log WHERE action = 'certificate_acquire')").await;
    let found = violations(&app).await;
    assert!(found.contains(&"audit chain intact"), "{found:?}");
    assert!(found.contains(&"no certificate without its audit record"), "{found:?}");

    // A second live certificate, written behind the database's back.
    let app = busy_app().await;
    sql(&app, "DROP INDEX one_live_certificate_per_holder").await;
    sql(&app, "INSERT INTO certificates (corporation_id, user_pk, state, opened_at, acquire_by) SELECT corporation_id, user_pk, 'awaiting', 5, 6 FROM certificates WHERE state = 'awaiting' LIMIT 1").await;
    let found = violations(&app).await;
    assert!(found.contains(&"one live certificate per holder"), "{found:?}");
    assert!(found.contains(&"no issuance without its audit record"), "{found:?}");
}

#[tokio::test]
async fn no_audit_record_no_change() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    let before: (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM certificates), (SELECT COUNT(*) FROM audit_log)")
            .fetch_one(&app.state.db)
            .await
            .expect("counts");
    // The audit log refuses every write (a full disk, a broken table…).
    let postgres = app.backend() == app::ssr::db::Backend::Postgres;
    if postgres {
        sql(&app, "CREATE FUNCTION audit_fails() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit unavailable'; END $$").await;
        sql(&app, "CREATE TRIGGER audit_fails BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_fails()").await;
    } else {
        sql(&app, "CREATE TRIGGER audit_fails BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END").await;
    }
    let reply = reissue(&app, &admin, "test01", "0").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, r#""Internal""#),
        "the client is told"
    );
    let renamed =
        with(with(change_form("test04"), "name", "別名"), "admin_confirm_pin", demo::ADMIN_CONFIRM_PIN);
    assert_eq!(app.call("save_user", &renamed, Some(&admin)).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    let logon =
        app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", demo::ADMIN_PIN)], None).await;
    assert_eq!(logon.status, StatusCode::INTERNAL_SERVER_ERROR, "no session without its logon record");
    assert!(logon.session_cookie().is_none());
    let after: (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM certificates), (SELECT COUNT(*) FROM audit_log)")
            .fetch_one(&app.state.db)
            .await
            .expect("counts");
    assert_eq!(after, before, "nothing changed");
    let name: String = sqlx::query_scalar("SELECT name FROM users WHERE user_id = 'test04'")
        .fetch_one(&app.state.db)
        .await
        .expect("name");
    assert_eq!(name, "テスト04");
    sql(&app, if postgres { "DROP TRIGGER audit_fails ON audit_log" } else { "DROP TRIGGER audit_fails" })
        .await;
    assert_eq!(
        reissue(&app, &admin, "test01", "0").await.status,
        StatusCode::OK,
        "works again once the log is writable"
    );
}

/// Pages are answered while other routers are being built. Generating leptos' route list switches
/// resource loading off for the whole process (leptos issue 4773), and a page whose data starts
/// loading in that moment is never answered, so the router generates the list once per process
/// (`router::route_list`).
#[tokio::test]
async fn pages_are_answered_while_routers_are_built() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let app = TestApp::new().await;
    let cookie = app.demo_admin_cookie().await;
    let stop = Arc::new(AtomicBool::new(false));
    let builder = std::thread::spawn({
        let (state, stop) = (app.state.clone(), stop.clone());
        move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            let _inside = runtime.enter();
            let mut built = 0;
            while !stop.load(Ordering::Relaxed) {
                let options = leptos::config::LeptosOptions::builder()
                    .output_name("bizdirect")
                    .site_root("target/site")
                    .build();
                drop(server::router::build(state.clone(), options));
                built += 1;
            }
            built
        }
    });
    for _ in 0..30 {
        let page =
            tokio::time::timeout(std::time::Duration::from_secs(20), app.get("/admin/status", Some(&cookie)))
                .await
                .expect("a page is answered while another router is built");
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(demo::NAME));
    }
    stop.store(true, Ordering::Relaxed);
    let built = builder.join().expect("router builder");
    assert!(built > 0, "routers were built meanwhile");
}

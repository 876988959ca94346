//! Group commit (issuance's write path): acquisitions that arrive together share one transaction,
//! one durable commit and a constant number of statements.

use crate::certificates::{acquire, csr, json_str, reissue};
use crate::support::TestApp;
use app::ssr::bench;
use app::ssr::operator::corporations::demo;
use app::ssr::{audit, db, now, operator::check};
use http::StatusCode;

/// Six signed issuances handed to the group commit together (the test runtime has one thread, so
/// its writer takes them in one batch, in this order), four of which cannot complete: each is
/// answered alone with its own reason, as if they had run one after another, and the other two
/// commit on one intact audit chain.
#[tokio::test]
async fn failing_issuances_are_answered_alone_and_the_batch_commits() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    for user in ["test01", "test02", "test03", "test04"] {
        assert_eq!(reissue(&app, &admin, user, "0").await.status, StatusCode::OK);
    }
    let db = &app.state.db;
    // test03's window has closed; test04 is 利用停止 when checked; test05 has no issuance.
    sqlx::query(
        "UPDATE certificates SET acquire_by = $1 WHERE state = 'awaiting' \
         AND user_pk = (SELECT id FROM users WHERE user_id = 'test03')",
    )
    .bind(now() - 1)
    .execute(db)
    .await
    .expect("expire");
    // test04 is 利用停止 as read when its PINs are checked, and active again afterwards.
    let set_suspended = |on: bool| {
        sqlx::query(if on {
            "UPDATE users SET suspended = TRUE WHERE user_id = 'test04'"
        } else {
            "UPDATE users SET suspended = FALSE WHERE user_id = 'test04'"
        })
        .execute(db)
    };
    let order = ["test01", "test02", "test03", "test01", "test05", "test04"];
    let mut issuances = Vec::new();
    for user in order {
        set_suspended(user == "test04").await.expect("suspend");
        let holder = bench::prechecked(&app.state, demo::CONTRACT_ID, Some(user))
            .await
            .expect("read")
            .expect("holder");
        set_suspended(false).await.expect("resume");
        let signed = bench::signed_issuance(&app.state, &holder, &csr()).await;
        issuances.push(signed.expect("signed"));
    }
    let serials: Vec<String> = issuances.iter().map(|i| hex::encode(&i.serial)).collect();
    let queue = app.state.pki.group.queue();
    let answers = futures::future::join_all(issuances.into_iter().map(|issuance| {
        let (reply, answer) = tokio::sync::oneshot::channel();
        queue.submit(issuance, reply);
        async { answer.await.expect("answered") }
    }))
    .await;
    let outcome: Vec<String> = answers
        .iter()
        .map(|a| match a {
            Ok(_) => "ok".to_owned(),
            Err(e) => format!("{e:?}"),
        })
        .collect();
    assert_eq!(
        outcome,
        ["ok", "ok", "AcquisitionExpired", "NoOpenIssuance", "NoOpenIssuance", "NoOpenIssuance"],
        "in arrival order"
    );
    let answered: Vec<&str> = answers.iter().flatten().map(|a| a.serial.as_str()).collect();
    assert_eq!(answered, serials[..2], "each completed acquisition is answered with its own certificate");
    for (user, serial) in order.iter().zip(&serials).take(2) {
        let on_record: Vec<u8> = sqlx::query_scalar(
            "SELECT c.serial FROM certificates c JOIN users u ON u.id = c.user_pk \
             WHERE u.user_id = $1 AND c.state = 'issued'",
        )
        .bind(*user)
        .fetch_one(db)
        .await
        .expect("issued");
        assert_eq!(&hex::encode(on_record), serial, "{user}");
    }
    let awaiting: Vec<String> = sqlx::query_scalar(
        "SELECT u.user_id FROM certificates c JOIN users u ON u.id = c.user_pk \
         WHERE c.state = 'awaiting' ORDER BY u.user_id",
    )
    .fetch_all(db)
    .await
    .expect("awaiting");
    assert_eq!(awaiting, ["test03", "test04"], "the failed ones changed nothing");
    let recorded: Vec<String> = sqlx::query_scalar(
        "SELECT target FROM audit_log WHERE action = 'certificate_acquire' AND outcome = 'success' ORDER BY seq",
    )
    .fetch_all(db)
    .await
    .expect("audit");
    assert_eq!(recorded, ["test01", "test02"]);
    assert!(audit::verify_chain(db).await.expect("chain").is_none());
    let (_, violations) = check::run(&app.state, now()).await.expect("check");
    assert!(violations.is_empty(), "{:?}", violations.iter().map(|v| v.detail.clone()).collect::<Vec<_>>());
}

/// Concurrent acquisitions, two per user: exactly one certificate per user, each answered serial
/// on record, one audit record each, and every invariant of `server check` holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_acquisitions_issue_exactly_one_certificate_per_user() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    let users = ["test01", "test02", "test03", "test04", "test05"];
    for user in users {
        assert_eq!(reissue(&app, &admin, user, "0").await.status, StatusCode::OK);
    }
    let csrs: Vec<(&str, String)> = users.iter().flat_map(|u| [(*u, csr()), (*u, csr())]).collect();
    let replies = futures::future::join_all(csrs.iter().map(|(u, c)| acquire(&app, u, c))).await;
    let mut served = Vec::new();
    for (user, reply) in users.iter().flat_map(|u| [u, u]).zip(&replies) {
        if reply.status == StatusCode::OK {
            served.push((*user, json_str(&reply.body, "serial").to_owned()));
        } else {
            assert!(reply.status.is_client_error(), "{user}: {} {}", reply.status, reply.body);
        }
    }
    let mut holders: Vec<&str> = served.iter().map(|(u, _)| *u).collect();
    holders.sort_unstable();
    assert_eq!(holders, users, "one acquisition per user succeeded");
    for (user, serial) in &served {
        let on_record: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT c.serial FROM certificates c JOIN users u ON u.id = c.user_pk \
             WHERE u.user_id = $1 AND c.state = 'issued'",
        )
        .bind(*user)
        .fetch_all(&app.state.db)
        .await
        .expect("serials");
        let on_record: Vec<String> = on_record.iter().map(hex::encode).collect();
        assert_eq!(on_record, std::slice::from_ref(serial), "{user}'s served serial is the one on record");
    }
    let acquired: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'certificate_acquire' AND outcome = 'success'",
    )
    .fetch_one(&app.state.db)
    .await
    .expect("audit");
    assert_eq!(acquired, 5);
    let (_, violations) = check::run(&app.state, now()).await.expect("check");
    assert!(violations.is_empty(), "{:?}", violations.iter().map(|v| v.detail.clone()).collect::<Vec<_>>());
}

/// The statements of the issuance hot path find their rows through an index (SQLite's query
/// planner: a `SCAN` of a table would make every issuance cost the size of that table — as a
/// batched `UPDATE … FROM` joined on the holders does).
#[tokio::test]
async fn the_issuance_statements_use_indexes() {
    let app = TestApp::sqlite().await;
    let tx = app.state.db.begin().await.expect("begin");
    for (sql, params) in [
        (db::certificates::live_of_many_sql(&tx, 2), 4),
        (db::certificates::complete_sql(&tx, 2), 12),
        (db::certificates::live_sql(), 2),
    ] {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain);
        for _ in 0..params {
            query = query.bind(0_i64);
        }
        let plan: Vec<String> =
            query.fetch_all(&app.state.db).await.expect("plan").into_iter().map(|row| row.3).collect();
        assert!(!plan.is_empty(), "{sql}");
        // Only the statement's own VALUES list (`v`) may be scanned.
        let scans_a_table =
            |step: &String| step.starts_with("SCAN") && step != "SCAN v" && !step.contains("VALUES");
        assert!(!plan.iter().any(scans_a_table), "{sql}: {plan:?}");
    }
}

/// A CRL, re-signed on every revocation, is read from the index of revoked certificates alone:
/// visiting each certificate's row (spread over the table with its DER) would make a re-signing
/// with 10,000 revoked certificates cost more than twice as much (`bizdirect-bench revocation`).
/// A corporation's CRL reads only its corporation's part of the index.
#[tokio::test]
async fn the_crl_is_read_from_its_index_alone() {
    let app = TestApp::sqlite().await;
    let tx = app.state.db.begin().await.expect("begin");
    for (shared, step) in [
        (false, "SEARCH certificates USING COVERING INDEX certificates_revoked"),
        (true, "USING COVERING INDEX certificates_revoked"),
    ] {
        let explain = format!("EXPLAIN QUERY PLAN {}", db::certificates::revoked_sql(&tx, shared));
        let plan: Vec<String> = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain)
            .fetch_all(&app.state.db)
            .await
            .expect("plan")
            .into_iter()
            .map(|row| row.3)
            .collect();
        assert!(plan.iter().any(|s| s.contains(step)), "shared {shared}: {plan:?}");
    }
}

/// Three administrators' changes handed to the writer while the test holds the write turn (so
/// they form one batch, in this order): the middle one writes and then fails, and is undone
/// alone; the two others revoke a certificate each, and the CRL is re-signed once, naming both,
/// in the transaction that revokes them.
#[tokio::test]
async fn administrators_changes_share_one_commit_and_one_crl_and_a_failing_one_is_undone_alone() {
    use app::ssr::audit::Actor;
    use app::ssr::pki::{lifecycle, reason};
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    let issued = crate::certificates::issue_to(&app, &admin, &["test01", "test02"]).await;
    let serials: Vec<String> =
        issued.iter().map(|got| json_str(&got.body, "serial").to_ascii_lowercase()).collect();
    let corp = app.demo_corporation_id().await;
    let crl_number = || {
        sqlx::query_scalar::<_, i64>("SELECT number FROM crls WHERE partition_id = $1")
            .bind(corp)
            .fetch_one(&app.state.db)
    };
    let before = crl_number().await.expect("crl");
    let user_pk = |user: &'static str| {
        sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE user_id = $1")
            .bind(user)
            .fetch_one(&app.state.db)
    };
    let (pk01, pk02) = (user_pk("test01").await.expect("user"), user_pk("test02").await.expect("user"));
    // Each `run` hands its change to the writer at its first poll, before any await; the writer
    // takes its batch once it has the write turn, which this test gives up only after the three
    // were polled.
    let revoke = |user: &'static str, user_pk: i64| {
        let pki = app.state.pki.clone();
        app.state.pki.writes.run(&app.state.pki, move |batch| {
            Box::pin(async move {
                let actor = Actor { name: "admin:test", corporation_id: Some(corp), client_addr: "test" };
                let holder = lifecycle::Holder { corporation_id: corp, name: user, user_pk: Some(user_pk) };
                lifecycle::revoke_live_in(batch, &pki, actor, holder, reason::SUPERSEDED, now()).await
            })
        })
    };
    let failing = app.state.pki.writes.run(&app.state.pki, |batch| {
        Box::pin(async move {
            sqlx::query("UPDATE users SET name = 'undone' WHERE user_id = 'test03'")
                .execute(&mut **batch.tx)
                .await
                .expect("update");
            Err::<(), _>(app::error::AppError::Conflict)
        })
    });
    let held = app::ssr::db::begin_write(&app.state.db).await.expect("write turn");
    let give_up = async move { drop(held) };
    let (first, middle, last, ()) =
        tokio::join!(revoke("test01", pk01), failing, revoke("test02", pk02), give_up);
    assert_eq!(
        (first.ok(), middle.err(), last.ok()),
        (Some(true), Some(app::error::AppError::Conflict), Some(true))
    );
    assert_eq!(crl_number().await.expect("crl"), before + 1, "one CRL re-signing for the batch");
    let listed: Vec<String> = crate::certificates::crl_serials(&crate::certificates::crl_der(&app).await)
        .into_iter()
        .map(|(s, _)| s.to_ascii_lowercase())
        .collect();
    for serial in &serials {
        assert!(listed.contains(serial), "{serial} on the CRL");
    }
    let name: String = sqlx::query_scalar("SELECT name FROM users WHERE user_id = 'test03'")
        .fetch_one(&app.state.db)
        .await
        .expect("name");
    assert_ne!(name, "undone", "the failed change is undone");
    assert!(audit::verify_chain(&app.state.db).await.expect("chain").is_none());
    let (_, violations) = check::run(&app.state, now()).await.expect("check");
    assert!(violations.is_empty(), "{:?}", violations.iter().map(|v| v.detail.clone()).collect::<Vec<_>>());
}

//! Group commit (issuance's write path): jobs that arrive together share one transaction and one
//! durable commit, each inside its own savepoint.

use crate::certificates::{acquire, csr, json_str, reissue};
use crate::support::TestApp;
use app::error::AppError;
use app::ssr::audit::{self, Event, Outcome};
use app::ssr::{check, now};
use http::StatusCode;

fn event(detail: &str) -> Event<'_> {
    Event {
        actor: "test",
        corporation_id: None,
        action: "group_commit_test",
        target: "-",
        outcome: Outcome::Success,
        detail,
        client_addr: "test",
    }
}

async fn recorded(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'group_commit_test' ORDER BY seq")
        .fetch_all(&app.state.db)
        .await
        .expect("audit")
}

/// Ten jobs submitted together (the test runtime has one thread, so the writer takes all ten in
/// one batch): the failing one is undone alone, after having written; the others commit, in
/// order, on one intact audit chain.
#[tokio::test]
async fn a_failing_job_is_undone_alone_and_the_batch_commits() {
    let app = TestApp::new().await;
    let jobs = (0..10).map(|i| {
        app.state.group.run(move |batch| {
            Box::pin(async move {
                let detail = format!("job {i}");
                // The chain's head carried from job to job, and forgotten when a job is undone.
                audit::record_after(&mut batch.tx, &mut batch.audit_head, &event(&detail), now())
                    .await
                    .map_err(|_| AppError::Internal)?;
                if i == 4 {
                    return Err(AppError::Conflict);
                }
                Ok(i)
            })
        })
    });
    let answers = futures::future::join_all(jobs).await;
    for (i, answer) in answers.iter().enumerate() {
        match answer {
            Ok(n) => assert_eq!(*n, i),
            Err(e) => assert!(i == 4 && matches!(e, AppError::Conflict), "job {i}: {e:?}"),
        }
    }
    let expected: Vec<String> = (0..10).filter(|i| *i != 4).map(|i| format!("job {i}")).collect();
    assert_eq!(recorded(&app).await, expected);
    assert!(audit::verify_chain(&app.state.db).await.expect("chain").is_none());
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

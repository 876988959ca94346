//! Two server instances on one database (PostgreSQL in production; the suite runs these on both
//! backends): each has its own pool, PIN hasher, throttle, router and data folder, and shares only
//! the database and the CA files. Sessions, lockout counters, CRL numbering and the audit chain
//! must come out as with one instance, and `server check` must pass afterwards.

use crate::certificates::{acquire, crl_der, crl_serials, csr, pem_of, reissue};
use crate::support::{Reply, TestApp};
use crate::user_side::live_id;
use app::ssr::db::Flag;
use app::ssr::{audit, now, operator::check, operator::corporations::demo, Settings};
use http::StatusCode;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::revocation_list::CertificateRevocationList;

const USER_LOCKED: &str = r#"{"Locked":{"contract":false}}"#;
const CONTRACT_LOCKED: &str = r#"{"Locked":{"contract":true}}"#;
const REISSUED: &str = r#"{"CertificateRefused":"reissued"}"#;

/// Two instances on one fresh database; the throttle (in memory, per instance) set high so that
/// only the database's counters decide.
async fn two_instances() -> (TestApp, TestApp) {
    let settings = Settings {
        attempts_per_minute_per_account: 1000,
        attempts_per_minute_per_address: 1000,
        ..Settings::default()
    };
    let a = TestApp::with_settings(settings).await;
    let b = a.second_instance().await;
    (a, b)
}

/// Acquires `user`'s awaiting certificate on `app`; returns its DER.
async fn acquire_der(app: &TestApp, user: &str) -> Vec<u8> {
    let got = acquire(app, user, &csr()).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    ::pem::parse(pem_of(&got.body, "certificate_pem")).expect("pem").into_contents()
}

async fn user_logon(app: &TestApp, pin: &str) -> Reply {
    app.call(
        "user_logon",
        &[("contract_id", demo::CONTRACT_ID), ("user_id", "test05"), ("user_pin", pin)],
        None,
    )
    .await
}

async fn admin_logon(app: &TestApp, pin: &str) -> Reply {
    app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", pin)], None).await
}

async fn cert_logon(app: &TestApp, der: &[u8]) -> Reply {
    app.call_with_certificate("user_certificate_logon", &[("user_pin", demo::USER_PIN)], None, Some(der))
        .await
}

fn serial_hex(der: &[u8]) -> String {
    let (_, cert) = X509Certificate::from_der(der).expect("certificate");
    cert.raw_serial_as_string().replace(':', "")
}

fn crl_number(der: &[u8]) -> u64 {
    let (_, crl) = CertificateRevocationList::from_der(der).expect("crl");
    crl.crl_number().expect("cRLNumber").to_u64_digits().first().copied().unwrap_or(0)
}

/// Both instances find every invariant intact, and so does `server check` as a real process.
async fn everything_checks(a: &TestApp, b: &TestApp) {
    for app in [a, b] {
        let (_, found) = check::run(&app.state, now()).await.expect("check");
        assert_eq!(found, vec![], "check::run");
        assert_eq!(audit::verify_chain(&app.state.db).await.expect("verify"), None, "audit chain");
    }
    let dir = a.data_dir().to_str().expect("path").to_owned();
    let args = ["check", "--data-dir", dir.as_str()];
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env_remove("BIZDIRECT_CA_DIR")
        .env_remove("BIZDIRECT_CA_KEY_PASSPHRASE_ENV")
        .env_remove("BIZDIRECT_DATABASE")
        .envs(crate::support::database_env(&args))
        .output()
        .expect("server check");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("check passed"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_reissue_acquire_and_logon_alternately() {
    let (a, b) = two_instances().await;

    // A session made on one instance is valid on the other, and logoff on one ends it on both.
    let admin = a.demo_admin_cookie().await;
    assert_eq!(b.call("list_users", &[], Some(&admin)).await.status, StatusCode::OK, "session on B");

    // Reissue on B, acquire on A, certificate logon on B, the session used on A.
    assert_eq!(reissue(&b, &admin, "test01", "0").await.status, StatusCode::OK);
    let first = acquire_der(&a, "test01").await;
    let logon = cert_logon(&b, &first).await;
    assert_eq!(logon.status, StatusCode::OK, "{}", logon.body);
    let session = logon.cert_session_cookie().expect("certificate session");
    let status = a.call_with_certificate("user_status", &[], Some(&session), Some(&first)).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);

    // Reissue on A: the old certificate and its session end on both instances at once.
    let before = crl_der(&b).await;
    let version = live_id(&a, "test01").await.to_string();
    assert_eq!(reissue(&a, &admin, "test01", &version).await.status, StatusCode::OK);
    for app in [&a, &b] {
        let r = app.call_with_certificate("user_status", &[], Some(&session), Some(&first)).await;
        assert_eq!((r.status, r.body.as_str()), (StatusCode::FORBIDDEN, REISSUED), "session ended");
        let r = cert_logon(app, &first).await;
        assert_eq!((r.status, r.body.as_str()), (StatusCode::FORBIDDEN, REISSUED), "old certificate refused");
    }
    // Acquire the new one on B, log on with it on A.
    let second = acquire_der(&b, "test01").await;
    let logon = cert_logon(&a, &second).await;
    assert_eq!(logon.status, StatusCode::OK, "{}", logon.body);
    let session = logon.cert_session_cookie().expect("certificate session");
    assert_eq!(
        b.call_with_certificate("user_status", &[], Some(&session), Some(&second)).await.status,
        StatusCode::OK
    );

    // One CRL, whichever instance serves it: the revoked serial listed, the number moved on.
    let (crl_a, crl_b) = (crl_der(&a).await, crl_der(&b).await);
    assert_eq!(crl_a, crl_b, "both instances publish the same CRL");
    assert!(crl_number(&crl_a) > crl_number(&before), "a new CRL number");
    assert!(
        crl_serials(&crl_a).iter().any(|(s, _)| s.eq_ignore_ascii_case(&serial_hex(&first))),
        "the reissued certificate is in the CRL"
    );

    // Logoff on B ends the administrator's session on A too.
    assert_eq!(b.call("logoff", &[], Some(&admin)).await.status, StatusCode::OK);
    assert_eq!(a.call("list_users", &[], Some(&admin)).await.status, StatusCode::UNAUTHORIZED);
    everything_checks(&a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_reissuing_the_same_user_at_once_give_one_issuance() {
    let (a, b) = two_instances().await;
    let admin = a.demo_admin_cookie().await;
    // Eight reissues of one user, alternating between the instances, all at once.
    let tasks = (0..8).map(|i| reissue(if i % 2 == 0 { &a } else { &b }, &admin, "test03", "0"));
    let replies = futures::future::join_all(tasks).await;
    let ok = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    let conflicts =
        replies.iter().filter(|r| r.status == StatusCode::CONFLICT && r.body == r#""Conflict""#).count();
    assert_eq!((ok, conflicts), (1, 7), "{:?}", replies.iter().map(|r| &r.body).collect::<Vec<_>>());
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates WHERE state = 'awaiting'")
        .fetch_one(&b.state.db)
        .await
        .expect("count");
    assert_eq!(open, 1, "exactly one issuance");

    // Then four users reissued at once across both instances after acquiring: every revocation
    // lands in the one CRL. Each instance re-signs it at least once; concurrent revocations on one
    // instance may share a re-signing (its group commit), so at most one number per revocation.
    acquire_der(&a, "test03").await;
    for (i, user) in ["test01", "test02", "test04"].into_iter().enumerate() {
        let app = if i % 2 == 0 { &a } else { &b };
        assert_eq!(reissue(app, &admin, user, "0").await.status, StatusCode::OK);
        acquire_der(if i % 2 == 0 { &b } else { &a }, user).await;
    }
    let before = crl_number(&crl_der(&a).await);
    let mut versions = Vec::new();
    for user in ["test01", "test02", "test03", "test04"] {
        versions.push((user, live_id(&a, user).await.to_string()));
    }
    let tasks = versions
        .iter()
        .enumerate()
        .map(|(i, (user, version))| reissue(if i % 2 == 0 { &a } else { &b }, &admin, user, version));
    for reply in futures::future::join_all(tasks).await {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let crl = crl_der(&b).await;
    let signed = crl_number(&crl) - before;
    assert!((2..=4).contains(&signed), "{signed} re-signings for two instances' four revocations");
    assert_eq!(crl_serials(&crl).len(), 4, "every revocation on the CRL, none lost");
    everything_checks(&a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_pins_across_two_instances_are_counted_exactly_and_lock_once() {
    let (a, b) = two_instances().await;
    let (a, b) = (&a, &b);
    let attempts = (0..12).map(|i| user_logon(if i % 2 == 0 { a } else { b }, "Wrong1234"));
    let replies = futures::future::join_all(attempts).await;
    let locked = replies.iter().filter(|r| r.body == USER_LOCKED).count();
    let failed = replies.iter().filter(|r| r.body == r#""LogonFailed""#).count();
    assert_eq!((locked, failed), (1, 11), "exactly one attempt crossed the threshold");
    let (count, Flag(suspended)): (i64, Flag) =
        sqlx::query_as("SELECT failed_logons, suspended FROM users WHERE user_id = 'test05'")
            .fetch_one(&a.state.db)
            .await
            .expect("row");
    assert_eq!((count, suspended), (12, true), "no attempt lost or slipped through");
    for app in [a, b] {
        assert_eq!(user_logon(app, demo::USER_PIN).await.body, USER_LOCKED, "locked on both");
    }

    // The administrator's PIN: six wrong ones, alternating, lock the contract on both.
    let attempts = (0..6).map(|i| admin_logon(if i % 2 == 0 { a } else { b }, "Wrong1234"));
    let replies = futures::future::join_all(attempts).await;
    assert_eq!(
        replies.iter().filter(|r| r.body == CONTRACT_LOCKED).count(),
        1,
        "one attempt locked the contract"
    );
    for app in [a, b] {
        assert_eq!(admin_logon(app, demo::ADMIN_PIN).await.body, CONTRACT_LOCKED, "locked on both");
    }
    everything_checks(a, b).await;
}

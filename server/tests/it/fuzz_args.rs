//! Hostile input on the other parsing paths (property tests; cargo-fuzz would need nightly):
//!
//! - the client-certificate parsing the server does on every request of the certificate listener
//!   (`x509::serial_of`, `x509::validity_of`, `pki::judge`): arbitrary and mutated DER never
//!   panics and is never taken for one of our certificates;
//! - the argument decoding of every server function the router serves: random field names and
//!   values (including the real field names with hostile values) never give a 500 or a panic.

use crate::certificates::{acquire, csr, pem_of, reissue};
use crate::support::TestApp;
use app::error::{AppError, CertProblem};
use app::ssr::{pki, pki::x509, Settings};
use http::StatusCode;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

#[test]
fn presented_certificates_that_are_not_ours_never_panic_and_are_refused() {
    let rt = runtime();
    let app = rt.block_on(TestApp::new());
    // A client certificate of ours as the seed of mutations: its serial is on record, so a
    // mutation that still parses reaches the comparison with the certificate on record.
    let seed = rt.block_on(async {
        let admin = app.demo_admin_cookie().await;
        assert_eq!(reissue(&app, &admin, "test01", "0").await.status, StatusCode::OK);
        let got = acquire(&app, "test01", &csr()).await;
        ::pem::parse(pem_of(&got.body, "certificate_pem")).expect("pem").into_contents()
    });
    let original = seed.clone();
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 600,
        source_file: Some(file!()),
        ..ProptestConfig::default()
    });
    let bytes = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        (0..seed.len(), any::<u8>(), 0..seed.len()).prop_map(move |(at, b, cut)| {
            let mut d = seed.clone();
            d[at] ^= b | 1;
            d.truncate(cut.max(at + 1));
            d
        }),
    ];
    runner
        .run(&bytes, |der| {
            if der == original {
                return Ok(());
            }
            let _ = x509::serial_of(&der);
            let _ = x509::validity_of(&der);
            let judged = rt.block_on(pki::judge(&app.state.pki, &der, app::ssr::now()));
            prop_assert_eq!(
                judged.map(|o| o.user_id),
                Err(AppError::CertificateRefused(CertProblem::NotOurs))
            );
            Ok(())
        })
        .expect("no panic, never accepted");
}

/// Field names the server functions take, plus a few they do not.
const NAMES: &[&str] = &[
    "contract_id",
    "user_id",
    "pin",
    "user_pin",
    "user_pin_again",
    "user_confirm_pin",
    "user_confirm_pin_again",
    "admin_confirm_pin",
    "name",
    "email",
    "logon_method",
    "user",
    "csr",
    "page",
    "cert_version",
    "issue_certificate",
    "accident",
    "unlock",
    "register",
    "approve",
    "send",
    "perm_balance",
    "x",
    "",
    "user[]",
    "a.b",
];

#[test]
fn random_arguments_to_every_server_function_are_never_a_server_error() {
    let rt = runtime();
    let app = rt.block_on(TestApp::with_settings(Settings {
        attempts_per_minute_per_account: 1_000_000,
        attempts_per_minute_per_address: 1_000_000,
        ..Settings::default()
    }));
    let cookie = rt.block_on(app.demo_admin_cookie());
    let paths: Vec<String> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.to_owned()).collect();
    let value = prop_oneof![
        Just(String::new()),
        "[ -~]{0,40}",
        "\\PC{0,20}",
        Just("9".repeat(400)),
        Just("%zz%".to_owned()),
        Just("-1".to_owned()),
        Just("99999999999999999999999".to_owned()),
    ];
    let form = proptest::collection::vec((proptest::sample::select(NAMES), value), 0..12);
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 400,
        source_file: Some(file!()),
        ..ProptestConfig::default()
    });
    runner
        .run(&(proptest::sample::select(paths), form, any::<bool>()), |(path, form, with_session)| {
            let name = path.trim_start_matches("/api/");
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let reply = rt.block_on(app.call(name, &pairs, with_session.then_some(cookie.as_str())));
            prop_assert!(
                reply.status != StatusCode::INTERNAL_SERVER_ERROR,
                "{} with {:?}: {} {}",
                name,
                pairs,
                reply.status,
                reply.body
            );
            Ok(())
        })
        .expect("never a 500");
}

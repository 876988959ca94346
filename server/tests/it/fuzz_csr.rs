//! The CSR path under hostile input (property tests; cargo-fuzz would need nightly).
//!
//! `verify_csr` is fed arbitrary bytes and valid requests with bytes flipped, cut, inserted and
//! removed: it must never panic, and may accept only a request whose signature still verifies —
//! whose key is then necessarily the original P-256 key. Through the server function, random
//! CSR text is a 422 on `csr` (never a 500) and leaves the issuance open.

use crate::certificates::{acquire, csr, reissue};
use crate::support::TestApp;
use app::ssr::pki::x509::{verify_csr, CsrError};
use http::StatusCode;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use std::sync::OnceLock;

/// Valid CSRs (DER) of different shapes: the seeds that mutations start from.
fn seeds() -> &'static [(Vec<u8>, Vec<u8>)] {
    static SEEDS: OnceLock<Vec<(Vec<u8>, Vec<u8>)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        use rcgen::{CertificateParams, KeyPair, PublicKeyData, PKCS_ECDSA_P256_SHA256};
        let bare = || CertificateParams::default();
        let browser_like = || {
            let mut params = CertificateParams::new(vec!["evil.example".to_owned()]).expect("params");
            params.distinguished_name.push(rcgen::DnType::CommonName, "someone-else");
            params
        };
        [bare(), browser_like()]
            .into_iter()
            .map(|params| {
                let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
                let der = params.serialize_request(&key).expect("csr").der().to_vec();
                let spki = key.subject_public_key_info();
                assert_eq!(verify_csr(&der).as_deref(), Ok(spki.as_slice()), "the seed is valid");
                (der, spki)
            })
            .collect()
    })
}

/// One edit of a byte string; positions are taken modulo its length.
#[derive(Debug, Clone)]
enum Edit {
    Flip { at: usize, mask: u8 },
    Set { at: usize, byte: u8 },
    Truncate { at: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Remove { at: usize, len: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(at, mask)| Edit::Flip { at, mask }),
        // lengths and tags are where parsers go wrong: favour the bytes that matter to DER
        (
            any::<usize>(),
            prop_oneof![
                Just(0x00u8),
                Just(0x7f),
                Just(0x80),
                Just(0x81),
                Just(0x84),
                Just(0xff),
                any::<u8>()
            ]
        )
            .prop_map(|(at, byte)| Edit::Set { at, byte }),
        any::<usize>().prop_map(|at| Edit::Truncate { at }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Edit::Insert { at, bytes }),
        (any::<usize>(), 1usize..32).prop_map(|(at, len)| Edit::Remove { at, len }),
    ]
}

fn apply(mut der: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let at = |i: usize, extra: usize| i % (der.len() + extra).max(1);
        match e {
            Edit::Flip { at: i, mask } if !der.is_empty() => {
                let i = at(*i, 0);
                der[i] ^= mask;
            }
            Edit::Set { at: i, byte } if !der.is_empty() => {
                let i = at(*i, 0);
                der[i] = *byte;
            }
            Edit::Truncate { at: i } => der.truncate(at(*i, 0)),
            Edit::Insert { at: i, bytes } => {
                let i = at(*i, 1);
                der.splice(i..i, bytes.iter().copied());
            }
            Edit::Remove { at: i, len } if !der.is_empty() => {
                let i = at(*i, 0);
                der.drain(i..(i + len).min(der.len()));
            }
            _ => {}
        }
    }
    der
}

/// A valid seed with 1–4 edits, with the seed's own SPKI.
fn mutated_csr() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    (0..seeds().len(), prop::collection::vec(edit(), 1..5)).prop_map(|(i, edits)| {
        let (der, spki) = &seeds()[i];
        (apply(der.clone(), &edits), spki.clone())
    })
}

/// Whether `spki` (DER) is an EC public key on P-256.
fn is_p256(spki: &[u8]) -> bool {
    use x509_parser::prelude::*;
    let Ok((rest, info)) = SubjectPublicKeyInfo::from_der(spki) else { return false };
    let curve = info.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
    rest.is_empty()
        && info.algorithm.algorithm.to_id_string() == "1.2.840.10045.2.1"
        && curve.as_deref() == Some("1.2.840.10045.3.1.7")
}

/// `cases` runs; a failing input is kept in `proptest-regressions/` (commit it) and replayed first.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, source_file: Some(file!()), ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn verify_csr_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(spki) = verify_csr(&bytes) {
            prop_assert!(is_p256(&spki), "accepted a non-P-256 key");
        }
    }

    #[test]
    fn verify_csr_never_panics_on_der_shaped_bytes(
        tag in prop_oneof![Just(0x30u8), any::<u8>()],
        long_len in any::<bool>(),
        body in prop::collection::vec(any::<u8>(), 0..4000),
    ) {
        // a SEQUENCE header with a length that may or may not match, then garbage
        let mut bytes = vec![tag];
        if long_len {
            bytes.extend([0x82, u8::try_from(body.len() >> 8).unwrap_or(0xff), body.len().to_le_bytes()[0]]);
        } else {
            bytes.push(body.len().to_le_bytes()[0]);
        }
        bytes.extend(body);
        if let Ok(spki) = verify_csr(&bytes) {
            prop_assert!(is_p256(&spki));
        }
    }

    #[test]
    fn verify_csr_accepts_a_mutated_request_only_with_its_own_p256_key((der, spki) in mutated_csr()) {
        match verify_csr(&der) {
            Ok(got) => {
                // The signature still verifies: the edit touched nothing signed (or cancelled out).
                prop_assert!(is_p256(&got));
                prop_assert_eq!(got, spki, "accepted a key other than the one that signed");
            }
            Err(CsrError::Encoding | CsrError::Signature | CsrError::Key) => {}
        }
    }
}

/// Random CSR text for the server function: arbitrary text, PEM around arbitrary bytes, and PEM
/// around mutated valid requests.
fn csr_text() -> impl Strategy<Value = String> {
    let armour = |der: Vec<u8>| ::pem::encode(&::pem::Pem::new("CERTIFICATE REQUEST", der));
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..300).prop_map(String::from_iter),
        prop::collection::vec(any::<u8>(), 0..600).prop_map(armour),
        mutated_csr().prop_map(move |(der, _)| armour(der)),
        // a valid request cut inside its PEM armour
        (any::<usize>()).prop_map(|at| {
            let pem = ::pem::encode(&::pem::Pem::new("CERTIFICATE REQUEST", seeds()[0].0.clone()));
            pem[..at % pem.len()].to_owned()
        }),
    ]
}

/// What the server would make of `text` (it takes the DER from PEM, or nothing).
fn would_verify(text: &str) -> bool {
    ::pem::parse(text).is_ok_and(|p| verify_csr(p.contents()).is_ok())
}

#[test]
fn acquire_certificate_answers_random_csrs_with_422_and_keeps_the_issuance_open() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let app = rt.block_on(async {
        // Many acquisitions by one account in a minute: lift the throttle, which is not under test.
        let app = TestApp::with_settings(app::ssr::Settings {
            attempts_per_minute_per_account: 10_000,
            attempts_per_minute_per_address: 10_000,
            ..app::ssr::Settings::default()
        })
        .await;
        let cookie = app.demo_admin_cookie().await;
        assert_eq!(reissue(&app, &cookie, "test04", "0").await.status, StatusCode::OK);
        app
    });
    // Each call checks two PINs with Argon2: few cases, each a full request through the router.
    let mut runner = TestRunner::new(config(48));
    let result = runner.run(&csr_text(), |text| {
        if would_verify(&text) {
            return Ok(()); // still a valid request (the edit touched nothing signed): not this test's
        }
        let reply = rt.block_on(acquire(&app, "test04", &text));
        prop_assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}: {}", text, reply.body);
        prop_assert!(reply.body.contains(r#""field":"csr""#), "{}", reply.body);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let reply = rt.block_on(acquire(&app, "test04", &csr()));
    assert_eq!(reply.status, StatusCode::OK, "the issuance stayed open: {}", reply.body);
}

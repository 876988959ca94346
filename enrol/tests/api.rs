//! Refusals, the password rule and PEM splitting.

mod common;

use common::{TestCa, PASSWORD};
use enrol::{password_strength, EnrolError, P12Profile, PasswordStrength};

#[test]
fn certificate_for_another_key_is_refused() {
    let ca = TestCa::new();
    let key = enrol::generate_key().expect("key");
    let other = ca.issue_for_other_key();
    for profile in [P12Profile::Modern, P12Profile::Compatibility] {
        let err = key.pkcs12(&other, &ca.chain(), PASSWORD, "x", profile).expect_err("must refuse");
        assert!(matches!(err, EnrolError::KeyMismatch), "{err:?}");
    }
    // A CA certificate is someone else's key too.
    let err = key.pkcs12(&ca.root_der, &[], PASSWORD, "x", P12Profile::Modern).expect_err("refuse");
    assert!(matches!(err, EnrolError::KeyMismatch), "{err:?}");
    // The key's own certificate is accepted (so the refusal above is about the key).
    let own = ca.issue(&key.csr_der("me").expect("CSR"), 5);
    key.pkcs12(&own, &ca.chain(), PASSWORD, "x", P12Profile::Modern).expect("own certificate");
}

#[test]
fn empty_password_is_refused() {
    let ca = TestCa::new();
    let key = enrol::generate_key().expect("key");
    let cert = ca.issue(&key.csr_der("me").expect("CSR"), 6);
    for profile in [P12Profile::Modern, P12Profile::Compatibility] {
        let err = key.pkcs12(&cert, &ca.chain(), "", "x", profile).expect_err("must refuse");
        assert!(matches!(err, EnrolError::EmptyPassword), "{err:?}");
    }
}

#[test]
fn garbage_certificates_are_refused() {
    let ca = TestCa::new();
    let key = enrol::generate_key().expect("key");
    let cert = ca.issue(&key.csr_der("me").expect("CSR"), 8);
    let err = key.pkcs12(b"not DER", &[], PASSWORD, "x", P12Profile::Modern).expect_err("refuse");
    assert!(matches!(err, EnrolError::BadCertificate(_)), "{err:?}");
    let err = key.pkcs12(&cert, &[b"junk".to_vec()], PASSWORD, "x", P12Profile::Modern).expect_err("refuse");
    assert!(matches!(err, EnrolError::BadCertificate(_)), "{err:?}");
}

#[test]
fn password_strength_follows_the_documented_rule() {
    use PasswordStrength::{Fair, Strong, TooShort, Weak};
    let cases = [
        ("", TooShort),
        ("Ab1!xyz", TooShort),                 // 7 characters, 4 classes
        ("パスワード", TooShort),              // 5 characters (15 bytes)
        ("abcdefgh", Weak),                    // 8, one class
        ("abcdefg1", Weak),                    // 8, two classes
        ("abcdefghijk", Weak),                 // 11, one class
        ("abcdEFG1", Fair),                    // 8, three classes
        ("abcdefghijkl", Fair),                // 12, one class
        ("abcdefghij1!", Strong),              // 12, three classes
        ("abcdefghijklmnop", Strong),          // 16, one class
        ("銀行のパスワード12", Weak),          // 10 characters, two classes (non-ASCII, digits)
        ("銀行のパスワード1234", Fair),        // 12 characters, two classes
        ("銀行のパスワードを1234567", Strong), // 16 characters
        ("aaaaaaaaaaaaaaaaaaaa", Weak),        // long, but one distinct character
        ("abab!!!!abab!!!!", Weak),            // 16 characters, 3 distinct
    ];
    for (password, expected) in cases {
        assert_eq!(password_strength(password), expected, "{password:?}");
    }
    assert!(!TooShort.is_acceptable());
    assert!(Weak.is_acceptable() && Fair.is_acceptable() && Strong.is_acceptable());
    assert!(TooShort < Weak && Weak < Fair && Fair < Strong);
    assert_eq!(enrol::MIN_PASSWORD_CHARS, 8);
}

#[test]
fn pem_to_der_certs_splits_the_chain() {
    let ca = TestCa::new();
    // CRLF line endings, text around the blocks and a non-certificate block in between.
    let text = format!(
        "subject=CN = issuing\n{}\n\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\nBag Attributes\n{}",
        ca.intermediate_pem.replace('\n', "\r\n"),
        ca.root_pem
    );
    let certs = enrol::pem_to_der_certs(&text).expect("two certificates");
    assert_eq!(certs, [ca.intermediate_der.clone(), ca.root_der.clone()]);

    assert!(matches!(enrol::pem_to_der_certs("no PEM here"), Err(EnrolError::NoCertificate)));
    assert!(matches!(
        enrol::pem_to_der_certs("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
        Err(EnrolError::NoCertificate)
    ));
    let not_a_cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    assert!(matches!(enrol::pem_to_der_certs(not_a_cert), Err(EnrolError::BadCertificate(_))));
    let truncated = &ca.root_pem[..100];
    assert!(matches!(enrol::pem_to_der_certs(truncated), Err(EnrolError::BadCertificate(_))));
}

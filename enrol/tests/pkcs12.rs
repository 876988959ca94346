//! The PKCS#12 in both profiles, read back by OpenSSL 3 (no `-legacy`) and NSS (pk12util).

mod common;

use std::path::{Path, PathBuf};

use common::{path_str, run, run_ok, text, TestCa, PASSWORD};
use enrol::{NewKey, P12Profile};
use tempfile::TempDir;
use x509_parser::prelude::{FromDer, X509Certificate};

const PROFILES: [P12Profile; 2] = [P12Profile::Modern, P12Profile::Compatibility];
const FRIENDLY_NAME: &str = "bizdirect 山田";

struct Fixture {
    ca: TestCa,
    key: NewKey,
    cert: Vec<u8>,
    dir: TempDir,
}

impl Fixture {
    fn new() -> Self {
        let ca = TestCa::new();
        let key = enrol::generate_key().expect("key");
        let cert = ca.issue(&key.csr_der("enrol test").expect("CSR"), 1001);
        Self { ca, key, cert, dir: tempfile::tempdir().expect("temp dir") }
    }

    fn p12(&self, profile: P12Profile, password: &str) -> Vec<u8> {
        self.key.pkcs12(&self.cert, &self.ca.chain(), password, FRIENDLY_NAME, profile).expect("PKCS#12")
    }

    fn write_p12(&self, profile: P12Profile, password: &str) -> PathBuf {
        let file = self.dir.path().join(format!("{profile:?}.p12"));
        std::fs::write(&file, self.p12(profile, password)).expect("write .p12");
        file
    }
}

fn pkcs12_args<'a>(file: &'a Path, pass: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["pkcs12", "-in", path_str(file), "-passin", pass];
    args.extend_from_slice(extra);
    args
}

#[test]
fn openssl3_reads_both_profiles_without_legacy_provider() {
    let fx = Fixture::new();
    let pass = format!("pass:{PASSWORD}");
    for profile in PROFILES {
        let file = fx.write_p12(profile, PASSWORD);
        run_ok("openssl", &pkcs12_args(&file, &pass, &["-info", "-noout"]));
        let wrong = run("openssl", &pkcs12_args(&file, "pass:wrong password", &["-info", "-noout"]));
        assert!(!wrong.status.success(), "{profile:?}: wrong password accepted: {}", text(&wrong));

        // Everything comes out: the key and the three certificates, byte for byte.
        let all = run_ok("openssl", &pkcs12_args(&file, &pass, &["-nodes"]));
        assert!(all.contains("-----BEGIN PRIVATE KEY-----"), "{profile:?}: no key in\n{all}");
        let mut certs = enrol::pem_to_der_certs(&all).expect("certificates in the output");
        let mut expected = vec![fx.cert.clone(), fx.ca.intermediate_der.clone(), fx.ca.root_der.clone()];
        certs.sort();
        expected.sort();
        assert_eq!(certs, expected, "{profile:?}: certificates");
        let leaf = run_ok("openssl", &pkcs12_args(&file, &pass, &["-nokeys", "-clcerts"]));
        assert_eq!(
            enrol::pem_to_der_certs(&leaf).expect("leaf"),
            std::slice::from_ref(&fx.cert),
            "{profile:?}"
        );

        // The extracted private key belongs to the certificate (public keys compared by OpenSSL's
        // derivation from the key and x509-parser's reading of the certificate).
        let key_pem = fx.dir.path().join(format!("{profile:?}.key.pem"));
        run_ok("openssl", &pkcs12_args(&file, &pass, &["-nodes", "-nocerts", "-out", path_str(&key_pem)]));
        let public_der = run("openssl", &["pkey", "-in", path_str(&key_pem), "-pubout", "-outform", "DER"]);
        assert!(public_der.status.success(), "{}", text(&public_der));
        let (_, cert) = X509Certificate::from_der(&fx.cert).expect("leaf cert");
        assert_eq!(public_der.stdout, cert.public_key().raw, "{profile:?}: key does not match the cert");
    }
}

/// The profiles really use the algorithms they promise, as OpenSSL reports them, and no RC2.
#[test]
fn profiles_use_the_promised_algorithms() {
    let fx = Fixture::new();
    let pass = format!("pass:{PASSWORD}");
    let info = |profile| {
        let file = fx.write_p12(profile, PASSWORD);
        run_ok("openssl", &pkcs12_args(&file, &pass, &["-info", "-noout"]))
    };

    let modern = info(P12Profile::Modern);
    for line in [
        "MAC: sha256, Iteration 10000",
        "MAC length: 32, salt length: 8",
        "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256",
        "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256",
    ] {
        assert!(modern.lines().any(|l| l.trim() == line), "Modern: no line {line:?} in\n{modern}");
    }

    let compat = info(P12Profile::Compatibility);
    for line in [
        "MAC: sha1, Iteration 10000",
        "MAC length: 20, salt length: 8",
        "PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 10000",
        "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 10000",
    ] {
        assert!(compat.lines().any(|l| l.trim() == line), "Compatibility: no line {line:?} in\n{compat}");
    }

    for (name, out) in [("Modern", &modern), ("Compatibility", &compat)] {
        assert!(!out.to_ascii_lowercase().contains("rc2"), "{name}: RC2 in\n{out}");
        // One encrypted certificate safe and one shrouded key bag, nothing in clear.
        assert_eq!(out.matches("PKCS7 Encrypted data:").count(), 1, "{name}:\n{out}");
        assert_eq!(out.matches("Shrouded Keybag:").count(), 1, "{name}:\n{out}");
        assert_eq!(out.matches("Certificate bag").count(), 3, "{name}:\n{out}");
    }
    assert!(!compat.contains("PBES2") && !compat.contains("AES"), "Compatibility:\n{compat}");
    assert!(!modern.contains("TripleDES") && !modern.contains("sha1"), "Modern:\n{modern}");
}

#[test]
fn nss_pk12util_imports_both_profiles() {
    let fx = Fixture::new();
    for profile in PROFILES {
        let file = fx.write_p12(profile, PASSWORD);
        let db_dir = fx.dir.path().join(format!("nss-{profile:?}"));
        std::fs::create_dir(&db_dir).expect("NSS dir");
        let db = format!("sql:{}", path_str(&db_dir));
        run_ok("certutil", &["-N", "-d", &db, "--empty-password"]);

        let wrong = run("pk12util", &["-i", path_str(&file), "-d", &db, "-W", "wrong password"]);
        assert!(!wrong.status.success(), "{profile:?}: NSS took a wrong password: {}", text(&wrong));

        run_ok("pk12util", &["-i", path_str(&file), "-d", &db, "-W", PASSWORD]);
        let certs = run_ok("certutil", &["-L", "-d", &db]);
        // The user certificate carries u,u,u: NSS paired it with the imported private key.
        let user: Vec<&str> = certs.lines().filter(|l| l.trim_end().ends_with("u,u,u")).collect();
        assert_eq!(user.len(), 1, "{profile:?}: one user certificate expected in\n{certs}");
        assert!(certs.contains("enrol test issuing CA"), "{profile:?}: chain missing in\n{certs}");
        assert!(certs.contains("enrol test root CA"), "{profile:?}: chain missing in\n{certs}");
        let keys = run_ok("certutil", &["-K", "-d", &db]);
        assert_eq!(keys.matches("ec ").count(), 1, "{profile:?}: one EC key expected in\n{keys}");
    }
}

/// Japanese users may choose a Japanese password: OpenSSL (which converts it from UTF-8 to the
/// BMPString of the PKCS#12 KDF) must open both profiles with it.
#[test]
fn non_ascii_password_works_with_openssl() {
    let fx = Fixture::new();
    let password = "パスワードは長いほど良い2026";
    let pass = format!("pass:{password}");
    for profile in PROFILES {
        let file = fx.write_p12(profile, password);
        let all = run_ok("openssl", &pkcs12_args(&file, &pass, &["-nodes"]));
        assert!(all.contains("-----BEGIN PRIVATE KEY-----"), "{profile:?}:\n{all}");
    }
}

/// Not a benchmark (no assertion on time): shows the cost natively, for comparison with the
/// browser. Run with `--nocapture` to see it.
#[test]
fn timing_of_key_csr_and_pkcs12() {
    let ca = TestCa::new();
    for profile in PROFILES {
        let start = std::time::Instant::now();
        let key = enrol::generate_key().expect("key");
        let csr = key.csr_der("timing").expect("CSR");
        let keygen_csr = start.elapsed();
        let cert = ca.issue(&csr, 7);
        let start = std::time::Instant::now();
        let p12 = key.pkcs12(&cert, &ca.chain(), PASSWORD, "timing", profile).expect("PKCS#12");
        println!("{profile:?}: key+CSR {keygen_csr:?}, PKCS#12 {:?} ({} bytes)", start.elapsed(), p12.len());
    }
}

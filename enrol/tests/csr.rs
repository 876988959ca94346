//! The CSR, checked by independent implementations: rcgen/x509-parser (ring) and OpenSSL.

mod common;

use common::{path_str, run, run_ok, text};
use x509_parser::prelude::{FromDer, X509CertificationRequest};

const CN: &str = "山田 太郎 <taro@example.co.jp>, 営業部";
const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const PRIME256V1: &str = "1.2.840.10045.3.1.7";

#[test]
fn csr_parses_and_verifies_with_rcgen_and_x509_parser() {
    let key = enrol::generate_key().expect("key");
    let der = key.csr_der(CN).expect("CSR");

    rcgen::CertificateSigningRequestParams::from_der(&der.clone().into())
        .expect("rcgen verifies the proof of possession");

    let (rest, csr) = X509CertificationRequest::from_der(&der).expect("x509-parser parses the CSR");
    assert!(rest.is_empty(), "trailing bytes after the CSR");
    csr.verify_signature().expect("x509-parser verifies the signature");
    assert_eq!(csr.signature_algorithm.algorithm.to_id_string(), ECDSA_WITH_SHA256);
    let info = &csr.certification_request_info;
    let spki = &info.subject_pki;
    assert_eq!(spki.algorithm.algorithm.to_id_string(), EC_PUBLIC_KEY);
    let curve = spki.algorithm.parameters.as_ref().expect("curve parameter").as_oid().expect("OID");
    assert_eq!(curve.to_id_string(), PRIME256V1);
    assert_eq!(spki.subject_public_key.data.len(), 65, "uncompressed P-256 point");
    let cns: Vec<&str> =
        info.subject.iter_common_name().map(|cn| cn.as_str().expect("UTF8String CN")).collect();
    assert_eq!(cns, [CN]);
    // No attributes at all (in particular no empty extensionRequest).
    assert!(info.attributes().is_empty(), "{:?}", info.attributes());
}

#[test]
fn csr_pem_verifies_with_openssl() {
    let key = enrol::generate_key().expect("key");
    let pem = key.csr_pem(CN).expect("CSR PEM");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"), "{pem}");
    assert!(pem.trim_end().ends_with("-----END CERTIFICATE REQUEST-----"), "{pem}");
    rcgen::CertificateSigningRequestParams::from_pem(&pem).expect("rcgen reads the PEM");

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("req.pem");
    std::fs::write(&file, &pem).expect("write CSR");
    let out = run_ok(
        "openssl",
        &["req", "-in", path_str(&file), "-noout", "-verify", "-subject", "-nameopt", "utf8"],
    );
    // The exit status alone proves nothing (OpenSSL 3.0 exits 0 on a bad signature too).
    assert!(out.contains("verify OK") && !out.contains("failure"), "{out}");
    assert!(out.contains("山田 太郎"), "subject as OpenSSL prints it: {out}");
}

/// The checks above can fail: a request whose signed part was changed is refused by both.
#[test]
fn tampered_csr_is_refused_by_rcgen_and_openssl() {
    let key = enrol::generate_key().expect("key");
    let mut der = key.csr_der("tamper me").expect("CSR");
    let at = der.windows(9).position(|w| w == b"tamper me").expect("CN in the DER");
    der[at] = b'T';
    assert!(rcgen::CertificateSigningRequestParams::from_der(&der.clone().into()).is_err());

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("req.der");
    std::fs::write(&file, &der).expect("write CSR");
    // OpenSSL 3.0 `req -verify` exits 0 even when the signature is bad: read what it says.
    let out = run("openssl", &["req", "-in", path_str(&file), "-inform", "DER", "-noout", "-verify"]);
    let said = text(&out);
    assert!(!said.contains("verify OK"), "OpenSSL accepted a tampered CSR: {said}");
    assert!(!out.status.success() || said.contains("verify failure"), "{said}");
}

#[test]
fn each_key_signs_its_own_csr() {
    let (a, b) = (enrol::generate_key().expect("key"), enrol::generate_key().expect("key"));
    let public_key = |der: &[u8]| {
        let (_, csr) = X509CertificationRequest::from_der(der).expect("CSR");
        csr.certification_request_info.subject_pki.subject_public_key.data.to_vec()
    };
    let a1 = public_key(&a.csr_der("a").expect("CSR"));
    assert_eq!(a1, public_key(&a.csr_der("a, again").expect("CSR")));
    assert_ne!(a1, public_key(&b.csr_der("b").expect("CSR")));
}

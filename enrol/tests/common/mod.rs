//! Shared by the integration tests: a throwaway two-level CA made with rcgen (and ring, an
//! implementation independent of the crate's RustCrypto stack), and running external tools.
#![allow(dead_code)] // each test file uses a part of this module

use std::path::Path;
use std::process::{Command, Output};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DnType, ExtendedKeyUsagePurpose,
    IsCa, Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
};

pub const PASSWORD: &str = "Correct horse 2026!";
pub const LEAF_CN: &str = "山田 太郎, Example株式会社";

/// Root and intermediate CA; the intermediate issues the end-entity certificates.
pub struct TestCa {
    pub root_der: Vec<u8>,
    pub root_pem: String,
    pub intermediate_der: Vec<u8>,
    pub intermediate_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

impl TestCa {
    pub fn new() -> Self {
        let root_key = KeyPair::generate().expect("root key");
        let mut root_params = ca_params("enrol test root CA");
        root_params.serial_number = Some(SerialNumber::from(1u64));
        let root_cert = root_params.self_signed(&root_key).expect("root cert");
        let root = Issuer::new(root_params, root_key);

        let key = KeyPair::generate().expect("intermediate key");
        let mut params = ca_params("enrol test issuing CA");
        params.serial_number = Some(SerialNumber::from(2u64));
        let intermediate = params.signed_by(&key, &root).expect("intermediate");
        Self {
            root_der: root_cert.der().to_vec(),
            root_pem: root_cert.pem(),
            intermediate_der: intermediate.der().to_vec(),
            intermediate_pem: intermediate.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// The chain as `NewKey::pkcs12` takes it: issuer first, root last.
    pub fn chain(&self) -> Vec<Vec<u8>> {
        vec![self.intermediate_der.clone(), self.root_der.clone()]
    }

    /// Issues a client certificate the way the server does: check the CSR (rcgen verifies its
    /// signature), then sign only its public key into our own parameters.
    pub fn issue(&self, csr_der: &[u8], serial: u64) -> Vec<u8> {
        let csr = CertificateSigningRequestParams::from_der(&csr_der.to_vec().into())
            .expect("rcgen accepts the CSR");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("leaf params");
        params.distinguished_name.push(DnType::CommonName, LEAF_CN);
        params.serial_number = Some(SerialNumber::from(serial));
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.signed_by(&csr.public_key, &self.issuer).expect("leaf cert").der().to_vec()
    }

    /// A certificate from this CA for some other key.
    pub fn issue_for_other_key(&self) -> Vec<u8> {
        let other = KeyPair::generate().expect("other key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, "someone else");
        params.signed_by(&other, &self.issuer).expect("cert").der().to_vec()
    }
}

/// Runs a tool; a missing tool fails the test (scripts/setup.sh installs openssl and
/// libnss3-tools).
pub fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (is it installed?): {e}"))
}

/// Runs a tool and requires success; returns stdout followed by stderr.
pub fn run_ok(program: &str, args: &[&str]) -> String {
    let out = run(program, args);
    let text = text(&out);
    assert!(out.status.success(), "{program} {args:?} failed ({}):\n{text}", out.status);
    text
}

pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

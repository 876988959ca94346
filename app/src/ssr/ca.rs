//! The certificate authority: the only module that holds or uses a private key on the server.
//!
//! On first start it creates, in `<data>/ca/`, a P-256 issuing CA (`ca.crt`, `ca.key` readable by
//! the owner only) and reuses it afterwards. It also issues the HTTPS server certificate for
//! `localhost`/`127.0.0.1`/`::1` (`<data>/tls/`), renewed on start when it nears expiry.
//! Private keys never appear in logs: they live in [`PrivateKeyPem`] / rcgen's `KeyPair`, which
//! have no `Serialize` and whose `Debug` prints no key material.

use super::secret::PrivateKeyPem;
use rand::RngCore;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose, SanType, SerialNumber, PKCS_ECDSA_P256_SHA256,
};
use std::fs;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

/// Lifetime of the embedded CA certificate.
const CA_VALIDITY_DAYS: i64 = 10 * 365;
/// Lifetime of the HTTPS server certificate; it is renewed at start when fewer than
/// [`TLS_RENEW_BEFORE_DAYS`] remain.
const TLS_VALIDITY_DAYS: i64 = 365;
const TLS_RENEW_BEFORE_DAYS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("certificate: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("{0}: the CA certificate exists but its key does not (or the other way round); restore both files or remove both")]
    HalfPresent(PathBuf),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> CaError + '_ {
    move |source| CaError::Io { path: path.to_owned(), source }
}

/// A random positive serial of 128 bits (never derived from the key, so never repeated).
pub fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x40; // positive, and exactly 16 bytes in DER
    SerialNumber::from_slice(&bytes)
}

/// Writes a file readable by the owner only, atomically (temporary file, then rename).
fn write_private(path: &Path, contents: &[u8]) -> Result<(), CaError> {
    write_file(path, contents, 0o600)
}

fn write_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), CaError> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io_err(&tmp))?;
    f.write_all(contents).map_err(io_err(&tmp))?;
    f.sync_all().map_err(io_err(&tmp))?;
    fs::rename(&tmp, path).map_err(io_err(path))
}

/// Creates a directory (and parents) that only the owner can enter.
pub fn private_dir(path: &Path) -> Result<(), CaError> {
    use std::os::unix::fs::DirBuilderExt;
    if !path.exists() {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(path).map_err(io_err(path))?;
    }
    Ok(())
}

pub struct CertificateAuthority {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
    cert_path: PathBuf,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority").field("cert_path", &self.cert_path).finish_non_exhaustive()
    }
}

impl CertificateAuthority {
    /// Loads the CA from `dir` (`ca.crt`, `ca.key`), creating it on first start.
    /// Returns the CA and whether it was created now.
    pub fn load_or_create(dir: &Path, now: OffsetDateTime) -> Result<(Self, bool), CaError> {
        private_dir(dir)?;
        let cert_path = dir.join("ca.crt");
        let key_path = dir.join("ca.key");
        match (cert_path.exists(), key_path.exists()) {
            (true, true) => {
                let cert_pem = fs::read_to_string(&cert_path).map_err(io_err(&cert_path))?;
                let key = PrivateKeyPem::new(fs::read_to_string(&key_path).map_err(io_err(&key_path))?);
                let key = KeyPair::from_pem(key.expose())?;
                let issuer = Issuer::from_ca_cert_pem(&cert_pem, key)?;
                Ok((Self { issuer, cert_pem, cert_path }, false))
            }
            (false, false) => {
                let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
                let mut params = CertificateParams::default();
                let mut dn = DistinguishedName::new();
                dn.push(DnType::CountryName, "JP");
                dn.push(DnType::OrganizationName, "bizdirect");
                dn.push(DnType::CommonName, "bizdirect Issuing CA");
                params.distinguished_name = dn;
                params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
                params.key_usages = vec![
                    KeyUsagePurpose::KeyCertSign,
                    KeyUsagePurpose::CrlSign,
                    KeyUsagePurpose::DigitalSignature,
                ];
                params.serial_number = Some(random_serial());
                params.not_before = now - Duration::minutes(5);
                params.not_after = now + Duration::days(CA_VALIDITY_DAYS);
                let cert = params.self_signed(&key)?;
                // key first: a crash between the two writes leaves a state we refuse loudly
                write_private(&key_path, key.serialize_pem().as_bytes())?;
                write_file(&cert_path, cert.pem().as_bytes(), 0o644)?;
                let cert_pem = cert.pem();
                let issuer = Issuer::new(params, key);
                Ok((Self { issuer, cert_pem, cert_path }, true))
            }
            (true, false) | (false, true) => Err(CaError::HalfPresent(dir.to_owned())),
        }
    }

    /// Path of the CA certificate (what a browser or `openssl verify` should trust).
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Issues an HTTPS server certificate for the loopback names. Returns `(chain PEM, key)`,
    /// the chain being leaf then CA.
    fn issue_tls_server(&self, now: OffsetDateTime) -> Result<(String, PrivateKeyPem), CaError> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, "bizdirect");
        dn.push(DnType::CommonName, "localhost");
        params.distinguished_name = dn;
        params.subject_alt_names = vec![
            SanType::DnsName("localhost".try_into()?),
            SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        ];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.serial_number = Some(random_serial());
        params.not_before = now - Duration::minutes(5);
        params.not_after = now + Duration::days(TLS_VALIDITY_DAYS);
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((format!("{}{}", cert.pem(), self.cert_pem), PrivateKeyPem::new(key.serialize_pem())))
    }

    /// The HTTPS certificate chain and key in `dir` (`server.crt`, `server.key`), issued now if
    /// missing, unreadable, or within 30 days of expiry.
    pub fn load_or_issue_tls(
        &self,
        dir: &Path,
        now: OffsetDateTime,
    ) -> Result<(String, PrivateKeyPem), CaError> {
        private_dir(dir)?;
        let cert_path = dir.join("server.crt");
        let key_path = dir.join("server.key");
        if let (Ok(chain), Ok(key)) = (fs::read_to_string(&cert_path), fs::read_to_string(&key_path)) {
            let still_good = leaf_not_after(&chain).is_some_and(|not_after| {
                not_after > (now + Duration::days(TLS_RENEW_BEFORE_DAYS)).unix_timestamp()
            });
            if still_good {
                return Ok((chain, PrivateKeyPem::new(key)));
            }
        }
        let (chain, key) = self.issue_tls_server(now)?;
        write_private(&key_path, key.expose().as_bytes())?;
        write_file(&cert_path, chain.as_bytes(), 0o644)?;
        Ok((chain, key))
    }
}

/// `notAfter` (unix seconds) of the first certificate in a PEM chain.
fn leaf_not_after(chain_pem: &str) -> Option<i64> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(chain_pem.as_bytes()).ok()?;
    let cert = pem.parse_x509().ok()?;
    Some(cert.validity().not_after.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_random_positive_and_16_bytes() {
        let a = random_serial().to_bytes();
        let b = random_serial().to_bytes();
        assert_eq!(a.len(), 16);
        assert!(a[0] & 0x80 == 0 && a[0] & 0x40 != 0);
        assert_ne!(a, b);
    }

    #[test]
    fn created_once_then_reused_with_private_key_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("bizdirect-ca-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let now = OffsetDateTime::now_utc();
        let (ca, created) = CertificateAuthority::load_or_create(&dir.join("ca"), now).expect("create");
        assert!(created);
        let mode = fs::metadata(dir.join("ca/ca.key")).expect("key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let (again, created) = CertificateAuthority::load_or_create(&dir.join("ca"), now).expect("load");
        assert!(!created);
        assert_eq!(ca.cert_pem(), again.cert_pem());
        let (chain1, _) = again.load_or_issue_tls(&dir.join("tls"), now).expect("tls");
        let (chain2, _) = again.load_or_issue_tls(&dir.join("tls"), now).expect("tls again");
        assert_eq!(chain1, chain2, "a valid TLS certificate is reused");
        assert!(chain1.ends_with(ca.cert_pem()));
        fs::remove_file(dir.join("ca/ca.key")).expect("rm");
        assert!(matches!(
            CertificateAuthority::load_or_create(&dir.join("ca"), now),
            Err(CaError::HalfPresent(_))
        ));
        let _ = fs::remove_dir_all(&dir);
    }
}

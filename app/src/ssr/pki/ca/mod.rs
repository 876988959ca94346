//! The certificate authority: the only module that holds or uses a private key on the server
//! (the key at rest and in use is [`key`]; key-free parsing is [`super::x509`]).
//!
//! On first start it creates, in `<data>/ca/`, a P-256 issuing CA (`ca.crt`, `ca.key` readable by
//! the owner only) and reuses it afterwards. It signs users' client certificates, the CRL and OCSP
//! responses, and nothing else: the default HTTPS certificate comes from a separate issuer with
//! its own key ([`tls_issuer`]), never from this CA, which no browser is asked to trust.
//! Private keys never appear in logs: they live in [`crate::ssr::secret::PrivateKeyPem`] / rcgen's `KeyPair`, which
//! have no `Serialize` and whose `Debug` prints no key material.
//!
//! At rest (OWASP ASVS V6), `ca.key` is a PKCS#8 file that group and others can neither read nor
//! write: a looser mode refuses the start, as does a CA folder of ours that others can enter.
//! With a passphrase (`--ca-key-passphrase-env`) the file is an encrypted PKCS#8
//! (`ENCRYPTED PRIVATE KEY`, PBES2: scrypt then AES-256-CBC), which `openssl pkey -passin` reads
//! too. Decrypted key bytes live only in zeroizing buffers, and no error message carries them.
//!
//! With `--ca-pkcs11-module` the key is in a PKCS#11 token instead ([`CaKey::Token`], see
//! [`super::pkcs11`]): there is no `ca.key`, only `ca.crt` (made by `server ca hsm-init`), and every
//! signature — certificates, CRLs, OCSP responses — is made by the token.

pub mod key;
pub mod tls_issuer;

pub use key::{private_dir, CaKey};

use super::pkcs11::{KeyProtection, TokenError, TokenKey};
use super::reason;
use super::x509::random_serial;
use crate::ssr::secret::CaKeyPassphrase;
use key::{
    check_owner_only, decrypt_pkcs8, encrypt_pkcs8, is_encrypted_pem, key_file_contents, read_key,
    write_file, write_private,
};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    CrlIssuingDistributionPoint, CustomExtension, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, PublicKeyData,
    RevocationReason, RevokedCertParams, SerialNumber, SigningKey, SubjectPublicKeyInfo,
    PKCS_ECDSA_P256_SHA256,
};
use std::fs;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

/// Lifetime of the embedded CA certificate.
const CA_VALIDITY_DAYS: i64 = 10 * 365;

#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("certificate: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("{0}: the CA certificate exists but its key does not (or the other way round); restore both files or remove both")]
    HalfPresent(PathBuf),
    #[error("{0}: no CA here (ca.crt and ca.key); a CA given by path is never created")]
    Missing(PathBuf),
    /// `ca.key` (or our CA folder) is open to group or others: refused before it is read.
    #[error(
        "{path} has mode {mode:04o}: {what} must be accessible by its owner only; fix it with \
         `chmod {fix:o} {path}`"
    )]
    Permissions { path: PathBuf, mode: u32, what: &'static str, fix: u32 },
    #[error(
        "{0} is encrypted: give its passphrase with --ca-key-passphrase-env VAR, VAR being an \
         environment variable that holds it"
    )]
    KeyEncrypted(PathBuf),
    #[error(
        "{0} is not encrypted, but a passphrase was given (--ca-key-passphrase-env): encrypt it \
         first with `server ca encrypt-key --ca-key-passphrase-env VAR` (same --data-dir / \
         --ca-dir), or start without the option"
    )]
    KeyNotEncrypted(PathBuf),
    #[error("{0}: the passphrase does not decrypt this key (wrong passphrase, or a damaged file)")]
    WrongPassphrase(PathBuf),
    #[error("{0} is already encrypted")]
    AlreadyEncrypted(PathBuf),
    /// The encrypted file's structure, or encryption itself (never key material).
    #[error("{path}: encrypted PKCS#8: {reason}")]
    Pkcs8 { path: PathBuf, reason: String },
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(
        "{0}: a CA key file is here, but the CA key is configured in a PKCS#11 token; move the file \
         away (the token's key is the CA key) or start without the --ca-pkcs11-* options"
    )]
    KeyFileWithToken(PathBuf),
    #[error("{0}: no CA certificate (ca.crt) for the token's key; make it with `server ca hsm-init`")]
    NoTokenCertificate(PathBuf),
    #[error("{0}: a CA is already here; `server ca hsm-init` never replaces one")]
    CaExists(PathBuf),
    #[error("{0}: the token's key (label {1:?}) is not the key of this CA certificate")]
    TokenKeyMismatch(PathBuf, String),
    #[error("{0}: not a regular file")]
    NotAFile(PathBuf),
    #[error("authorityInfoAccess: {0}")]
    Der(String),
    #[error(
        "{0}: the TLS issuer's certificate exists but its key does not (or the other way round); \
         restore both files (issuer.crt, issuer.key) or remove both to make a new issuer"
    )]
    HalfPresentIssuer(PathBuf),
    /// A public URL whose host cannot be named in the HTTPS certificate.
    #[error("{0}: no host name or address that a certificate can name")]
    HostName(String),
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> CaError + '_ {
    move |source| CaError::Io { path: path.to_owned(), source }
}

/// `C=JP`: countryName must be a PrintableString (RFC 5280 / X.520), not rcgen's UTF8String default.
fn country_jp() -> Result<DnValue, CaError> {
    Ok(DnValue::PrintableString(rcgen::string::PrintableString::try_from("JP")?))
}

/// id-at-title (X.520): the holder's role, in every client certificate's subject. The
/// administrator's subject and a user's therefore differ whatever ID the user was registered with
/// (`admin` included), for a relying party that reads the subject as much as for us.
const OID_TITLE: [u64; 4] = [2, 5, 4, 12];
const TITLE_ADMIN: &str = "管理者";
const TITLE_USER: &str = "利用者";

/// A CRL's number, its thisUpdate / nextUpdate, and the URL it is published at (its
/// issuingDistributionPoint: it covers the certificates that name that URL).
#[derive(Debug, Clone, Copy)]
pub struct CrlIssue<'a> {
    pub number: u64,
    pub this_update: OffsetDateTime,
    pub next_update: OffsetDateTime,
    pub url: &'a str,
}

/// Who a client certificate is for, and for how long.
#[derive(Debug, Clone)]
pub struct ClientProfile<'a> {
    pub corporation_name: &'a str,
    pub contract_id: &'a str,
    /// 利用者ID; `None` for the corporation's administrator.
    pub user_id: Option<&'a str>,
    pub serial: &'a [u8],
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub crl_url: &'a str,
    /// The OCSP responder (authorityInfoAccess, id-ad-ocsp).
    pub ocsp_url: &'a str,
}

/// A revoked certificate as the CRL lists it.
#[derive(Debug, Clone)]
pub struct Revoked {
    pub serial: Vec<u8>,
    pub at: OffsetDateTime,
    /// RFC 5280 CRLReason code.
    pub reason: u8,
    /// The certificate's notAfter (Unix seconds), which decides when it leaves the CRL; not
    /// part of the entry.
    pub not_after: Option<i64>,
    /// The CRL partition that lists it (`pki::crl::partition_of`).
    pub partition: i64,
}

fn revocation_reason(code: u8) -> RevocationReason {
    match code {
        reason::KEY_COMPROMISE => RevocationReason::KeyCompromise,
        reason::AFFILIATION_CHANGED => RevocationReason::AffiliationChanged,
        reason::SUPERSEDED => RevocationReason::Superseded,
        reason::CESSATION_OF_OPERATION => RevocationReason::CessationOfOperation,
        reason::PRIVILEGE_WITHDRAWN => RevocationReason::PrivilegeWithdrawn,
        _ => RevocationReason::Unspecified,
    }
}

/// What is read of the CA certificate once, when the CA is opened (not per issuance).
#[derive(Debug, Clone, Default)]
pub struct CaIdentity {
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// Its subject as shown to people (発行者), e.g. `CN=bizdirect Issuing CA, O=bizdirect, C=JP`.
    pub subject: String,
    /// The DER of its subject name and the bytes of its subjectPublicKey: what an OCSP CertID
    /// and a ResponderID byKey hash.
    pub subject_der: Vec<u8>,
    pub public_key: Vec<u8>,
}

fn identity_of(cert_pem: &str) -> Result<CaIdentity, CaError> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes())
        .map_err(|_| rcgen::Error::CouldNotParseCertificate)?;
    let cert = pem.parse_x509().map_err(|_| rcgen::Error::CouldNotParseCertificate)?;
    Ok(CaIdentity {
        cert_der: pem.contents.clone(),
        subject: cert.subject().to_string(),
        subject_der: cert.tbs_certificate.subject.as_raw().to_vec(),
        public_key: cert.public_key().subject_public_key.data.to_vec(),
    })
}

/// The CA certificate's profile: C=JP, O=bizdirect, CN=bizdirect Issuing CA; a CA for end
/// entities only (pathLen 0), keyCertSign + cRLSign + digitalSignature (OCSP responses).
fn ca_params(now: OffsetDateTime) -> Result<CertificateParams, CaError> {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, country_jp()?);
    dn.push(DnType::OrganizationName, "bizdirect");
    dn.push(DnType::CommonName, "bizdirect Issuing CA");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params.serial_number = Some(random_serial());
    params.not_before = now - Duration::minutes(5);
    params.not_after = now + Duration::days(CA_VALIDITY_DAYS);
    Ok(params)
}

/// id-pe-authorityInfoAccess with one id-ad-ocsp access description (RFC 5280 4.2.2.1).
fn authority_info_access(ocsp_url: &str) -> Result<CustomExtension, CaError> {
    use der::Encode;
    use x509_cert::ext::pkix::{name::GeneralName, AccessDescription, AuthorityInfoAccessSyntax};
    const ID_AD_OCSP: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
    const ID_PE_AUTHORITY_INFO_ACCESS: [u64; 9] = [1, 3, 6, 1, 5, 5, 7, 1, 1];
    let url = der::asn1::Ia5String::new(ocsp_url).map_err(|e| CaError::Der(e.to_string()))?;
    let aia = AuthorityInfoAccessSyntax(vec![AccessDescription {
        access_method: ID_AD_OCSP,
        access_location: GeneralName::UniformResourceIdentifier(url),
    }]);
    let content = aia.to_der().map_err(|e| CaError::Der(e.to_string()))?;
    Ok(CustomExtension::from_oid_content(&ID_PE_AUTHORITY_INFO_ACCESS, content))
}

pub struct CertificateAuthority {
    issuer: Issuer<'static, CaKey>,
    cert_pem: String,
    cert_path: PathBuf,
    identity: CaIdentity,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority").field("cert_path", &self.cert_path).finish_non_exhaustive()
    }
}

impl CertificateAuthority {
    /// Loads the CA from `dir` (`ca.crt`, `ca.key`), creating it on first start; `dir` is ours
    /// (the data folder's `ca/`), so it too must be closed to group and others.
    /// With `passphrase`, a new key is written encrypted and an existing one must be.
    /// Returns the CA and whether it was created now.
    pub fn load_or_create(
        dir: &Path,
        now: OffsetDateTime,
        passphrase: Option<&CaKeyPassphrase>,
    ) -> Result<(Self, bool), CaError> {
        private_dir(dir)?;
        check_owner_only(dir, "the CA folder", 0o700)?;
        let cert_path = dir.join("ca.crt");
        let key_path = dir.join("ca.key");
        match (cert_path.exists(), key_path.exists()) {
            (true, true) => Ok((Self::read(dir, passphrase)?, false)),
            (false, false) => {
                let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
                let params = ca_params(now)?;
                let cert = params.self_signed(&key)?;
                // key first: a crash between the two writes leaves a state we refuse loudly
                write_private(&key_path, key_file_contents(&key, passphrase, &key_path)?.as_bytes())?;
                write_file(&cert_path, cert.pem().as_bytes(), 0o644)?;
                let cert_pem = cert.pem();
                let identity = identity_of(&cert_pem)?;
                let issuer = Issuer::new(params, CaKey::File(Box::new(key)));
                Ok((Self { issuer, cert_pem, cert_path, identity }, true))
            }
            (true, false) | (false, true) => Err(CaError::HalfPresent(dir.to_owned())),
        }
    }

    /// Loads an existing CA from `dir` (production: `--ca-dir`); never creates one. The folder is
    /// the operator's to lay out; the key file itself must still be closed to group and others.
    pub fn load(dir: &Path, passphrase: Option<&CaKeyPassphrase>) -> Result<Self, CaError> {
        match (dir.join("ca.crt").exists(), dir.join("ca.key").exists()) {
            (true, true) => Self::read(dir, passphrase),
            (false, false) => Err(CaError::Missing(dir.to_owned())),
            (true, false) | (false, true) => Err(CaError::HalfPresent(dir.to_owned())),
        }
    }

    /// Reads an existing `ca.crt` and `ca.key` (after the key's mode check).
    fn read(dir: &Path, passphrase: Option<&CaKeyPassphrase>) -> Result<Self, CaError> {
        let cert_path = dir.join("ca.crt");
        let key = read_key(&dir.join("ca.key"), "the CA private key", passphrase)?;
        let cert_pem = fs::read_to_string(&cert_path).map_err(io_err(&cert_path))?;
        let identity = identity_of(&cert_pem)?;
        let issuer = Issuer::from_ca_cert_pem(&cert_pem, CaKey::File(Box::new(key)))?;
        Ok(Self { issuer, cert_pem, cert_path, identity })
    }

    /// The CA whose key is `token`'s (the HSM mode): `ca.crt` is read from `dir` and must hold
    /// the token key's public key; a `ca.key` file there is refused (the key must exist in the
    /// token only).
    pub fn open_with_token(dir: &Path, token: TokenKey) -> Result<Self, CaError> {
        let cert_path = dir.join("ca.crt");
        if dir.join("ca.key").exists() {
            return Err(CaError::KeyFileWithToken(dir.join("ca.key")));
        }
        if !cert_path.exists() {
            return Err(CaError::NoTokenCertificate(dir.to_owned()));
        }
        let cert_pem = fs::read_to_string(&cert_path).map_err(io_err(&cert_path))?;
        let identity = identity_of(&cert_pem)?;
        if identity.public_key != token.public_point() {
            return Err(CaError::TokenKeyMismatch(cert_path, token.label().to_owned()));
        }
        let issuer = Issuer::from_ca_cert_pem(&cert_pem, CaKey::Token(token))?;
        Ok(Self { issuer, cert_pem, cert_path, identity })
    }

    /// `server ca hsm-init`: the self-signed CA certificate for a key just generated in the token
    /// (signed by the token), written as `dir/ca.crt`. Refuses a folder that holds a CA already.
    pub fn create_with_token(dir: &Path, token: TokenKey, now: OffsetDateTime) -> Result<Self, CaError> {
        private_dir(dir)?;
        let cert_path = dir.join("ca.crt");
        if cert_path.exists() || dir.join("ca.key").exists() {
            return Err(CaError::CaExists(dir.to_owned()));
        }
        let key = CaKey::Token(token);
        let params = ca_params(now)?;
        let cert = params.self_signed(&key)?;
        write_file(&cert_path, cert.pem().as_bytes(), 0o644)?;
        let cert_pem = cert.pem();
        let identity = identity_of(&cert_pem)?;
        Ok(Self { issuer: Issuer::new(params, key), cert_pem, cert_path, identity })
    }

    /// How the token protects the CA key (`None`: the key is a file).
    pub fn token_protection(&self) -> Option<Result<KeyProtection, TokenError>> {
        match self.issuer.key() {
            CaKey::File(_) => None,
            CaKey::Token(key) => Some(key.protection()),
        }
    }

    /// The CA certificate's subject (DER) and public key, for OCSP.
    pub fn identity(&self) -> &CaIdentity {
        &self.identity
    }

    /// Signs a fixed message with the CA key (file or token): whether the key signs now (the
    /// operations listener's readiness).
    pub fn sign_probe(&self) -> Result<(), CaError> {
        self.issuer.key().sign(b"bizdirect readiness probe")?;
        Ok(())
    }

    /// Signs an OCSP `ResponseData` (DER) with the CA key: ECDSA with SHA-256, DER-encoded.
    pub fn sign_ocsp_response(&self, tbs_response_data: &[u8]) -> Result<Vec<u8>, CaError> {
        Ok(self.issuer.key().sign(tbs_response_data)?)
    }

    /// Rewrites the plain `ca.key` in `dir` encrypted under `passphrase` (the operator's
    /// `server ca encrypt-key`). The new file is decrypted again and compared before it replaces
    /// the old one, atomically and with mode 0600. Returns the key's path.
    pub fn encrypt_key(dir: &Path, passphrase: &CaKeyPassphrase) -> Result<PathBuf, CaError> {
        let key_path = dir.join("ca.key");
        match (dir.join("ca.crt").exists(), key_path.exists()) {
            (true, true) => {}
            (false, false) => return Err(CaError::Missing(dir.to_owned())),
            (true, false) | (false, true) => return Err(CaError::HalfPresent(dir.to_owned())),
        }
        check_owner_only(&key_path, "the CA private key", 0o600)?;
        let text = Zeroizing::new(fs::read_to_string(&key_path).map_err(io_err(&key_path))?);
        if is_encrypted_pem(&text) {
            return Err(CaError::AlreadyEncrypted(key_path));
        }
        let key = KeyPair::from_pem(&text)?;
        let plain_der = Zeroizing::new(key.serialize_der());
        let encrypted = encrypt_pkcs8(&plain_der, passphrase, &key_path)?;
        if decrypt_pkcs8(&encrypted, passphrase, &key_path)?.as_slice() != plain_der.as_slice() {
            return Err(CaError::Pkcs8 {
                path: key_path,
                reason: "round trip mismatch; nothing written".into(),
            });
        }
        write_private(&key_path, encrypted.as_bytes())?;
        Ok(key_path)
    }

    /// Path of the CA certificate (what a browser or `openssl verify` should trust).
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate, DER (the trust anchor of the certificate-logon listener).
    pub fn cert_der(&self) -> &[u8] {
        &self.identity.cert_der
    }

    /// The CA's subject as shown to people (発行者), e.g. `CN=bizdirect Issuing CA, O=bizdirect, C=JP`.
    pub fn subject(&self) -> &str {
        &self.identity.subject
    }

    /// Signs a client certificate for `spki_der` (from [`verify_csr`]) under our profile:
    /// subject C=JP, O=corporation, OU=契約法人ID, CN=利用者ID (or "admin"); digitalSignature;
    /// clientAuth; not a CA; CRL distribution point; OCSP responder (authorityInfoAccess); the
    /// given random serial.
    pub fn issue_client(&self, spki_der: &[u8], p: &ClientProfile<'_>) -> Result<Vec<u8>, CaError> {
        let public_key = SubjectPublicKeyInfo::from_der(spki_der)?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, country_jp()?);
        dn.push(DnType::OrganizationName, p.corporation_name);
        dn.push(DnType::OrganizationalUnitName, p.contract_id);
        let role = if p.user_id.is_some() { TITLE_USER } else { TITLE_ADMIN };
        dn.push(DnType::CustomDnType(OID_TITLE.to_vec()), role);
        dn.push(DnType::CommonName, p.user_id.unwrap_or("admin"));
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        params.crl_distribution_points = vec![CrlDistributionPoint { uris: vec![p.crl_url.to_owned()] }];
        params.custom_extensions = vec![authority_info_access(p.ocsp_url)?];
        params.serial_number = Some(SerialNumber::from_slice(p.serial));
        params.not_before = p.not_before;
        params.not_after = p.not_after;
        Ok(params.signed_by(&public_key, &self.issuer)?.der().to_vec())
    }

    /// Signs a CRL listing `revoked`, written by [`crate::ssr::pki::crl::der`] (the same bytes as rcgen's, in a
    /// fraction of the time); by rcgen for a CA key that is not P-256.
    pub fn sign_crl(&self, revoked: &[Revoked], issue: CrlIssue<'_>) -> Result<Vec<u8>, CaError> {
        let CrlIssue { number, this_update, next_update, url } = issue;
        let key = self.issuer.key();
        if key.algorithm() != &PKCS_ECDSA_P256_SHA256 {
            return self.sign_crl_by_rcgen(revoked, issue);
        }
        let entries: Vec<super::crl::der::Entry<'_>> = revoked
            .iter()
            .map(|r| super::crl::der::Entry {
                serial: &r.serial,
                at: r.at,
                reason: revocation_reason(r.reason) as u8,
            })
            .collect();
        // rcgen's KeyIdMethod::Sha256, as in the CA certificate's subjectKeyIdentifier.
        let digest = <sha2::Sha256 as sha2::Digest>::digest(key.subject_public_key_info());
        let header = super::crl::der::Header {
            issuer: &self.identity.subject_der,
            key_id: &digest[..20],
            number,
            this_update,
            next_update,
            url,
        };
        let tbs = super::crl::der::tbs(&header, &entries);
        let signature = key.sign(&tbs)?;
        Ok(super::crl::der::signed(&tbs, &signature))
    }

    /// [`Self::sign_crl`] by rcgen.
    pub fn sign_crl_by_rcgen(&self, revoked: &[Revoked], issue: CrlIssue<'_>) -> Result<Vec<u8>, CaError> {
        let params = CertificateRevocationListParams {
            this_update: issue.this_update,
            next_update: issue.next_update,
            crl_number: SerialNumber::from(issue.number),
            issuing_distribution_point: Some(CrlIssuingDistributionPoint {
                distribution_point: CrlDistributionPoint { uris: vec![issue.url.to_owned()] },
                scope: None,
            }),
            revoked_certs: revoked
                .iter()
                .map(|r| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&r.serial),
                    revocation_time: r.at,
                    reason_code: Some(revocation_reason(r.reason)),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        Ok(params.signed_by(&self.issuer)?.der().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::pki::x509::serial_at;

    #[test]
    fn serials_are_random_positive_16_bytes_and_ordered_by_time() {
        let a = random_serial().to_bytes();
        let b = random_serial().to_bytes();
        assert_eq!(a.len(), 16);
        assert!(a[0] & 0x80 == 0 && a[0] & 0x40 != 0);
        assert_ne!(a, b);
        // Drawn in the same millisecond: the same time, different random bits.
        let (c, d) = (serial_at(1_795_000_000_000).to_bytes(), serial_at(1_795_000_000_000).to_bytes());
        assert_eq!(c[..6], d[..6]);
        assert_ne!(c[6..], d[6..]);
        // A later millisecond sorts after, whatever the random bits (the index's order).
        assert!(serial_at(1_795_000_000_001).to_bytes() > c);
        assert_eq!(serial_at(0).to_bytes()[..6], [0x40, 0, 0, 0, 0, 0]);
        assert_eq!(serial_at((1 << 46) - 1).to_bytes()[..6], [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff]);
    }

    #[test]
    fn encrypted_pkcs8_round_trips_and_refuses_other_passphrases() {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
        let der = Zeroizing::new(key.serialize_der());
        let pass = CaKeyPassphrase::new("passphrase one".into());
        let path = Path::new("ca.key");
        let pem = encrypt_pkcs8(&der, &pass, path).expect("encrypt");
        assert!(is_encrypted_pem(&pem) && !is_encrypted_pem(&key.serialize_pem()));
        assert_eq!(decrypt_pkcs8(&pem, &pass, path).expect("decrypt").as_slice(), der.as_slice());
        assert_ne!(
            encrypt_pkcs8(&der, &pass, path).expect("again").as_str(),
            pem.as_str(),
            "fresh salt and IV"
        );
        // (passphrase, file) -> expected refusal
        let other = CaKeyPassphrase::new("passphrase two".into());
        let check = |pass: &CaKeyPassphrase, text: &str, wrong: bool| {
            let err = decrypt_pkcs8(text, pass, path).expect_err("refused");
            assert_eq!(matches!(err, CaError::WrongPassphrase(_)), wrong, "{err}");
            assert!(pass.expose().is_empty() || !err.to_string().contains(pass.expose()), "{err}");
        };
        check(&other, &pem, true);
        check(&CaKeyPassphrase::new(String::new()), &pem, true);
        check(&pass, &key.serialize_pem(), false);
        check(
            &pass,
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
            false,
        );
        check(&pass, "", false);
    }

    /// The TBSCertList of a CertificateList: the first element inside the outer SEQUENCE.
    fn tbs_of(der: &[u8]) -> &[u8] {
        let header = |at: usize| -> (usize, usize) {
            let first = usize::from(der[at + 1]);
            if first < 0x80 {
                (2, first)
            } else {
                let n = first & 0x7f;
                (2 + n, der[at + 2..at + 2 + n].iter().fold(0, |len, b| len << 8 | usize::from(*b)))
            }
        };
        let (outer, _) = header(0);
        let (inner, len) = header(outer);
        &der[outer..outer + inner + len]
    }

    /// Our CRL encoder writes what rcgen writes, for CAs made here and loaded from their files,
    /// for no entries, few, and enough for lengths of three bytes; every reason code; serials
    /// with the high bit set, with leading zeros and of one byte; times before 1950, in the
    /// UTCTime range and from 2050. Each CRL parses and its signature verifies with the CA's key.
    #[test]
    fn the_crl_has_the_same_bytes_as_rcgen_writes() {
        let dir = std::env::temp_dir().join(format!("bizdirect-crl-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let now = OffsetDateTime::from_unix_timestamp(1_795_000_000).expect("now");
        let (created, _) = CertificateAuthority::load_or_create(&dir.join("ca"), now, None).expect("create");
        let (loaded, _) = CertificateAuthority::load_or_create(&dir.join("ca"), now, None).expect("load");
        let at = |unix: i64| OffsetDateTime::from_unix_timestamp(unix).expect("time");
        let entry = |serial: Vec<u8>, unix: i64, reason: u8| Revoked {
            serial,
            at: at(unix),
            reason,
            not_after: None,
            partition: 1,
        };
        let few = vec![
            entry(vec![0x80, 1, 2], 1_795_000_000, 4),
            entry(vec![0, 0, 0x12, 0x34], -700_000_000, 1),
            entry(vec![7], 2_600_000_000, 0),
            entry(random_serial().to_bytes(), 1_795_000_001, 5),
            entry(random_serial().to_bytes(), 1_795_000_002, 3),
            entry(random_serial().to_bytes(), 1_795_000_003, 9),
            entry(random_serial().to_bytes(), 1_795_000_004, 7),
        ];
        let many: Vec<Revoked> = [1, 4, 5]
            .iter()
            .cycle()
            .zip(0..3000)
            .map(|(reason, k)| entry(random_serial().to_bytes(), 1_795_000_000 + k, *reason))
            .collect();
        for ca in [&created, &loaded] {
            let (_, cert) = x509_parser::pem::parse_x509_pem(ca.cert_pem().as_bytes()).expect("pem");
            let cert = cert.parse_x509().expect("ca");
            for (list, number, next) in
                [(&vec![], 1, 1_795_600_000), (&few, 2, 2_600_000_000), (&many, 3, 1_795_600_000)]
            {
                let url = "https://127.0.0.1:3000/crl/c/1.crl";
                let issue = CrlIssue { number, this_update: now, next_update: at(next), url };
                let ours = ca.sign_crl(list, issue).expect("ours");
                let theirs = ca.sign_crl_by_rcgen(list, issue).expect("rcgen");
                assert_eq!(tbs_of(&ours), tbs_of(&theirs), "{} entries", list.len());
                let (rest, crl) = <x509_parser::revocation_list::CertificateRevocationList as x509_parser::prelude::FromDer<_>>::from_der(&ours).expect("parses");
                assert!(rest.is_empty());
                assert_eq!(crl.iter_revoked_certificates().count(), list.len());
                crl.verify_signature(cert.public_key()).expect("signed by the CA");
                let idp = crl
                    .extensions()
                    .iter()
                    .find(|e| e.oid == x509_parser::oid_registry::OID_X509_EXT_ISSUER_DISTRIBUTION_POINT);
                let idp = idp.expect("issuingDistributionPoint");
                assert!(idp.critical, "issuingDistributionPoint is critical");
                assert!(idp.value.windows(url.len()).any(|w| w == url.as_bytes()), "names {url}");
            }
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn created_once_then_reused_with_private_key_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("bizdirect-ca-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let now = OffsetDateTime::now_utc();
        let (ca, created) = CertificateAuthority::load_or_create(&dir.join("ca"), now, None).expect("create");
        assert!(created);
        let mode = fs::metadata(dir.join("ca/ca.key")).expect("key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let (again, created) =
            CertificateAuthority::load_or_create(&dir.join("ca"), now, None).expect("load");
        assert!(!created);
        assert_eq!(ca.cert_pem(), again.cert_pem());
        fs::remove_file(dir.join("ca/ca.key")).expect("rm");
        assert!(matches!(
            CertificateAuthority::load_or_create(&dir.join("ca"), now, None),
            Err(CaError::HalfPresent(_))
        ));
        let _ = fs::remove_dir_all(&dir);
    }
}

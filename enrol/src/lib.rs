//! In-browser enrolment for client certificates: a P-256 key made in the page, a PKCS#10 CSR
//! signed with it, and a password-protected PKCS#12 (`.p12`) for the user to import once the
//! server has issued the certificate. The same code runs natively (tests) and on
//! `wasm32-unknown-unknown` (the leptos front end).
//!
//! # Choices
//!
//! * **Pure Rust, no C.** There is no C compiler for wasm32 here, so no `ring`/`aws-lc`: the key
//!   and the ECDSA signature come from RustCrypto's `p256`, and the randomness from `getrandom`
//!   (the browser's `crypto.getRandomValues` on wasm32, through its `wasm_js` backend).
//! * **CSR with `x509-cert`'s types**, not rcgen: `p12-keystore` already pulls in `x509-cert`
//!   0.3 (through `cms`) together with the `der`/`spki`/`pkcs8` generation that `p256` 0.14
//!   uses, so the CSR adds no crate to the browser bundle, where rcgen would add `yasna`, `pem`
//!   and `rustls-pki-types`. The request is assembled directly rather than with x509-cert's
//!   `RequestBuilder`, which always adds an *empty* extensionRequest attribute (RFC 5280 wants
//!   at least one extension in it). The signature is ecdsa-with-SHA256.
//! * **PKCS#12 with `p12-keystore`**, which writes key and certificate bags with one encryption
//!   scheme and a separate MAC algorithm. Two profiles ([`P12Profile`]): `Modern` (PBES2 =
//!   PBKDF2-HMAC-SHA256 + AES-256-CBC, HMAC-SHA256 MAC; Windows 10 1709+, OpenSSL 3, NSS,
//!   recent macOS) and `Compatibility` (pbeWithSHAAnd3-KeyTripleDES-CBC for *both* bags,
//!   HMAC-SHA1 MAC; older Windows and macOS Keychain). RC2-40 is never used: OpenSSL 3 and
//!   Node ≥ 17 refuse it without the legacy provider. p12-keystore 0.4 writes an 8-byte MAC
//!   salt (the length macOS is known to accept), 32-byte PBKDF2 salts and 20-byte PBES1 salts.
//! * **Iterations: [`ITERATIONS`] = 10,000** for the key derivation and for the MAC, in both
//!   profiles (Java's and p12-keystore's default, five times OpenSSL 3's 2,048). The `.p12`
//!   never leaves the user's hands, and key generation + CSR + PKCS#12 must stay well under a
//!   second in the browser; higher counts buy little against a chosen password that
//!   [`password_strength`] already pushes towards length.
//! * The CSR's subject is informative only: the server takes just the public key from it.

use p12_keystore::{
    Certificate as P12Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
    PrivateKeyChain,
};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::Generate;
use p256::pkcs8::{DecodePublicKey, EncodePrivateKey};
use p256::{PublicKey, SecretKey};
use sha1::{Digest, Sha1};
use x509_cert::attr::{AttributeTypeAndValue, Attributes};
use x509_cert::der::asn1::{Any, BitString, Utf8StringRef};
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::pem::{self, LineEnding};
use x509_cert::der::{self, Decode, Encode};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::request::{CertReq, CertReqInfo, Version};
use x509_cert::spki::{DynSignatureAlgorithmIdentifier, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;

/// PBKDF2 / PKCS#12-KDF iterations for the bag encryption and for the MAC (both profiles).
pub const ITERATIONS: u32 = 10_000;

/// Minimum password length (in characters) that [`password_strength`] accepts.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// id-at-commonName (RFC 4519).
const CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// What went wrong. The messages are for developers; the UI maps the variants to its own text.
#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    #[error("no random numbers from the platform: {0}")]
    Random(String),
    #[error("could not build the certificate request: {0}")]
    Csr(String),
    #[error("the PKCS#12 password is empty")]
    EmptyPassword,
    #[error("not a usable certificate: {0}")]
    BadCertificate(String),
    #[error("the PEM text contains no certificate")]
    NoCertificate,
    #[error("the certificate's public key is not this key's")]
    KeyMismatch,
    #[error("could not write the PKCS#12 file: {0}")]
    Pkcs12(String),
}

/// A freshly generated P-256 private key (zeroised on drop).
pub struct NewKey {
    secret: SecretKey,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewKey(P-256, secret not shown)")
    }
}

/// How the PKCS#12 is protected; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum P12Profile {
    /// PBES2 (PBKDF2-HMAC-SHA256 + AES-256-CBC) for key and certificate bags, HMAC-SHA256 MAC.
    Modern,
    /// pbeWithSHAAnd3-KeyTripleDES-CBC for key and certificate bags (never RC2-40),
    /// HMAC-SHA1 MAC with an 8-byte salt: for older Windows and macOS.
    Compatibility,
}

/// Generates a P-256 key from the operating system's (natively) or the browser's (wasm32) RNG.
pub fn generate_key() -> Result<NewKey, EnrolError> {
    let secret = SecretKey::try_generate().map_err(|e| EnrolError::Random(e.to_string()))?;
    Ok(NewKey { secret })
}

impl NewKey {
    /// PKCS#10 certificate request, DER, signed with this key (ecdsa-with-SHA256), with the
    /// subject `CN=<common_name>` (UTF8String) and no attributes. The server uses only its
    /// public key.
    pub fn csr_der(&self, common_name: &str) -> Result<Vec<u8>, EnrolError> {
        let signer = SigningKey::from(&self.secret);
        let info = CertReqInfo {
            version: Version::V1,
            subject: subject_cn(common_name).map_err(csr_error)?,
            public_key: SubjectPublicKeyInfoOwned::from_key(signer.verifying_key()).map_err(csr_error)?,
            attributes: Attributes::new(),
        };
        let signature: DerSignature =
            signer.try_sign(&info.to_der().map_err(csr_error)?).map_err(csr_error)?;
        CertReq {
            info,
            algorithm: signer.signature_algorithm_identifier().map_err(csr_error)?,
            signature: BitString::from_bytes(signature.as_bytes()).map_err(csr_error)?,
        }
        .to_der()
        .map_err(csr_error)
    }

    /// The same request as [`NewKey::csr_der`], PEM-encoded (`CERTIFICATE REQUEST`, LF endings).
    pub fn csr_pem(&self, common_name: &str) -> Result<String, EnrolError> {
        let der = self.csr_der(common_name)?;
        pem::encode_string("CERTIFICATE REQUEST", LineEnding::LF, &der).map_err(csr_error)
    }

    /// Password-protected PKCS#12 with this key, its certificate `cert_der` and the CA
    /// certificates `chain_der` (issuer first, root last). `friendly_name` labels the key bag;
    /// p12-keystore labels every certificate bag with the certificate's subject (`CN=…`), which
    /// is what NSS and Windows show as the certificate's name. Refuses an empty password
    /// ([`password_strength`] is the UI's gate for short ones) and a certificate whose public
    /// key is not this key's.
    pub fn pkcs12(
        &self,
        cert_der: &[u8],
        chain_der: &[Vec<u8>],
        password: &str,
        friendly_name: &str,
        profile: P12Profile,
    ) -> Result<Vec<u8>, EnrolError> {
        if password.is_empty() {
            return Err(EnrolError::EmptyPassword);
        }
        let cert = Certificate::from_der(cert_der).map_err(bad_certificate)?;
        let spki = cert.tbs_certificate().subject_public_key_info().to_der().map_err(bad_certificate)?;
        // A key that is not even P-256 is not this key either.
        if PublicKey::from_public_key_der(&spki).ok() != Some(self.secret.public_key()) {
            return Err(EnrolError::KeyMismatch);
        }

        let certs = std::iter::once(cert_der)
            .chain(chain_der.iter().map(Vec::as_slice))
            .map(|der| P12Certificate::from_der(der).map_err(bad_certificate))
            .collect::<Result<Vec<_>, _>>()?;
        let pkcs8 = self.secret.to_pkcs8_der().map_err(pkcs12_error)?;
        let key = PrivateKey::from_der(pkcs8.as_bytes()).map_err(pkcs12_error)?;
        // localKeyId links the key bag to the certificate bag; like OpenSSL, the certificate's SHA-1.
        let local_key_id = Sha1::digest(cert_der).to_vec();
        let mut store = KeyStore::new();
        store.add_entry(
            friendly_name,
            KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, key, certs)),
        );
        let (encryption, mac) = match profile {
            P12Profile::Modern => (EncryptionAlgorithm::PbeWithHmacSha256AndAes256, MacAlgorithm::HmacSha256),
            P12Profile::Compatibility => {
                (EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc, MacAlgorithm::HmacSha1)
            }
        };
        store
            .writer(password)
            .encryption_algorithm(encryption)
            .encryption_iterations(ITERATIONS)
            .mac_algorithm(mac)
            .mac_iterations(ITERATIONS)
            .write()
            .map_err(pkcs12_error)
    }
}

fn csr_error(e: impl std::fmt::Display) -> EnrolError {
    EnrolError::Csr(e.to_string())
}

fn bad_certificate(e: impl std::fmt::Display) -> EnrolError {
    EnrolError::BadCertificate(e.to_string())
}

fn pkcs12_error(e: impl std::fmt::Display) -> EnrolError {
    EnrolError::Pkcs12(e.to_string())
}

/// `CN=<common_name>` as a UTF8String, built directly (no RFC 4514 string to escape).
fn subject_cn(common_name: &str) -> der::Result<Name> {
    let atv = AttributeTypeAndValue { oid: CN, value: Any::encode_from(&Utf8StringRef::new(common_name)?)? };
    let rdn = RelativeDistinguishedName::try_from(vec![atv])?;
    let mut rdns = RdnSequence::default();
    rdns.push(rdn);
    Name::from_der(&rdns.to_der()?)
}

/// Strength of a PKCS#12 password, for the hint next to the password field.
///
/// Length counts characters (Unicode scalar values, so `パスワード` is 5). The classes are
/// lower-case ASCII letters, upper-case ASCII letters, ASCII digits, and everything else
/// (symbols, spaces, kana/kanji and other non-ASCII letters).
///
/// * `TooShort`: fewer than [`MIN_PASSWORD_CHARS`] (8) characters. Not acceptable.
/// * `Strong`: at least 16 characters, or at least 12 characters from 3 or more classes.
/// * `Fair`: at least 12 characters, or at least 8 characters from 3 or more classes.
/// * `Weak`: the rest (8–11 characters from one or two classes).
///
/// A password with fewer than 5 distinct characters (`aaaaaaaaaaaaaaaa`, `abab!!!!abab!!!!`)
/// is at most `Weak`, whatever its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PasswordStrength {
    TooShort,
    Weak,
    Fair,
    Strong,
}

impl PasswordStrength {
    /// Whether the password may be used at all (that is, it is not `TooShort`).
    pub fn is_acceptable(self) -> bool {
        self != PasswordStrength::TooShort
    }
}

/// Rates a password chosen for the PKCS#12; the rule is documented at [`PasswordStrength`].
pub fn password_strength(password: &str) -> PasswordStrength {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return PasswordStrength::TooShort;
    }
    let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
    let classes = [
        has(char::is_ascii_lowercase),
        has(char::is_ascii_uppercase),
        has(char::is_ascii_digit),
        has(|c| !c.is_ascii_alphanumeric()),
    ]
    .into_iter()
    .filter(|&b| b)
    .count();
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let rating = if chars >= 16 || (chars >= 12 && classes >= 3) {
        PasswordStrength::Strong
    } else if chars >= 12 || classes >= 3 {
        PasswordStrength::Fair
    } else {
        PasswordStrength::Weak
    };
    if distinct.len() < 5 {
        rating.min(PasswordStrength::Weak)
    } else {
        rating
    }
}

/// Splits PEM text (as the server sends the certificate and its chain) into DER certificates,
/// in order. Blocks with other labels are skipped; text outside the blocks is ignored. Each
/// certificate must parse as X.509.
pub fn pem_to_der_certs(pem: &str) -> Result<Vec<Vec<u8>>, EnrolError> {
    const BEGIN: &str = "-----BEGIN ";
    const END: &str = "-----END ";
    let mut certs = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(BEGIN) {
        let block = &rest[start..];
        // The block ends with the "-----" that closes its "-----END <label>" line.
        let block_len = block
            .find(END)
            .map(|end| end + END.len())
            .and_then(|label| block[label..].find("-----").map(|dashes| label + dashes + "-----".len()))
            .ok_or_else(|| bad_certificate("PEM block without an END line"))?;
        let (label, der) = pem::decode_vec(&block.as_bytes()[..block_len]).map_err(bad_certificate)?;
        if label == "CERTIFICATE" {
            Certificate::from_der(&der).map_err(bad_certificate)?;
            certs.push(der);
        }
        rest = &block[block_len..];
    }
    if certs.is_empty() {
        return Err(EnrolError::NoCertificate);
    }
    Ok(certs)
}

//! Key-free X.509: the serials we draw, the CSR check (proof of possession, P-256 only), and
//! what is read out of a DER certificate. Nothing here holds or uses a private key.

use rand::RngCore;
use rcgen::SerialNumber;

/// A positive serial of 16 bytes: the millisecond it was drawn, then 80 random bits.
///
/// The random bits make it unpredictable (at least 64 bits from a CSPRNG, as the SPEC and the
/// CA/Browser Forum ask) and never derived from the key, so never repeated. The time in front
/// keeps serials drawn close together next to each other in the database's `UNIQUE` index on
/// them. With all 128 bits random, every certificate of a group commit's batch would dirty a page
/// of its own in that index, and a commit's writes would grow with the number of certificates the
/// CA has ever issued (docs/PERFORMANCE.md, "P1 on a grown database").
pub fn random_serial() -> SerialNumber {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    serial_at(millis)
}

pub(crate) fn serial_at(millis: u64) -> SerialNumber {
    let mut bytes = [0u8; 16];
    // 0b01 (positive, and exactly 16 bytes in DER), then the time in 46 bits: increasing until
    // the year 4199.
    bytes[..6].copy_from_slice(&((millis & ((1 << 46) - 1)) | (1 << 46)).to_be_bytes()[2..]);
    rand::rngs::OsRng.fill_bytes(&mut bytes[6..]);
    SerialNumber::from_slice(&bytes)
}

/// Why a certificate signing request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CsrError {
    #[error("not a PKCS#10 request")]
    Encoding,
    #[error("the request's signature does not verify (no proof of possession)")]
    Signature,
    #[error("unsupported key: only ECDSA P-256 is accepted")]
    Key,
}

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";

/// Checks a DER PKCS#10 request: it parses, its signature verifies with its own key (proof of
/// possession), and the key is P-256. Returns only the SubjectPublicKeyInfo (DER): the subject
/// and every requested extension are ignored — the profile decides them.
pub fn verify_csr(der: &[u8]) -> Result<Vec<u8>, CsrError> {
    use x509_parser::prelude::FromDer;
    let (rest, csr) = x509_parser::certification_request::X509CertificationRequest::from_der(der)
        .map_err(|_| CsrError::Encoding)?;
    if !rest.is_empty() {
        return Err(CsrError::Encoding);
    }
    csr.verify_signature().map_err(|_| CsrError::Signature)?;
    let spki = &csr.certification_request_info.subject_pki;
    let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
    if spki.algorithm.algorithm.to_id_string() != OID_EC_PUBLIC_KEY || curve.as_deref() != Some(OID_P256) {
        return Err(CsrError::Key);
    }
    Ok(spki.raw.to_vec())
}

/// The serial number of a DER certificate, as the bytes we store; `None` if it does not parse.
pub fn serial_of(der: &[u8]) -> Option<Vec<u8>> {
    use x509_parser::prelude::FromDer;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der).ok()?;
    Some(cert.tbs_certificate.raw_serial().to_vec())
}

/// `(notBefore, notAfter)` of a DER certificate as unix seconds; `None` if it does not parse.
pub fn validity_of(der: &[u8]) -> Option<(i64, i64)> {
    use x509_parser::prelude::FromDer;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der).ok()?;
    let v = cert.validity();
    Some((v.not_before.timestamp(), v.not_after.timestamp()))
}

/// `notAfter` (unix seconds) of the first certificate in a PEM chain.
pub(crate) fn leaf_not_after(chain_pem: &str) -> Option<i64> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(chain_pem.as_bytes()).ok()?;
    let cert = pem.parse_x509().ok()?;
    Some(cert.validity().not_after.timestamp())
}

/// Whether the first certificate of `chain_pem` names `url` (its DER holds the URL's bytes, as
/// the IA5String of a CRL distribution point or of authorityInfoAccess does).
pub(crate) fn leaf_names(chain_pem: &str, url: &str) -> bool {
    x509_parser::pem::parse_x509_pem(chain_pem.as_bytes())
        .is_ok_and(|(_, pem)| pem.contents.windows(url.len()).any(|w| w == url.as_bytes()))
}

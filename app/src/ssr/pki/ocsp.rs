//! The OCSP responder (RFC 6960), published on the ID listener at [`OCSP_PATH`]:
//! `POST /ocsp` with an `application/ocsp-request` body, or `GET /ocsp/{url-encoded base64}`
//! (RFC 6960 appendix A.1).
//!
//! Every answer is made at request time from the database, so a revocation is visible to OCSP
//! as soon as its transaction commits. Each requested certificate gets:
//! - `good` if we issued it and it is not revoked,
//! - `revoked` with its revocation time and CRLReason,
//! - `unknown` if we never issued that serial, or the CertID names another issuer.
//!
//! The response is a BasicOCSPResponse signed by the CA itself (no delegated responder, so no
//! `certs`), ResponderID byKey, thisUpdate = producedAt = now, nextUpdate = now +
//! [`OCSP_VALIDITY_SECS`], and the request's nonce extension echoed. Requests are parsed and
//! responses built with RustCrypto's `x509-ocsp`; only the signature comes from [`super::ca`].

use super::{reason, Pki};
use crate::ssr::db;
use der::asn1::{BitString, GeneralizedTime, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use x509_cert::ext::pkix::CrlReason;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse, ResponderId,
    ResponseData, RevokedInfo, SingleResponse, Version,
};

/// Where the responder answers (and the authorityInfoAccess of issued certificates points).
pub const OCSP_PATH: &str = "/ocsp";
/// The media types of RFC 6960 appendix A.
pub const REQUEST_TYPE: &str = "application/ocsp-request";
pub const RESPONSE_TYPE: &str = "application/ocsp-response";
/// nextUpdate − thisUpdate of every single response: how long a relying party may reuse it.
pub const OCSP_VALIDITY_SECS: i64 = 3600;
/// More CertIDs than this in one request is a malformed request (RFC 6960 sets no limit; the
/// body limit of the router already bounds it).
const MAX_REQUESTS: usize = 16;

const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ID_PKIX_OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");

/// The answer to one OCSP request: a DER `OCSPResponse`, whatever happened (a malformed request
/// or an internal failure is an OCSPResponse too, with no responseBytes).
pub async fn respond(pki: &Pki, request_der: &[u8], now: i64) -> Vec<u8> {
    let response = match OcspRequest::from_der(request_der) {
        Ok(req)
            if !req.tbs_request.request_list.is_empty()
                && req.tbs_request.request_list.len() <= MAX_REQUESTS =>
        {
            match answer(pki, &req, now).await {
                Ok(basic) => OcspResponse::successful(basic).unwrap_or_else(|e| {
                    tracing::error!("ocsp: encoding the response: {e}");
                    OcspResponse::internal_error()
                }),
                Err(e) => {
                    tracing::error!("ocsp: {e}");
                    OcspResponse::internal_error()
                }
            }
        }
        Ok(_) | Err(_) => OcspResponse::malformed_request(),
    };
    response.to_der().unwrap_or_default()
}

/// The DER of a request sent with GET: the path's rest, URL-decoded, then base64 (standard
/// alphabet, as RFC 6960 says; the URL-safe one is accepted too). `None`: not decodable.
fn decode_get(encoded: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let text = percent_decode(encoded)?;
    let text = text.trim();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(text))
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
        .ok()
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The answer to a request sent with GET, `encoded` being the path after [`OCSP_PATH`]`/`: a
/// malformed-request answer when it does not decode.
pub async fn respond_get(pki: &Pki, encoded: &str, now: i64) -> Vec<u8> {
    match decode_get(encoded) {
        Some(der) => respond(pki, &der, now).await,
        None => OcspResponse::malformed_request().to_der().unwrap_or_default(),
    }
}

#[derive(Debug, thiserror::Error)]
enum OcspError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("encoding: {0}")]
    Der(#[from] der::Error),
    #[error("signing: {0}")]
    Sign(#[from] super::ca::CaError),
    #[error("signing: {0}")]
    Stopped(#[from] crate::ssr::cpu::Stopped),
}

fn time(unix: i64) -> Result<OcspGeneralizedTime, der::Error> {
    let secs = u64::try_from(unix).map_err(|_| der::Tag::GeneralizedTime.value_error())?;
    Ok(OcspGeneralizedTime(GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))?))
}

/// Whether `id` names our CA: its issuerNameHash and issuerKeyHash, with its own hash algorithm
/// (SHA-1, what OpenSSL and most clients send, or SHA-256).
fn names_our_ca(pki: &Pki, id: &CertId) -> bool {
    use sha2::Digest as _;
    let ca = pki.ca.identity();
    let (name, key): (Vec<u8>, Vec<u8>) = if id.hash_algorithm.oid == ID_SHA1 {
        (sha1::Sha1::digest(&ca.subject_der).to_vec(), sha1::Sha1::digest(&ca.public_key).to_vec())
    } else if id.hash_algorithm.oid == ID_SHA256 {
        (sha2::Sha256::digest(&ca.subject_der).to_vec(), sha2::Sha256::digest(&ca.public_key).to_vec())
    } else {
        return false;
    };
    id.issuer_name_hash.as_bytes() == name.as_slice() && id.issuer_key_hash.as_bytes() == key.as_slice()
}

fn crl_reason(code: i64) -> CrlReason {
    match u8::try_from(code).unwrap_or(reason::UNSPECIFIED) {
        reason::KEY_COMPROMISE => CrlReason::KeyCompromise,
        reason::AFFILIATION_CHANGED => CrlReason::AffiliationChanged,
        reason::SUPERSEDED => CrlReason::Superseded,
        reason::CESSATION_OF_OPERATION => CrlReason::CessationOfOperation,
        reason::PRIVILEGE_WITHDRAWN => CrlReason::PrivilegeWithdrawn,
        _ => CrlReason::Unspecified,
    }
}

async fn status_of(pki: &Pki, id: &CertId) -> Result<CertStatus, OcspError> {
    if !names_our_ca(pki, id) {
        return Ok(CertStatus::unknown());
    }
    let serial = id.serial_number.as_bytes();
    Ok(match db::ocsp::status(&pki.db, serial).await? {
        Some(row) if row.state == "revoked" => CertStatus::revoked(RevokedInfo {
            revocation_time: time(row.revoked_at.unwrap_or(0))?,
            revocation_reason: Some(crl_reason(row.revocation_reason.unwrap_or(0))),
        }),
        Some(row) if row.state == "issued" => CertStatus::good(),
        _ => CertStatus::unknown(),
    })
}

async fn answer(pki: &Pki, req: &OcspRequest, now: i64) -> Result<BasicOcspResponse, OcspError> {
    use sha1::Digest as _;
    let (this_update, next_update) = (time(now)?, time(now + OCSP_VALIDITY_SECS)?);
    let mut responses = Vec::with_capacity(req.tbs_request.request_list.len());
    for single in &req.tbs_request.request_list {
        responses.push(SingleResponse {
            cert_id: single.req_cert.clone(),
            cert_status: status_of(pki, &single.req_cert).await?,
            this_update,
            next_update: Some(next_update),
            single_extensions: None,
        });
    }
    // The nonce, echoed exactly as it came (RFC 6960 4.4.1); every other request extension is
    // ignored (none is critical for us).
    let nonce: Vec<_> = req
        .tbs_request
        .request_extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id == ID_PKIX_OCSP_NONCE)
        .take(1)
        .cloned()
        .collect();
    let key_hash = sha1::Sha1::digest(&pki.ca.identity().public_key);
    let tbs_response_data = ResponseData {
        version: Version::V1,
        responder_id: ResponderId::ByKey(OctetString::new(key_hash.to_vec())?),
        produced_at: this_update,
        responses,
        response_extensions: (!nonce.is_empty()).then_some(nonce),
    };
    // The signature may be a round trip to an HSM: on the signing threads, off the async workers.
    let (ca, tbs) = (pki.ca.clone(), tbs_response_data.to_der()?);
    let signature = pki.signing.run(move || ca.sign_ocsp_response(&tbs)).await??;
    Ok(BasicOcspResponse {
        tbs_response_data,
        signature_algorithm: AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA256, parameters: None },
        signature: BitString::from_bytes(&signature)?,
        certs: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_requests_are_url_decoded_then_base64_decoded() {
        assert_eq!(decode_get("MAMCAQE%3D"), Some(vec![0x30, 0x03, 0x02, 0x01, 0x01]));
        assert_eq!(decode_get("MAMCAQE="), Some(vec![0x30, 0x03, 0x02, 0x01, 0x01]));
        assert_eq!(decode_get("%2B%2F%2B%2F"), Some(vec![0xfb, 0xff, 0xbf]));
        assert_eq!(decode_get("%zz"), None);
        assert_eq!(decode_get("not base64!"), None);
    }
}

//! What the ID listener publishes for relying parties, without a session or cookies: the CRLs,
//! the CA certificate, the OCSP responder, and the HTTPS certificate issuer's CRL. The domain (`app::ssr::pki`) makes the bytes; this
//! module turns them into HTTP responses.

use app::ssr::pki::ocsp::{self, OCSP_PATH, REQUEST_TYPE, RESPONSE_TYPE};
use app::ssr::AppState;
use axum::response::{IntoResponse, Response};
use http::{header::CONTENT_TYPE, HeaderMap, StatusCode};

/// The shared CRL as `application/pkix-crl` (503 before the first is signed).
pub async fn crl(state: AppState) -> Response {
    crl_of(&state, app::ssr::pki::crl::SHARED, StatusCode::SERVICE_UNAVAILABLE).await
}

/// A corporation's CRL (`file`: `{corporation id}.crl`) as `application/pkix-crl`; 404 for a
/// name that is not one, or a partition without a CRL.
pub async fn partition_crl(state: AppState, file: &str) -> Response {
    match app::ssr::pki::crl::partition_named(file) {
        Some(partition) => crl_of(&state, partition, StatusCode::NOT_FOUND).await,
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `partition`'s current CRL, or `missing` when there is none.
async fn crl_of(state: &AppState, partition: i64, missing: StatusCode) -> Response {
    match app::ssr::pki::crl::current(&state.db, partition).await {
        Ok(Some(der)) => ([(CONTENT_TYPE, "application/pkix-crl")], der).into_response(),
        Ok(None) => missing.into_response(),
        Err(e) => {
            tracing::error!("crl: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The HTTPS certificate issuer's current CRL as `application/pkix-crl` (404 when the server
/// presents the operator's own certificate).
pub fn tls_crl(state: &AppState) -> Response {
    match state.pki.tls_crl.get() {
        Some(der) => ([(CONTENT_TYPE, "application/pkix-crl")], der.to_vec()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The client CA's certificate (PEM), for relying parties that check client certificates.
pub fn ca_cert(state: &AppState) -> Response {
    ([(CONTENT_TYPE, "application/x-pem-file")], state.pki.ca.cert_pem().to_owned()).into_response()
}

/// `POST /ocsp`: the body must be declared `application/ocsp-request` (415 otherwise). No cookie
/// is read and nothing changes.
pub async fn ocsp_post(state: AppState, headers: &HeaderMap, body: &[u8]) -> Response {
    let declared = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if declared.map(|v| v.split(';').next().unwrap_or_default().trim()) != Some(REQUEST_TYPE) {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
    }
    ocsp_reply(ocsp::respond(&state.pki, body, app::ssr::now()).await)
}

/// `GET /ocsp/{request}`: `path` is the request's path as received.
pub async fn ocsp_get(state: AppState, path: &str) -> Response {
    let encoded = path.strip_prefix(OCSP_PATH).and_then(|p| p.strip_prefix('/')).unwrap_or_default();
    ocsp_reply(ocsp::respond_get(&state.pki, encoded, app::ssr::now()).await)
}

fn ocsp_reply(der: Vec<u8>) -> Response {
    if der.is_empty() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(CONTENT_TYPE, RESPONSE_TYPE)], der).into_response()
}

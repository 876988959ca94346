//! HTTP-level protections around the whole router (OWASP ASVS V3/V4/V13/V14):
//!
//! - **Same origin for every state-changing request**: a request other than GET/HEAD must carry
//!   an `Origin` that is one of ours or equals the `Host` it was sent to, and must not be marked
//!   `Sec-Fetch-Site: cross-site`. Browsers send `Origin` on every POST, so a form or `fetch` from
//!   another site is refused before any server function runs (with SameSite=Strict cookies, a
//!   second line).
//!   **One exception, on the ID listener only**: `POST /ocsp` with `Content-Type:
//!   application/ocsp-request` is accepted from anywhere. OCSP clients (other banks' systems,
//!   OpenSSL, …) send no `Origin` and no cookies, and the responder only reads the database and
//!   signs an answer: there is nothing to forge. Any other path, method or media type from
//!   another origin is still refused.
//! - **Bodies of at most [`crate::router::MAX_BODY_BYTES`]**, read whole here before any handler
//!   runs; a larger one, announced or streamed, is refused (413). Every refusal reads and
//!   discards the request's body (bounded) before answering, so that HTTP/2 clients receive the
//!   answer whole instead of a stream reset (see [`admit`]).
//! - **Response headers**: HSTS, `nosniff`, `Referrer-Policy: same-origin`, frame denial, a
//!   Content-Security-Policy on everything that has none yet (pages set their own, with the
//!   nonce of their inline hydration script), `Cache-Control: no-store` on all but the static
//!   site files.
//! - **Server-function arguments that do not decode** are a malformed request (400), not a
//!   server error.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, StatusCode};
use http_body::Body as _;
use http_body_util::BodyExt as _;
use std::sync::Arc;
use std::time::Duration;

/// The origins (`https://host:port`) under which browsers reach this server, and whether this
/// listener publishes the OCSP responder (the one state-free POST open to any origin).
#[derive(Debug, Clone)]
pub struct Origins {
    pub ours: Arc<Vec<String>>,
    pub ocsp_from_anywhere: bool,
}

/// An OCSP request (RFC 6960 appendix A.1): exactly `POST /ocsp`, declared
/// `application/ocsp-request`.
fn is_ocsp_post(req: &Request) -> bool {
    let media_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim());
    req.method() == Method::POST
        && req.uri().path() == app::ssr::pki::ocsp::OCSP_PATH
        && media_type == Some(app::ssr::pki::ocsp::REQUEST_TYPE)
}

fn same_origin(req: &Request, ours: &[String]) -> bool {
    let headers = req.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // No Origin: only a browser's own navigation marks itself same-origin / none.
        return matches!(
            headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
            Some("same-origin" | "none")
        );
    };
    if ours.iter().any(|o| o == origin) {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(http::uri::Authority::as_str));
    host.is_some_and(|h| origin.strip_prefix("https://") == Some(h))
}

/// How much of a refused request's body is read and thrown away before the answer, and for how
/// long at most. Over HTTP/2 a server that answers without reading the request to its end must
/// reset the stream (RST_STREAM, RFC 9113 §8.1), and clients such as curl then report a
/// transport error instead of the answer; over HTTP/1.1 the connection would be closed. A body
/// beyond either bound is left unread (the stream is reset after the answer): its sender is no
/// browser with a form.
const DISCARD_AT_MOST: usize = 8 * 1024 * 1024;
const DISCARD_FOR: Duration = Duration::from_secs(10);

fn refusal(status: StatusCode, error: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], error).into_response()
}

/// Reads `body` to its end (within [`DISCARD_AT_MOST`] and [`DISCARD_FOR`]), keeping nothing.
async fn discard(mut body: Body) {
    let read_to_end = async {
        let mut read = 0;
        while let Some(Ok(frame)) = body.frame().await {
            read += frame.data_ref().map_or(0, axum::body::Bytes::len);
            if read > DISCARD_AT_MOST {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DISCARD_FOR, read_to_end).await;
}

/// `body` whole if it has at most `limit` bytes; `None` if it has more (the rest of it is then
/// discarded) or breaks off.
async fn read_at_most(mut body: Body, limit: usize) -> Option<axum::body::Bytes> {
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.ok()?.into_data() else { continue };
        if bytes.len() + data.len() > limit {
            discard(body).await;
            return None;
        }
        bytes.extend_from_slice(&data);
    }
    Some(bytes.into())
}

/// The gate in front of every handler: refuses state-changing requests from other origins (403,
/// the wire error `"Forbidden"`) and bodies larger than [`crate::router::MAX_BODY_BYTES`] (413,
/// `"BadRequest"`; 利用者一括登録's upload: [`crate::files::IMPORT_UPLOAD_BYTES`], refused by a
/// redirect to its screen), whether announced in `content-length` or streamed; otherwise hands the
/// handler the body read whole. A refused request's body is read and discarded before the
/// answer ([`DISCARD_AT_MOST`]), so the answer reaches HTTP/2 clients without a stream reset.
pub async fn admit(State(origins): State<Origins>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let ocsp = origins.ocsp_from_anywhere && is_ocsp_post(&req);
    if !safe && !ocsp && !same_origin(&req, &origins.ours) {
        tracing::info!("refused a cross-origin {} {}", req.method(), req.uri().path());
        discard(req.into_body()).await;
        return refusal(StatusCode::FORBIDDEN, "\"Forbidden\"");
    }
    // 利用者一括登録's file is the one larger body; too large, it goes back to its screen in words.
    let upload = req.uri().path() == crate::files::IMPORT_UPLOAD_PATH;
    let limit = if upload { crate::files::IMPORT_UPLOAD_BYTES } else { crate::router::MAX_BODY_BYTES };
    let too_large = || {
        if upload {
            crate::files::import_too_large()
        } else {
            refusal(StatusCode::PAYLOAD_TOO_LARGE, "\"BadRequest\"")
        }
    };
    let announced = req.body().size_hint().exact().or_else(|| {
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
    });
    let (parts, body) = req.into_parts();
    if announced.is_some_and(|n| n > limit as u64) {
        discard(body).await;
        return too_large();
    }
    let Some(bytes) = read_at_most(body, limit).await else {
        return too_large();
    };
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// The policy for responses that set none (JSON, files, errors): nothing may load or frame them.
const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Adds the security headers to every response.
pub async fn headers(req: Request, next: Next) -> Response {
    let static_file = req.uri().path().starts_with("/pkg/") || req.uri().path() == "/robots.txt";
    let api = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    if api && res.status() == StatusCode::INTERNAL_SERVER_ERROR {
        res = bad_arguments_are_400(res).await;
    }
    let h = res.headers_mut();
    let has_csp = h.contains_key(header::CONTENT_SECURITY_POLICY);
    let mut set = |name: header::HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    if !static_file {
        set(header::CACHE_CONTROL, "no-store");
    }
    if !has_csp {
        set(header::CONTENT_SECURITY_POLICY, DEFAULT_CSP);
    }
    res
}

/// A server function whose arguments did not decode answers `"BadRequest"` with leptos' generic
/// 500: give it its real status.
async fn bad_arguments_are_400(res: Response) -> Response {
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 4096).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "\"Internal\"").into_response();
    };
    if bytes.as_ref() == b"\"BadRequest\"" {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}

//! The operations listener (`--ops-addr`, plain HTTP, loopback by default; nothing of the
//! product on it) and the request metrics of the product's listeners.
//!
//! - `GET /healthz`: 200 while the process serves.
//! - `GET /readyz`: 200 when the database takes a write transaction and the CA key signs, each
//!   within [`app::ssr::operator::ops::READY_DEADLINE`], and the data folder has
//!   [`app::ssr::operator::ops::MIN_FREE_BYTES`] free; otherwise 503 naming each failing part.
//! - `GET /metrics`: Prometheus text: what the process counted (the `metrics` facade, recorded by
//!   `metrics-exporter-prometheus`) followed by what the database holds now
//!   (`ssr::operator::ops::snapshot`).

use app::ssr::AppState;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{routing::get, Router};
use http::{header, StatusCode};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::time::Instant;

/// Latency buckets of the request histogram, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];
/// Batch-size buckets of the group commit (at most `MAX_BATCH` = 256).
const BATCH_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// Installs the process's Prometheus recorder (once per process) and describes its metrics.
pub fn install_recorder() -> anyhow::Result<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("bizdirect_http_request_duration_seconds".into()),
            &LATENCY_BUCKETS,
        )?
        .set_buckets_for_metric(Matcher::Full("bizdirect_group_commit_batch_size".into()), &BATCH_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full("bizdirect_change_commit_batch_size".into()), &BATCH_BUCKETS)?
        .install_recorder()?;
    for (name, help) in [
        ("bizdirect_http_requests_total", "HTTP requests answered, by listener, route and status."),
        ("bizdirect_server_fn_errors_total", "Server functions answered with an error, by error code."),
        ("bizdirect_logons_total", "Logons decided, by method (id_pin, certificate), role and outcome."),
        (
            "bizdirect_locks_total",
            "Locks by consecutive wrong PINs: user (利用停止) or contract (契約法人利用中止).",
        ),
        ("bizdirect_issuances_total", "Issuances opened (発行, 再発行), awaiting acquisition."),
        ("bizdirect_certificates_issued_total", "Certificates stored, by kind (acquisition, renewal)."),
        ("bizdirect_revocations_total", "Certificates and issuances revoked, by RFC 5280 reason."),
        (
            "bizdirect_notices_delivered_total",
            "Notices accepted by the mail server (or written as .eml files).",
        ),
        (
            "bizdirect_notice_failures_total",
            "Notice deliveries that failed: transient (retried) or permanent.",
        ),
    ] {
        metrics::describe_counter!(name, help);
    }
    metrics::describe_histogram!(
        "bizdirect_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time from a request's arrival to its response's head, by listener and route."
    );
    metrics::describe_histogram!(
        "bizdirect_group_commit_batch_size",
        "Acquisitions carried by one group commit (one durable commit)."
    );
    metrics::describe_histogram!(
        "bizdirect_change_commit_batch_size",
        "Administrators' changes carried by one group commit (one durable commit, one CRL re-signing)."
    );
    Ok(handle)
}

/// The operations router; readiness also watches the free space of `data_dir`.
pub fn router(state: AppState, metrics: PrometheusHandle, data_dir: std::path::PathBuf) -> Router {
    let ready_state = state.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(move || ready(ready_state.clone(), data_dir.clone())))
        .route("/metrics", get(move || scrape(state.clone(), metrics.clone())))
}

async fn ready(state: AppState, data_dir: std::path::PathBuf) -> Response {
    match app::ssr::operator::ops::ready(&state, &data_dir).await {
        Ok(()) => "ready\n".into_response(),
        Err(failing) => {
            tracing::warn!("not ready: {}", failing.join("; "));
            (StatusCode::SERVICE_UNAVAILABLE, format!("not ready\n{}\n", failing.join("\n"))).into_response()
        }
    }
}

async fn scrape(state: AppState, metrics: PrometheusHandle) -> Response {
    metrics.run_upkeep();
    let mut text = metrics.render();
    match app::ssr::operator::ops::snapshot(&state, app::ssr::now()).await {
        Ok(snapshot) => text.push_str(&snapshot),
        Err(e) => {
            tracing::error!("metrics from the database: {e}");
            return (StatusCode::SERVICE_UNAVAILABLE, format!("database: {e}\n")).into_response();
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

/// The response header that carries a request's id (also the one a load balancer may send).
pub const REQUEST_ID: &str = "x-request-id";

/// Middleware of the product's routers: gives the request an id (the load balancer's
/// `X-Request-Id` when it is 1–64 letters, digits and dashes, else 16 random bytes in hex),
/// returned as `X-Request-Id`; logs one line when the answer leaves (id, listener, method, route,
/// status, latency, the calling corporation once a session named it); counts it by listener,
/// route (the matched pattern, never the path itself: bounded cardinality, no ID in a label) and
/// status, and records its latency. Never a query string, a header value or a body in the log.
pub async fn track(listener: &'static str, mut request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map_or_else(|| hex::encode(rand::random::<[u8; 16]>()), str::to_owned);
    let note = app::ssr::access::request::RequestNote::default();
    request.extensions_mut().insert(note.clone());
    let method = request.method().clone();
    let started = Instant::now();
    let mut response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status();
    if let Ok(value) = http::HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    tracing::info!(
        target: "bizdirect::request",
        request_id = %id,
        listener,
        method = %method,
        route = %route,
        status = status.as_u16(),
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        corporation_id = note.corporation(),
        "request"
    );
    metrics::histogram!("bizdirect_http_request_duration_seconds", "listener" => listener, "route" => route.clone())
        .record(elapsed.as_secs_f64());
    metrics::counter!("bizdirect_http_requests_total", "listener" => listener, "route" => route, "status" => status.as_str().to_owned())
        .increment(1);
    response
}

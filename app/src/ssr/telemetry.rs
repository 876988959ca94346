//! What the server counts for its operators, through the `metrics` facade (the server binary
//! installs the Prometheus recorder and serves it on the operations listener; without a recorder,
//! as in the tests of the domain, every call here does nothing).
//!
//! Labels name methods, roles, outcomes, error codes and revocation reasons — never a person, an
//! ID or an address. What the database holds (certificates by state, the CRL, the outbox) is read
//! at each scrape instead (`operator::ops`).
//!
//! A counter of a change is moved once the change's transaction has committed where the code
//! commits it itself (logons, acquisitions, renewals); a revocation, a lock and an opened
//! issuance are counted in their transaction, just before its commit (a commit that then fails
//! is an internal error, logged, and counted too).

use crate::error::AppError;

/// Logons: `bizdirect_logons_total{method, role, outcome}`; outcome `success` or the error code.
pub fn logon<T>(method: &'static str, role: &'static str, result: &Result<T, AppError>) {
    let outcome = result.as_ref().map_or_else(AppError::code, |_| "success");
    metrics::counter!("bizdirect_logons_total", "method" => method, "role" => role, "outcome" => outcome)
        .increment(1);
}

/// A lock by consecutive wrong PINs: `user` (利用停止) or `contract` (契約法人利用中止).
pub fn locked(contract: bool) {
    let kind = if contract { "contract" } else { "user" };
    metrics::counter!("bizdirect_locks_total", "kind" => kind).increment(1);
}

/// An issuance opened (発行 or 再発行), awaiting acquisition.
pub fn issuance_opened() {
    metrics::counter!("bizdirect_issuances_total").increment(1);
}

/// Certificates stored: `acquisition` (電子証明書取得, by the group commit) or `renewal` (更新).
pub fn certificates_issued(kind: &'static str, n: usize) {
    metrics::counter!("bizdirect_certificates_issued_total", "kind" => kind).increment(n as u64);
}

/// A certificate or issuance revoked, by RFC 5280 reason name.
pub fn revoked(reason: &'static str) {
    metrics::counter!("bizdirect_revocations_total", "reason" => reason).increment(1);
}

/// A server function answered with an error.
pub fn server_fn_error(error: &AppError) {
    metrics::counter!("bizdirect_server_fn_errors_total", "code" => error.code()).increment(1);
}

/// One group commit: how many issuances it carried.
#[allow(clippy::cast_precision_loss)] // at most MAX_BATCH
pub fn group_commit(batch: usize) {
    metrics::histogram!("bizdirect_group_commit_batch_size").record(batch as f64);
}

/// One group commit of administrators' changes: how many changes it carried.
#[allow(clippy::cast_precision_loss)] // at most writes::MAX_BATCH
pub fn change_group_commit(batch: usize) {
    metrics::histogram!("bizdirect_change_commit_batch_size").record(batch as f64);
}

/// A notice not delivered: `transient` (tried again later) or `permanent` (failed for good).
pub fn notice_failed(permanent: bool) {
    let kind = if permanent { "permanent" } else { "transient" };
    metrics::counter!("bizdirect_notice_failures_total", "kind" => kind).increment(1);
}

/// A notice accepted by the mail server (or written as a file).
pub fn notice_delivered() {
    metrics::counter!("bizdirect_notices_delivered_total").increment(1);
}

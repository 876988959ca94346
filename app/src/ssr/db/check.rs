//! Read-only queries of `server check`: each returns the rows that break one invariant.

use super::{backend, Backend, Pool};

/// Lower-case hex of a blob column, in the backend's dialect.
fn hex_of(pool: &Pool, column: &str) -> String {
    match backend(pool) {
        Backend::Sqlite => format!("lower(hex({column}))"),
        Backend::Postgres => format!("encode({column}, 'hex')"),
    }
}

/// Serial numbers used more than once (hex).
pub async fn repeated_serials(pool: &Pool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT {} FROM certificates WHERE serial IS NOT NULL GROUP BY serial HAVING COUNT(*) > 1",
        hex_of(pool, "serial")
    ))
    .fetch_all(pool)
    .await
}

/// Holders with more than one live certificate: `(corporation id, user row id or 0, count)`.
pub async fn holders_with_several_live(pool: &Pool) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT corporation_id, coalesce(user_pk, 0), COUNT(*) FROM certificates \
         WHERE state IN ('awaiting', 'issued') GROUP BY corporation_id, coalesce(user_pk, 0) HAVING COUNT(*) > 1",
    )
    .fetch_all(pool)
    .await
}

/// A certificate that was issued (issued or revoked since).
#[derive(Debug, sqlx::FromRow)]
pub struct Issued {
    pub id: i64,
    pub corporation_id: i64,
    pub serial: Vec<u8>,
    pub der: Vec<u8>,
    pub state: String,
    pub shared_crl: Option<i64>,
}

/// Every certificate that was issued (issued or revoked since).
pub async fn issued(pool: &Pool) -> Result<Vec<Issued>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, corporation_id, serial, der, state, shared_crl FROM certificates WHERE serial IS NOT NULL \
         ORDER BY id",
    )
    .fetch_all(pool)
    .await
}

/// `(corporation id, detail)` of every successful acquisition or renewal record.
pub async fn acquisition_records(pool: &Pool) -> Result<Vec<(Option<i64>, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT corporation_id, detail FROM audit_log \
         WHERE action IN ('certificate_acquire', 'certificate_renew') AND outcome = 'success'",
    )
    .fetch_all(pool)
    .await
}

/// `(corporation id, at, detail)` of every successful issuance record.
pub async fn issuance_records(pool: &Pool) -> Result<Vec<(Option<i64>, i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT corporation_id, at, detail FROM audit_log WHERE action = 'certificate_issue' AND outcome = 'success'",
    )
    .fetch_all(pool)
    .await
}

/// `(id, corporation id, opened_at, acquire_by)` of every issuance opened by an administrator or
/// the bank (renewals are issued at once: `acquire_by = opened_at`).
pub async fn issuances(pool: &Pool) -> Result<Vec<(i64, i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, corporation_id, opened_at, acquire_by FROM certificates WHERE acquire_by > opened_at ORDER BY id",
    )
    .fetch_all(pool)
    .await
}

/// Counts for the summary line: certificates, audit records.
pub async fn counts(pool: &Pool) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as("SELECT (SELECT COUNT(*) FROM certificates), (SELECT COUNT(*) FROM audit_log)")
        .fetch_one(pool)
        .await
}

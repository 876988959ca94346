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

/// `(id, serial, der, state)` of every certificate that was issued (issued or revoked since).
pub async fn issued(pool: &Pool) -> Result<Vec<(i64, Vec<u8>, Vec<u8>, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, serial, der, state FROM certificates WHERE serial IS NOT NULL ORDER BY id")
        .fetch_all(pool)
        .await
}

/// Issued certificates (by id) with no successful acquisition or renewal record naming their serial.
pub async fn issued_without_audit(pool: &Pool) -> Result<Vec<i64>, sqlx::Error> {
    // `strpos` (PostgreSQL) and `instr` (SQLite) are the same function.
    let position = match backend(pool) {
        Backend::Sqlite => "instr",
        Backend::Postgres => "strpos",
    };
    sqlx::query_scalar(&format!(
        "SELECT c.id FROM certificates c WHERE c.serial IS NOT NULL AND NOT EXISTS ( \
           SELECT 1 FROM audit_log a WHERE a.action IN ('certificate_acquire', 'certificate_renew') \
           AND a.outcome = 'success' AND a.corporation_id = c.corporation_id \
           AND {position}(a.detail, 'serial=' || {}) > 0) ORDER BY c.id",
        hex_of(pool, "c.serial")
    ))
    .fetch_all(pool)
    .await
}

/// Issuances opened by an administrator or the bank (ids) with no `certificate_issue` record.
pub async fn issuances_without_audit(pool: &Pool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT c.id FROM certificates c WHERE c.acquire_by > c.opened_at AND NOT EXISTS ( \
           SELECT 1 FROM audit_log a WHERE a.action = 'certificate_issue' AND a.outcome = 'success' \
           AND a.corporation_id = c.corporation_id AND a.at = c.opened_at \
           AND a.detail = 'acquire_by=' || c.acquire_by) ORDER BY c.id",
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

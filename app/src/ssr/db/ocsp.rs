//! What the OCSP responder asks of table `certificates`: one read per serial, plain SQL.

use super::Pool;

/// A certificate's revocation status as recorded.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatusRow {
    /// `issued` or `revoked` (a row awaiting acquisition has no serial, so never matches).
    pub state: String,
    pub revoked_at: Option<i64>,
    /// RFC 5280 CRLReason code.
    pub revocation_reason: Option<i64>,
}

/// The status of the certificate with this serial; `None`: we never issued it.
pub async fn status(pool: &Pool, serial: &[u8]) -> Result<Option<StatusRow>, sqlx::Error> {
    sqlx::query_as("SELECT state, revoked_at, revocation_reason FROM certificates WHERE serial = $1")
        .bind(serial)
        .fetch_optional(pool)
        .await
}

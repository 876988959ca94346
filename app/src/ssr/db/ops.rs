//! What the operators' metrics read from the database at each scrape: certificates by state,
//! the certificates that end soon per corporation, the notice outbox. Aggregates only: a
//! corporation is named by its 契約法人ID, never a person.

use super::Pool;

/// Certificates by state: `awaiting`, `issued` (valid at `now`), `expired` (issued, past its
/// `notAfter`), `revoked`.
pub async fn certificates_by_state(pool: &Pool, now: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT CASE WHEN state = 'issued' AND not_after <= $1 THEN 'expired' ELSE state END AS s, \
         COUNT(*) FROM certificates GROUP BY s ORDER BY s",
    )
    .bind(now)
    .fetch_all(pool)
    .await
}

/// Per corporation with a valid certificate: its 契約法人ID, the earliest `notAfter` of its
/// valid certificates, and how many of them end before `soon`.
pub async fn expiring_by_corporation(
    pool: &Pool,
    now: i64,
    soon: i64,
) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT co.contract_id, MIN(c.not_after), SUM(CASE WHEN c.not_after <= $2 THEN 1 ELSE 0 END) \
         FROM certificates c JOIN corporations co ON co.id = c.corporation_id \
         WHERE c.state = 'issued' AND c.not_after > $1 GROUP BY co.contract_id ORDER BY co.contract_id",
    )
    .bind(now)
    .bind(soon)
    .fetch_all(pool)
    .await
}

/// Notices by state (`pending`, `sent`, `failed`), and when the oldest pending one was written.
pub async fn notices_by_state(pool: &Pool) -> Result<(Vec<(String, i64)>, Option<i64>), sqlx::Error> {
    let by_state = sqlx::query_as("SELECT state, COUNT(*) FROM notices GROUP BY state ORDER BY state")
        .fetch_all(pool)
        .await?;
    let oldest = sqlx::query_scalar("SELECT MIN(created_at) FROM notices WHERE state = 'pending'")
        .fetch_one(pool)
        .await?;
    Ok((by_state, oldest))
}

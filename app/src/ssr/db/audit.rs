//! Table `audit_log`: append and read in chain order.

use super::Pool;
use super::Tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub corporation_id: Option<i64>,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: String,
    pub client_addr: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// `(seq, hash)` of the newest row, if any. Call inside the write transaction that appends.
pub async fn last(tx: &mut Tx) -> Result<Option<(i64, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await
}

/// Appends rows (already chained, in order) with one statement per 256.
pub async fn insert(tx: &mut Tx, rows: &[AuditRow]) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(256) {
        let sql = format!(
            "INSERT INTO audit_log (seq, at, actor, corporation_id, action, target, outcome, detail, client_addr, prev_hash, hash) \
             VALUES {}",
            super::values(tx, chunk.len(), 11)
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query
                .bind(row.seq)
                .bind(row.at)
                .bind(&row.actor)
                .bind(row.corporation_id)
                .bind(&row.action)
                .bind(&row.target)
                .bind(&row.outcome)
                .bind(&row.detail)
                .bind(&row.client_addr)
                .bind(&row.prev_hash)
                .bind(&row.hash);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn all(pool: &Pool) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT seq, at, actor, corporation_id, action, target, outcome, detail, client_addr, prev_hash, hash \
         FROM audit_log ORDER BY seq",
    )
    .fetch_all(pool)
    .await
}

/// Up to `limit` records after `seq`, in order (the export's pages).
pub async fn after(pool: &Pool, seq: i64, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT seq, at, actor, corporation_id, action, target, outcome, detail, client_addr, prev_hash, hash \
         FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(seq)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// One page of a corporation's records, newest first.
pub async fn page_for_corporation(
    pool: &Pool,
    corporation_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT seq, at, actor, corporation_id, action, target, outcome, detail, client_addr, prev_hash, hash \
         FROM audit_log WHERE corporation_id = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3",
    )
    .bind(corporation_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

/// `(seq, hash)` of the newest record, if any (outside a write: a checkpoint's reading).
pub async fn head(pool: &Pool) -> Result<Option<(i64, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetch_optional(pool).await
}

/// The chain hash of record `seq`, if there is one.
pub async fn hash_of(pool: &Pool, seq: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1").bind(seq).fetch_optional(pool).await
}

/// Every record's count.
pub async fn count(pool: &Pool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(pool).await
}

pub async fn count_for_corporation(pool: &Pool, corporation_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE corporation_id = $1")
        .bind(corporation_id)
        .fetch_one(pool)
        .await
}

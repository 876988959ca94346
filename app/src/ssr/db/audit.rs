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

/// A status screen's ログオン履歴 of one person (`actor` as the audit log names them), in one
/// statement: their newest `limit` logon records that opened a session, newest first, as
/// `(seq, at, detail, client_addr)`, and how many of their logon attempts failed after the
/// second newest of those (the person's previous logon; all of them if there is none). A logon's
/// PIN step that went on to a second factor opened none (its detail says so); the second
/// factor's record did.
pub async fn logon_history(
    pool: &Pool,
    corporation_id: i64,
    actor: &str,
    limit: i64,
) -> Result<(Vec<(i64, i64, String, String)>, i64), sqlx::Error> {
    const PERSON: &str = "corporation_id = $1 AND actor = $2 AND action IN ('admin_logon', 'user_logon')";
    // The count comes as one more row, its seq -1, after the logons (seq ≥ 1).
    let mut rows: Vec<(i64, i64, String, String)> = sqlx::query_as(&format!(
        "WITH recent AS (SELECT seq, at, detail, client_addr FROM audit_log \
         WHERE {PERSON} AND outcome = 'success' AND detail NOT LIKE '%second factor%' \
         ORDER BY seq DESC LIMIT $3) \
         SELECT seq, at, detail, client_addr FROM recent \
         UNION ALL \
         SELECT -1, COUNT(*), '', '' FROM audit_log WHERE {PERSON} AND outcome = 'failure' \
         AND seq > coalesce((SELECT seq FROM recent ORDER BY seq DESC LIMIT 1 OFFSET 1), 0) \
         ORDER BY 1 DESC"
    ))
    .bind(corporation_id)
    .bind(actor)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let Some((-1, failed, _, _)) = rows.pop() else {
        return Err(sqlx::Error::RowNotFound);
    };
    Ok((rows, failed))
}

/// 操作履歴照会's search in terms of the table; `None` is "any".
#[derive(Debug, Default)]
pub struct Search {
    /// `at` from (inclusive) and until (exclusive), unix seconds.
    pub from: Option<i64>,
    pub until: Option<i64>,
    /// A user's records: made by them (`actor`) or on them (`target`).
    pub person: Option<(String, String)>,
    pub action: Option<String>,
    pub outcome: Option<String>,
}

const SEARCH: &str = "corporation_id = $1 AND ($2 IS NULL OR at >= $2) AND ($3 IS NULL OR at < $3) \
     AND ($4 IS NULL OR actor = $4 OR target = $5) AND ($6 IS NULL OR action = $6) AND ($7 IS NULL OR outcome = $7)";

/// How many of the corporation's records `search` finds.
pub async fn count_search(pool: &Pool, corporation_id: i64, search: &Search) -> Result<i64, sqlx::Error> {
    let (actor, target) = search.person.clone().unzip();
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE {SEARCH}"))
        .bind(corporation_id)
        .bind(search.from)
        .bind(search.until)
        .bind(actor)
        .bind(target)
        .bind(search.action.as_deref())
        .bind(search.outcome.as_deref())
        .fetch_one(pool)
        .await
}

/// The corporation's records `search` finds, newest first, `limit` of them from `offset`.
pub async fn page_search(
    pool: &Pool,
    corporation_id: i64,
    search: &Search,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    let (actor, target) = search.person.clone().unzip();
    sqlx::query_as(&format!(
        "SELECT seq, at, actor, corporation_id, action, target, outcome, detail, client_addr, prev_hash, hash \
         FROM audit_log WHERE {SEARCH} ORDER BY seq DESC LIMIT $8 OFFSET $9"
    ))
    .bind(corporation_id)
    .bind(search.from)
    .bind(search.until)
    .bind(actor)
    .bind(target)
    .bind(search.action.as_deref())
    .bind(search.outcome.as_deref())
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

//! Tables `certificates` and `crls`.

use super::Pool;
use super::Tx;

/// A certificate or open issuance.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertRow {
    pub id: i64,
    pub corporation_id: i64,
    pub user_pk: Option<i64>,
    pub state: String,
    pub opened_at: i64,
    pub acquire_by: i64,
    pub serial: Option<Vec<u8>>,
    pub der: Option<Vec<u8>>,
    pub not_after: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revocation_reason: Option<i64>,
    /// 1: the certificate names the shared CRL (`pki::crl::SHARED`), not its corporation's.
    pub shared_crl: Option<i64>,
}

const COLUMNS: &str =
    "id, corporation_id, user_pk, state, opened_at, acquire_by, serial, der, not_after, revoked_at, \
     revocation_reason, shared_crl";

/// The holder's live row (public for the query-plan test).
pub fn live_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM certificates WHERE corporation_id = $1 AND coalesce(user_pk, 0) = coalesce($2, 0) \
         AND state IN ('awaiting', 'issued')"
    )
}

/// The holder's live (awaiting or issued) certificate; `user_pk` `None` is the administrator.
pub async fn live(
    tx: &mut Tx,
    corporation_id: i64,
    user_pk: Option<i64>,
) -> Result<Option<CertRow>, sqlx::Error> {
    sqlx::query_as(&live_sql()).bind(corporation_id).bind(user_pk).fetch_optional(&mut **tx).await
}

/// The holder's live certificate, read outside a transaction (status screens).
pub async fn live_of(
    pool: &Pool,
    corporation_id: i64,
    user_pk: Option<i64>,
) -> Result<Option<CertRow>, sqlx::Error> {
    sqlx::query_as(&live_sql()).bind(corporation_id).bind(user_pk).fetch_optional(pool).await
}

/// The certificate with this serial, whatever its state.
pub async fn by_serial(pool: &Pool, serial: &[u8]) -> Result<Option<CertRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM certificates WHERE serial = $1"))
        .bind(serial)
        .fetch_optional(pool)
        .await
}

/// A certificate issued at once, without an acquisition window (renewal with the current one).
pub async fn insert_issued(
    tx: &mut Tx,
    corporation_id: i64,
    user_pk: Option<i64>,
    c: &Completed<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO certificates (corporation_id, user_pk, state, opened_at, acquire_by, serial, der, not_before, \
         not_after, acquired_at) VALUES ($1, $2, 'issued', $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(corporation_id)
    .bind(user_pk)
    .bind(now)
    .bind(now)
    .bind(c.serial)
    .bind(c.der)
    .bind(c.not_before)
    .bind(c.not_after)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every certificate of a corporation, newest first (bank operator).
pub async fn all_in_corporation(pool: &Pool, corporation_id: i64) -> Result<Vec<CertRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM certificates WHERE corporation_id = $1 ORDER BY id DESC"))
        .bind(corporation_id)
        .fetch_all(pool)
        .await
}

/// Revokes the holder's live certificate (issued or awaiting). Returns it as it was, if any.
pub async fn revoke_live(
    tx: &mut Tx,
    corporation_id: i64,
    user_pk: Option<i64>,
    reason: u8,
    now: i64,
) -> Result<Option<CertRow>, sqlx::Error> {
    let before = live(tx, corporation_id, user_pk).await?;
    if let Some(c) = &before {
        sqlx::query(
            "UPDATE certificates SET state = 'revoked', revoked_at = $1, revocation_reason = $2 WHERE id = $3",
        )
        .bind(now)
        .bind(i64::from(reason))
        .bind(c.id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(before)
}

/// A certificate revoked by serial: whose it was, its `notAfter` and its CRL.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct RevokedBySerial {
    pub corporation_id: i64,
    pub user_pk: Option<i64>,
    pub not_after: Option<i64>,
    pub shared_crl: Option<i64>,
}

/// Revokes one certificate by serial (bank operator). `None` when no issued one has that serial.
pub async fn revoke_serial(
    tx: &mut Tx,
    serial: &[u8],
    reason: u8,
    now: i64,
) -> Result<Option<RevokedBySerial>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE certificates SET state = 'revoked', revoked_at = $1, revocation_reason = $2 \
         WHERE serial = $3 AND state = 'issued' RETURNING corporation_id, user_pk, not_after, shared_crl",
    )
    .bind(now)
    .bind(i64::from(reason))
    .bind(serial)
    .fetch_optional(&mut **tx)
    .await
}

/// Opens an issuance awaiting acquisition. Fails with a unique violation if the holder already
/// has a live certificate (the one-certificate-per-user index).
pub async fn open(
    tx: &mut Tx,
    corporation_id: i64,
    user_pk: Option<i64>,
    now: i64,
    acquire_by: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO certificates (corporation_id, user_pk, state, opened_at, acquire_by) \
         VALUES ($1, $2, 'awaiting', $3, $4) RETURNING id",
    )
    .bind(corporation_id)
    .bind(user_pk)
    .bind(now)
    .bind(acquire_by)
    .fetch_one(&mut **tx)
    .await
}

/// A signed certificate, as it is stored.
pub struct Completed<'a> {
    pub serial: &'a [u8],
    pub der: &'a [u8],
    pub not_before: i64,
    pub not_after: i64,
}

/// The statement of [`live_of_many`] for `n` holders (public for the query-plan test). `CROSS
/// JOIN` makes SQLite look up each holder through the partial index `one_live_certificate_per_holder`
/// (usable only with its own `state IN (…)`) instead of scanning every live row.
pub fn live_of_many_sql(tx: &Tx, n: usize) -> String {
    let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("c.{c}")).collect();
    format!(
        "SELECT {} FROM (VALUES {}) AS v CROSS JOIN certificates AS c \
         WHERE c.corporation_id = v.column1 AND coalesce(c.user_pk, 0) = v.column2 AND c.state IN ('awaiting', 'issued')",
        columns.join(", "),
        super::values(tx, n, 2)
    )
}

/// The live rows of these holders (`(corporation_id, user_pk)`, `None` for the administrator), in
/// one statement.
pub async fn live_of_many(tx: &mut Tx, holders: &[(i64, Option<i64>)]) -> Result<Vec<CertRow>, sqlx::Error> {
    if holders.is_empty() {
        return Ok(Vec::new());
    }
    let sql = live_of_many_sql(tx, holders.len());
    let mut query = sqlx::query_as(&sql);
    for (corporation_id, user_pk) in holders {
        query = query.bind(*corporation_id).bind(user_pk.unwrap_or(0));
    }
    query.fetch_all(&mut **tx).await
}

/// The statement of [`complete`] for `n` issuances (public for the query-plan test).
pub fn complete_sql(tx: &Tx, n: usize) -> String {
    format!(
        "UPDATE certificates SET state = 'issued', serial = v.column2, der = v.column3, not_before = v.column4, \
         not_after = v.column5, acquired_at = v.column6 FROM (VALUES {}) AS v \
         WHERE certificates.id = v.column1 AND certificates.state = 'awaiting' RETURNING certificates.id",
        super::values(tx, n, 6)
    )
}

/// Completes open issuances (by id, with the time of acquisition) with their signed certificates,
/// in one statement. How many were completed.
pub async fn complete(tx: &mut Tx, issuances: &[(i64, Completed<'_>, i64)]) -> Result<usize, sqlx::Error> {
    if issuances.is_empty() {
        return Ok(0);
    }
    let sql = complete_sql(tx, issuances.len());
    let mut query = sqlx::query_scalar::<_, i64>(&sql);
    for (id, c, now) in issuances {
        query = query.bind(*id).bind(c.serial).bind(c.der).bind(c.not_before).bind(c.not_after).bind(*now);
    }
    Ok(query.fetch_all(&mut **tx).await?.len())
}

/// The statement of [`revoked`] (one row, one column: the JSON array): the certificates on the
/// shared CRL, or a corporation's others.
pub fn revoked_sql(tx: &Tx, shared: bool) -> String {
    let backend = super::Backend::of(tx);
    let (array, aggregate) = backend.json_functions();
    let hex = match backend {
        super::Backend::Sqlite => "hex(serial)",
        super::Backend::Postgres => "encode(serial, 'hex')",
    };
    let partition = if shared { "shared_crl = 1" } else { "corporation_id = $2 AND shared_crl IS NULL" };
    format!(
        "SELECT coalesce(CAST({aggregate}({array}({hex}, revoked_at, revocation_reason, not_after) ORDER BY revoked_at) \
         AS TEXT), '[]') FROM certificates \
         WHERE state = 'revoked' AND serial IS NOT NULL AND {partition} AND (not_after IS NULL OR not_after >= $1)"
    )
}

/// `(serial, revoked_at, reason, not_after)` of every revoked certificate of the CRL partition
/// `partition` (`pki::crl::SHARED`, or a corporation's id) still valid at `valid_at` (what its
/// CRL lists), in order of revocation, from the index `certificates_revoked` alone. Read as one
/// JSON array: handed over one row at a time from SQLite's worker thread, 10,000 of them cost a
/// re-signing 25 ms, as one array 15 (docs/PERFORMANCE.md, "再発行 on a grown CA").
pub async fn revoked(
    tx: &mut Tx,
    partition: i64,
    valid_at: i64,
) -> Result<Vec<(Vec<u8>, i64, i64, Option<i64>)>, sqlx::Error> {
    let shared = partition == SHARED_PARTITION;
    let sql = revoked_sql(tx, shared);
    let mut query = sqlx::query_scalar(&sql).bind(valid_at);
    if !shared {
        query = query.bind(partition);
    }
    let all: String = query.fetch_one(&mut **tx).await?;
    let decode = |e: Box<dyn std::error::Error + Send + Sync>| sqlx::Error::Decode(e);
    let all: Vec<(String, i64, i64, Option<i64>)> =
        serde_json::from_str(&all).map_err(|e| decode(Box::new(e)))?;
    all.into_iter()
        .map(|(serial, at, reason, not_after)| {
            Ok((hex::decode(serial).map_err(|e| decode(Box::new(e)))?, at, reason, not_after))
        })
        .collect()
}

/// The partition of the shared CRL in table `crls` (`pki::crl::SHARED`).
pub const SHARED_PARTITION: i64 = 0;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CrlRow {
    pub number: i64,
    pub this_update: i64,
    pub next_update: i64,
    pub der: Vec<u8>,
}

/// The current CRL of `partition`.
pub async fn crl(pool: &Pool, partition: i64) -> Result<Option<CrlRow>, sqlx::Error> {
    sqlx::query_as("SELECT number, this_update, next_update, der FROM crls WHERE partition_id = $1")
        .bind(partition)
        .fetch_optional(pool)
        .await
}

/// Every partition's current CRL, by partition.
pub async fn crls(pool: &Pool) -> Result<Vec<(i64, CrlRow)>, sqlx::Error> {
    let rows: Vec<(i64, i64, i64, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT partition_id, number, this_update, next_update, der FROM crls ORDER BY partition_id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(p, number, this_update, next_update, der)| {
            (p, CrlRow { number, this_update, next_update, der })
        })
        .collect())
}

/// The partitions whose CRL is missing or was signed at or before `signed_by`: the shared one
/// and every corporation's.
pub async fn stale_crls(pool: &Pool, signed_by: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT p.id FROM (SELECT 0 AS id UNION ALL SELECT id FROM corporations) AS p \
         LEFT JOIN crls ON crls.partition_id = p.id \
         WHERE crls.partition_id IS NULL OR crls.this_update <= $1 ORDER BY p.id",
    )
    .bind(signed_by)
    .fetch_all(pool)
    .await
}

/// How many partitions have a CRL, the sum of their cRLNumbers (how many CRLs were signed), the
/// oldest `this_update` and the earliest `next_update` (`None` before the first).
pub async fn crl_summary(pool: &Pool) -> Result<Option<(i64, i64, i64, i64)>, sqlx::Error> {
    let row: (i64, Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT count(*), CAST(sum(number) AS BIGINT), min(this_update), min(next_update) FROM crls",
    )
    .fetch_one(pool)
    .await?;
    Ok(match row {
        (n, Some(signed), Some(oldest), Some(next)) if n > 0 => Some((n, signed, oldest, next)),
        _ => None,
    })
}

/// `partition`'s current CRL's number, `this_update` and the last [`CRL_TAIL`] bytes of its
/// DER, which are its signature's and tell one signing from another (`(0, 0, [])` before the
/// first).
pub async fn crl_head(tx: &mut Tx, partition: i64) -> Result<(i64, i64, Vec<u8>), sqlx::Error> {
    Ok(sqlx::query_as::<_, (i64, i64, Vec<u8>)>(&format!(
        "SELECT number, this_update, substr(der, length(der) - {}) FROM crls WHERE partition_id = $1",
        CRL_TAIL - 1
    ))
    .bind(partition)
    .fetch_optional(&mut **tx)
    .await?
    .unwrap_or_default())
}

/// How many bytes of a CRL's end [`crl_head`] reads.
pub const CRL_TAIL: usize = 64;

/// Stores `row` as `partition`'s current CRL.
pub async fn store_crl(tx: &mut Tx, partition: i64, row: &CrlRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO crls (partition_id, number, this_update, next_update, der) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (partition_id) DO UPDATE SET number = excluded.number, this_update = excluded.this_update, \
         next_update = excluded.next_update, der = excluded.der",
    )
    .bind(partition)
    .bind(row.number)
    .bind(row.this_update)
    .bind(row.next_update)
    .bind(&row.der)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One certificate (or issuance) of 電子証明書一覧, with its holder.
#[derive(Debug, sqlx::FromRow)]
pub struct InventoryRow {
    /// The user's ID and name; `None`: the administrator's.
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub state: String,
    pub opened_at: i64,
    pub acquire_by: i64,
    pub serial: Option<Vec<u8>>,
    pub not_after: Option<i64>,
    pub acquired_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revocation_reason: Option<i64>,
}

/// Every certificate and issuance of the corporation, current and past, newest first.
pub async fn inventory(pool: &Pool, corporation_id: i64) -> Result<Vec<InventoryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.user_id, u.name, c.state, c.opened_at, c.acquire_by, c.serial, c.not_after, c.acquired_at, \
         c.revoked_at, c.revocation_reason \
         FROM certificates c LEFT JOIN users u ON u.id = c.user_pk \
         WHERE c.corporation_id = $1 ORDER BY c.id DESC",
    )
    .bind(corporation_id)
    .fetch_all(pool)
    .await
}

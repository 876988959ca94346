//! Table `sessions`. Tokens are looked up by their SHA-256; the token itself is never stored.

use super::corporations::{CorporationRow, CORPORATION_COLUMNS};
use super::Pool;
use super::Tx;
use sqlx::FromRow as _;
use std::sync::LazyLock;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub role: String,
    pub corporation_id: i64,
    pub user_pk: Option<i64>,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// Serial of the certificate a certificate-logon session is bound to.
    pub cert_serial: Option<Vec<u8>>,
    /// `full` (a session), or a logon waiting for its second factor: `code` (asked) or `enrol`
    /// (to be registered first).
    pub stage: String,
}

/// How long a logon may wait at its second factor before it must start again.
pub const SECOND_STEP_SECS: i64 = 300;

pub struct NewSession<'a> {
    pub token_hash: &'a [u8],
    pub role: &'a str,
    pub corporation_id: i64,
    pub user_pk: Option<i64>,
    pub client_addr: &'a str,
    pub cert_serial: Option<&'a [u8]>,
    pub stage: &'a str,
}

/// Inserts a session that began at `created_at` (its logon), last seen `now`.
pub async fn insert(tx: &mut Tx, s: &NewSession<'_>, created_at: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, role, corporation_id, user_pk, created_at, last_seen_at, client_addr, \
         cert_serial, stage) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(s.token_hash)
    .bind(s.role)
    .bind(s.corporation_id)
    .bind(s.user_pk)
    .bind(created_at)
    .bind(now)
    .bind(s.client_addr)
    .bind(s.cert_serial)
    .bind(s.stage)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How stale a live session's idle clock may be before a request writes it: within this many
/// seconds of the last write a request only reads the session, so requests in quick succession
/// do not each take the write lock. The idle timeout may so end up to this much early, never late.
pub const IDLE_CLOCK_STEP_SECS: i64 = 5;

/// The session with this token hash and its corporation, read in one statement (every request
/// with a session asks for both), if the session is still alive at `now`; refreshes its idle
/// clock (at most every [`IDLE_CLOCK_STEP_SECS`]). Expired sessions are deleted on the way; a
/// logon waits at its second factor [`SECOND_STEP_SECS`] at most.
pub async fn touch_live(
    pool: &Pool,
    token_hash: &[u8],
    now: i64,
    idle_secs: i64,
    max_secs: i64,
) -> Result<Option<(SessionRow, CorporationRow)>, sqlx::Error> {
    static WITH_CORPORATION: LazyLock<String> = LazyLock::new(|| {
        let corporation: Vec<String> =
            CORPORATION_COLUMNS.split(", ").map(|c| format!("c.{}", c.trim())).collect();
        format!(
            "SELECT s.role, s.corporation_id, s.user_pk, s.created_at, s.last_seen_at, s.cert_serial, s.stage, {} \
             FROM sessions s JOIN corporations c ON c.id = s.corporation_id WHERE s.token_hash = $1",
            corporation.join(", ")
        )
    });
    let row = sqlx::query(&WITH_CORPORATION).bind(token_hash).fetch_optional(pool).await?;
    let row = match row {
        Some(row) => Some((SessionRow::from_row(&row)?, CorporationRow::from_row(&row)?)),
        None => None,
    };
    let live = |r: &SessionRow| {
        r.last_seen_at + idle_secs > now
            && r.created_at + max_secs > now
            && (r.stage == "full" || r.created_at + SECOND_STEP_SECS > now)
    };
    match row {
        None => Ok(None),
        Some((r, corp)) if live(&r) && r.last_seen_at + IDLE_CLOCK_STEP_SECS > now => Ok(Some((r, corp))),
        Some((r, corp)) if live(&r) => {
            // Alive when read: its clock moves on, unless it ended meanwhile (logoff, lock).
            let mut tx = super::begin_write(pool).await?;
            let row = sqlx::query_as(
                "UPDATE sessions SET last_seen_at = CASE WHEN last_seen_at < $1 THEN $1 ELSE last_seen_at END \
                 WHERE token_hash = $2 \
                 RETURNING role, corporation_id, user_pk, created_at, last_seen_at, cert_serial, stage",
            )
            .bind(now)
            .bind(token_hash)
            .fetch_optional(&mut **tx)
            .await?;
            tx.commit().await?;
            Ok(row.map(|r| (r, corp)))
        }
        Some(_) => {
            // Expired: make sure it cannot come back.
            let mut tx = super::begin_write(pool).await?;
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&mut **tx)
                .await?;
            tx.commit().await?;
            Ok(None)
        }
    }
}

/// Ends one session; returns whether it existed.
pub async fn delete(tx: &mut Tx, token_hash: &[u8]) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut **tx).await?;
    Ok(done.rows_affected() > 0)
}

/// Ends every session bound to a certificate (it was revoked or replaced).
pub async fn delete_for_certificate(tx: &mut Tx, serial: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE cert_serial = $1").bind(serial).execute(&mut **tx).await?;
    Ok(())
}

/// Ends every session of one person except `keep` (after a PIN change).
pub async fn delete_others(
    tx: &mut Tx,
    corporation_id: i64,
    user_pk: Option<i64>,
    keep: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM sessions WHERE corporation_id = $1 AND coalesce(user_pk, 0) = coalesce($2, 0) AND token_hash <> $3",
    )
    .bind(corporation_id)
    .bind(user_pk)
    .bind(keep)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

//! Table `totp_secrets` (one sealed TOTP secret per person, pending until its first code), which
//! second factors a person registered, and the contract's second-factor policy (`corporations.second_factor`).

use super::{Pool, Tx};
use crate::model::LogonFactors;

/// A person's TOTP secret as stored: sealed (see `crate::ssr::seal`).
#[derive(Debug, sqlx::FromRow)]
pub struct TotpRow {
    pub id: i64,
    pub sealed: Vec<u8>,
    /// `None` while the registration waits for its first right code.
    pub confirmed_at: Option<i64>,
    /// The last time step accepted; only later ones are accepted after it.
    pub last_step: i64,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const HOLDER: &str = "corporation_id = $1 AND coalesce(user_pk, 0) = coalesce($2, 0)";

/// The TOTP row of one person (`user_pk` `None`: the administrator).
pub async fn find(
    pool: &Pool,
    corporation_id: i64,
    user_pk: Option<i64>,
) -> Result<Option<TotpRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT id, sealed, confirmed_at, last_step, created_at, last_used_at FROM totp_secrets WHERE {HOLDER}"
    ))
    .bind(corporation_id)
    .bind(user_pk)
    .fetch_optional(pool)
    .await
}

/// Which second factors the person registered: a confirmed TOTP secret, and passkeys.
pub async fn registered(
    pool: &Pool,
    corporation_id: i64,
    user_pk: Option<i64>,
) -> Result<LogonFactors, sqlx::Error> {
    let (totp, passkeys): (i64, i64) = sqlx::query_as(&format!(
        "SELECT (SELECT COUNT(*) FROM totp_secrets WHERE {HOLDER} AND confirmed_at IS NOT NULL), \
                (SELECT COUNT(*) FROM passkeys WHERE {HOLDER})"
    ))
    .bind(corporation_id)
    .bind(user_pk)
    .fetch_one(pool)
    .await?;
    Ok(LogonFactors { totp: totp > 0, passkey: passkeys > 0 })
}

/// A new pending secret for the person, replacing a pending one; returns `false` (and changes
/// nothing) when a confirmed one is there.
pub async fn put_pending(
    tx: &mut Tx,
    corporation_id: i64,
    user_pk: Option<i64>,
    sealed: &[u8],
    now: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query(&format!("DELETE FROM totp_secrets WHERE {HOLDER} AND confirmed_at IS NULL"))
        .bind(corporation_id)
        .bind(user_pk)
        .execute(&mut **tx)
        .await?;
    let done = sqlx::query(
        "INSERT INTO totp_secrets (corporation_id, user_pk, sealed, created_at) \
         SELECT $1, $2, $3, $4 WHERE NOT EXISTS \
         (SELECT 1 FROM totp_secrets WHERE corporation_id = $1 AND coalesce(user_pk, 0) = coalesce($2, 0))",
    )
    .bind(corporation_id)
    .bind(user_pk)
    .bind(sealed)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Accepts time step `step` of row `id`: once only, and only after every step accepted before.
/// `confirm`: the first code of a pending registration (which it confirms); otherwise the row
/// must be confirmed already. Returns whether it was accepted.
pub async fn accept_step(
    tx: &mut Tx,
    id: i64,
    step: i64,
    confirm: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE totp_secrets SET last_step = $1, last_used_at = $2, confirmed_at = coalesce(confirmed_at, $2) \
         WHERE id = $3 AND last_step < $1 AND (confirmed_at IS NULL) = $4",
    )
    .bind(step)
    .bind(now)
    .bind(id)
    .bind(confirm)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes the person's second factors: the TOTP secret (confirmed or pending) and every passkey.
/// Returns whether there was any.
pub async fn remove(tx: &mut Tx, corporation_id: i64, user_pk: Option<i64>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!("DELETE FROM totp_secrets WHERE {HOLDER}"))
        .bind(corporation_id)
        .bind(user_pk)
        .execute(&mut **tx)
        .await?;
    let passkeys = super::passkeys::remove_all(tx, corporation_id, user_pk).await?;
    Ok(done.rows_affected() > 0 || passkeys > 0)
}

/// Every sealed secret with its holder (corporation id, user row id): what `server check` opens.
pub async fn all_sealed(pool: &Pool) -> Result<Vec<(i64, Option<i64>, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT corporation_id, user_pk, sealed FROM totp_secrets ORDER BY id")
        .fetch_all(pool)
        .await
}

/// Sets the contract's policy (`off`, `optional`, `required`); `false` if no such contract.
pub async fn set_policy(tx: &mut Tx, contract_id: &str, policy: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE corporations SET second_factor = $1 WHERE contract_id = $2")
        .bind(policy)
        .bind(contract_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

//! Tables `passkeys` (each person's registered パスキー) and `passkey_ceremonies` (the server half
//! of a WebAuthn ceremony between its start and its finish).

use super::{Pool, Tx};

/// A registered passkey as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: i64,
    pub name: String,
    /// webauthn-rs's `Passkey` as JSON.
    pub credential: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const HOLDER: &str = "corporation_id = $1 AND coalesce(user_pk, 0) = coalesce($2, 0)";

/// The person's passkeys (`user_pk` `None`: the administrator), oldest first.
pub async fn list(
    pool: &Pool,
    corporation_id: i64,
    user_pk: Option<i64>,
) -> Result<Vec<PasskeyRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT id, name, credential, created_at, last_used_at FROM passkeys WHERE {HOLDER} ORDER BY id"
    ))
    .bind(corporation_id)
    .bind(user_pk)
    .fetch_all(pool)
    .await
}

/// Stores a new passkey; `false` (nothing stored) when its credential ID is registered already.
pub async fn insert(
    tx: &mut Tx,
    (corporation_id, user_pk): (i64, Option<i64>),
    name: &str,
    (credential_id, credential): (&[u8], &str),
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO passkeys (corporation_id, user_pk, name, credential_id, credential, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (credential_id) DO NOTHING",
    )
    .bind(corporation_id)
    .bind(user_pk)
    .bind(name)
    .bind(credential_id)
    .bind(credential)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a use of passkey `id`: its updated credential (counter, backup state) and the time.
pub async fn record_use(tx: &mut Tx, id: i64, credential: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE passkeys SET credential = $1, last_used_at = $2 WHERE id = $3")
        .bind(credential)
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Removes one of the person's passkeys; returns its name if it was theirs.
pub async fn remove(
    tx: &mut Tx,
    corporation_id: i64,
    user_pk: Option<i64>,
    id: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(&format!("DELETE FROM passkeys WHERE {HOLDER} AND id = $3 RETURNING name"))
        .bind(corporation_id)
        .bind(user_pk)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// Removes all the person's passkeys; returns how many there were.
pub async fn remove_all(tx: &mut Tx, corporation_id: i64, user_pk: Option<i64>) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(&format!("DELETE FROM passkeys WHERE {HOLDER}"))
        .bind(corporation_id)
        .bind(user_pk)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// Keeps a ceremony's state for the person and `purpose` until `expires_at`, replacing one
/// started before (and dropping every expired one).
pub async fn put_ceremony(
    tx: &mut Tx,
    (corporation_id, user_pk): (i64, Option<i64>),
    purpose: &str,
    state: &str,
    (now, expires_at): (i64, i64),
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM passkey_ceremonies WHERE expires_at <= $1").bind(now).execute(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO passkey_ceremonies (corporation_id, holder, purpose, state, expires_at) \
         VALUES ($1, coalesce($2, 0), $3, $4, $5) \
         ON CONFLICT (corporation_id, holder, purpose) DO UPDATE SET state = $4, expires_at = $5",
    )
    .bind(corporation_id)
    .bind(user_pk)
    .bind(purpose)
    .bind(state)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes (deletes) the person's ceremony of `purpose`: its state if it had not expired. A
/// challenge is answered once.
pub async fn take_ceremony(
    tx: &mut Tx,
    (corporation_id, user_pk): (i64, Option<i64>),
    purpose: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let taken: Option<(String, i64)> = sqlx::query_as(
        "DELETE FROM passkey_ceremonies WHERE corporation_id = $1 AND holder = coalesce($2, 0) AND purpose = $3 \
         RETURNING state, expires_at",
    )
    .bind(corporation_id)
    .bind(user_pk)
    .bind(purpose)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(taken.filter(|(_, expires_at)| *expires_at > now).map(|(state, _)| state))
}

//! `user_imports`: 利用者一括登録 between its steps (see `migrations/sqlite/0015_user_imports.sql`).

use super::Tx;

/// A checked upload, or the sealed PINs of a registered one.
#[derive(Debug, sqlx::FromRow)]
pub struct ImportRow {
    pub upload: String,
    pub file_name: String,
    pub body: String,
    pub pins: Option<Vec<u8>>,
}

/// Keeps an uploaded file for its corporation until `expires_at`, in place of any earlier one.
pub async fn store(
    tx: &mut Tx,
    corporation_id: i64,
    (upload, file_name, body): (&str, &str, &str),
    (expires_at, now): (i64, i64),
) -> Result<(), sqlx::Error> {
    // Whatever expired goes first, the PINs of a result never shown among it.
    sqlx::query("DELETE FROM user_imports WHERE expires_at <= $1").bind(now).execute(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO user_imports (corporation_id, upload, file_name, body, pins, expires_at) \
         VALUES ($1, $2, $3, $4, NULL, $5) \
         ON CONFLICT (corporation_id) DO UPDATE SET upload = $2, file_name = $3, body = $4, pins = NULL, \
         expires_at = $5",
    )
    .bind(corporation_id)
    .bind(upload)
    .bind(file_name)
    .bind(body)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The corporation's upload with this key, unless it expired (read in the caller's transaction
/// or on a connection of the pool).
pub async fn find(
    conn: &mut sqlx::AnyConnection,
    corporation_id: i64,
    upload: &str,
    now: i64,
) -> Result<Option<ImportRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT upload, file_name, body, pins FROM user_imports \
         WHERE corporation_id = $1 AND upload = $2 AND expires_at > $3",
    )
    .bind(corporation_id)
    .bind(upload)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// Marks the upload registered: its text goes, the sealed PINs stay until shown.
pub async fn registered(
    tx: &mut Tx,
    corporation_id: i64,
    pins: &[u8],
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE user_imports SET body = '', pins = $2, expires_at = $3 WHERE corporation_id = $1")
        .bind(corporation_id)
        .bind(pins)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Takes (deletes) the registered upload's sealed PINs: they are shown once.
pub async fn take_pins(
    tx: &mut Tx,
    corporation_id: i64,
    upload: &str,
    now: i64,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let pins: Option<Option<Vec<u8>>> = sqlx::query_scalar(
        "DELETE FROM user_imports WHERE corporation_id = $1 AND upload = $2 AND pins IS NOT NULL \
         AND expires_at > $3 RETURNING pins",
    )
    .bind(corporation_id)
    .bind(upload)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(pins.flatten())
}

//! Table `corporations`: contract corporations and their administrator's credentials.

use super::Pool;
use super::{Flag, PinKind, Tx};
use crate::ssr::secret::PinHash;

/// A corporation row as the logon needs it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CorporationRow {
    pub id: i64,
    pub contract_id: String,
    pub name: String,
    #[sqlx(try_from = "String")] // via From<String>
    pub admin_pin_hash: PinHashCol,
    #[sqlx(try_from = "String")]
    pub admin_confirm_pin_hash: PinHashCol,
    pub suspended_at: Option<i64>,
    pub previous_logon_at: Option<i64>,
    pub max_users: i64,
    #[sqlx(try_from = "Flag")]
    pub file_register_enabled: bool,
    #[sqlx(try_from = "Flag")]
    pub file_approve_enabled: bool,
    #[sqlx(try_from = "Flag")]
    pub file_send_enabled: bool,
    /// `id_pin` (either logon) or `certificate` (電子証明書方式 only).
    pub admin_logon_method: String,
    /// The administrator's e-mail address for the notices ('' when none).
    pub admin_email: String,
    /// The language the administrator last logged on in (`ja`, `en`).
    pub admin_lang: String,
    /// The contract's second-factor policy: `off`, `optional` or `required`.
    pub second_factor: String,
}

/// The columns of [`CorporationRow`].
pub(super) const CORPORATION_COLUMNS: &str =
    "id, contract_id, name, admin_pin_hash, admin_confirm_pin_hash, suspended_at, \
     previous_logon_at, max_users, file_register_enabled, file_approve_enabled, file_send_enabled, \
     admin_logon_method, admin_email, admin_lang, second_factor";

/// Column wrapper so that a hash read from the database is a [`PinHash`] at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinHashCol(pub PinHash);

impl From<String> for PinHashCol {
    fn from(value: String) -> Self {
        Self(PinHash::new(value))
    }
}

/// A line of the bank operator's corporation list.
#[derive(Debug, sqlx::FromRow)]
pub struct CorporationSummary {
    pub contract_id: String,
    pub name: String,
    pub max_users: i64,
    pub users: i64,
    pub suspended_at: Option<i64>,
    pub created_at: i64,
}

pub async fn find_by_contract_id(
    pool: &Pool,
    contract_id: &str,
) -> Result<Option<CorporationRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {CORPORATION_COLUMNS} FROM corporations WHERE contract_id = $1"))
        .bind(contract_id)
        .fetch_optional(pool)
        .await
}

pub async fn find_by_id(pool: &Pool, id: i64) -> Result<Option<CorporationRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {CORPORATION_COLUMNS} FROM corporations WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn contract_id_exists(tx: &mut Tx, contract_id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM corporations WHERE contract_id = $1")
        .bind(contract_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}

pub struct NewCorporation<'a> {
    pub contract_id: &'a str,
    pub name: &'a str,
    pub admin_pin_hash: &'a PinHash,
    pub admin_confirm_pin_hash: &'a PinHash,
    pub max_users: i64,
    /// '' when none.
    pub admin_email: &'a str,
}

pub async fn insert(tx: &mut Tx, c: &NewCorporation<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO corporations (contract_id, name, admin_pin_hash, admin_confirm_pin_hash, max_users, created_at, \
         admin_email) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(c.contract_id)
    .bind(c.name)
    .bind(c.admin_pin_hash.expose())
    .bind(c.admin_confirm_pin_hash.expose())
    .bind(c.max_users)
    .bind(now)
    .bind(c.admin_email)
    .fetch_one(&mut **tx)
    .await
}

/// Successful administrator logon: the latest logon becomes the previous one, failures reset,
/// and the language of the logon is remembered (the notices' language).
pub async fn record_admin_logon(tx: &mut Tx, id: i64, now: i64, lang: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE corporations SET previous_logon_at = last_logon_at, last_logon_at = $1, \
         admin_failed_logons = 0, admin_lang = $3 WHERE id = $2",
    )
    .bind(now)
    .bind(id)
    .bind(lang)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The column counting consecutive wrong administrator PINs of `kind`.
fn admin_failures(kind: PinKind) -> &'static str {
    match kind {
        PinKind::Logon => "admin_failed_logons",
        PinKind::Confirm => "admin_failed_confirms",
        PinKind::Code => "admin_failed_codes",
    }
}

/// Whether the contract is not suspended and no wrong entry of the administrator's PINs of
/// `kinds` is counted — a right PIN would change nothing. A read, without the write lock.
pub async fn admin_standing_clean(pool: &Pool, id: i64, kinds: &[PinKind]) -> Result<bool, sqlx::Error> {
    let counts: String = kinds.iter().map(|&kind| [" AND ", admin_failures(kind), " = 0"].concat()).collect();
    let clean: Option<Flag> =
        sqlx::query_scalar(&format!("SELECT suspended_at IS NULL{counts} FROM corporations WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(clean.is_some_and(|f| f.0))
}

/// Wrong administrator PIN of `kind`: counts consecutive failures of that PIN and, at
/// `threshold`, suspends the whole contract (契約法人利用中止) and ends its sessions. One statement,
/// inside the caller's write transaction, so concurrent attempts cannot slip past the threshold.
/// Returns whether the contract is suspended now.
pub async fn record_admin_failure(
    tx: &mut Tx,
    id: i64,
    kind: PinKind,
    threshold: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let column = admin_failures(kind);
    let Flag(suspended) = sqlx::query_scalar(&format!(
        "UPDATE corporations SET {column} = {column} + 1, \
         suspended_at = CASE WHEN suspended_at IS NULL AND {column} + 1 >= $1 THEN $2 ELSE suspended_at END \
         WHERE id = $3 RETURNING suspended_at IS NOT NULL"
    ))
    .bind(threshold)
    .bind(now)
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    if suspended {
        sqlx::query("DELETE FROM sessions WHERE corporation_id = $1").bind(id).execute(&mut **tx).await?;
    }
    Ok(suspended)
}

/// A right administrator PIN of `kind`: that PIN's consecutive-failure count starts again.
pub async fn reset_admin_failures(tx: &mut Tx, id: i64, kind: PinKind) -> Result<(), sqlx::Error> {
    let column = admin_failures(kind);
    sqlx::query(&format!("UPDATE corporations SET {column} = 0 WHERE id = $1 AND {column} <> 0"))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Whether the contract is suspended, read inside the transaction that is about to act on it.
pub async fn is_suspended(tx: &mut Tx, id: i64) -> Result<bool, sqlx::Error> {
    let at: Option<Option<i64>> = sqlx::query_scalar("SELECT suspended_at FROM corporations WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(at.flatten().is_some())
}

/// Bank operator: clears 契約法人利用中止 and the failure count. Returns whether it was suspended.
pub async fn unsuspend(tx: &mut Tx, contract_id: &str) -> Result<Option<bool>, sqlx::Error> {
    let was: Option<Flag> = sqlx::query_scalar(
        "UPDATE corporations SET suspended_at = NULL, admin_failed_logons = 0, admin_failed_confirms = 0, admin_failed_codes = 0 \
         WHERE contract_id = $1 \
         RETURNING TRUE",
    )
    .bind(contract_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(was.map(bool::from))
}

pub async fn list(pool: &Pool) -> Result<Vec<CorporationSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.contract_id, c.name, c.max_users, c.suspended_at, c.created_at, \
         (SELECT COUNT(*) FROM users u WHERE u.corporation_id = c.id AND u.deleted_at IS NULL) AS users \
         FROM corporations c ORDER BY c.contract_id",
    )
    .fetch_all(pool)
    .await
}

/// Sets the user limit (bank operator). Returns whether the corporation exists.
pub async fn set_max_users(tx: &mut Tx, contract_id: &str, max_users: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE corporations SET max_users = $1 WHERE contract_id = $2")
        .bind(max_users)
        .bind(contract_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How the administrator may log on (`id_pin` or `certificate`). `false`: no such contract.
pub async fn set_admin_logon_method(
    tx: &mut Tx,
    contract_id: &str,
    method: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE corporations SET admin_logon_method = $1 WHERE contract_id = $2")
        .bind(method)
        .bind(contract_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The administrator's e-mail address ('' removes it); whether the contract exists.
pub async fn set_admin_email(tx: &mut Tx, contract_id: &str, email: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE corporations SET admin_email = $1 WHERE contract_id = $2")
        .bind(email)
        .bind(contract_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// 外部ファイル送信権限設定 (登録, 承認, 送信).
pub async fn set_file_settings(tx: &mut Tx, id: i64, steps: [bool; 3]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE corporations SET file_register_enabled = $1, file_approve_enabled = $2, file_send_enabled = $3 \
         WHERE id = $4",
    )
    .bind(steps[0])
    .bind(steps[1])
    .bind(steps[2])
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

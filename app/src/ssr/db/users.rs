//! Table `users`. Every query is scoped to one corporation: a user ID of another corporation is
//! simply not found.

use super::corporations::PinHashCol;
use super::Pool;
use super::{Flag, PinKind, Tx};
use crate::ssr::secret::PinHash;

/// A user row (deleted users excluded unless a query says otherwise).
#[derive(Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub user_id: String,
    pub name: String,
    pub email: Option<String>,
    #[sqlx(try_from = "String")]
    pub pin_hash: PinHashCol,
    #[sqlx(try_from = "String")]
    pub confirm_pin_hash: PinHashCol,
    #[sqlx(try_from = "Flag")]
    pub pins_provisional: bool,
    pub logon_method: String,
    #[sqlx(try_from = "Flag")]
    pub suspended: bool,
    #[sqlx(try_from = "Flag")]
    pub accident: bool,
    #[sqlx(try_from = "Flag")]
    pub collection_blocked: bool,
    #[sqlx(try_from = "Flag")]
    pub collection_cum_blocked: bool,
    #[sqlx(try_from = "Flag")]
    pub perm_balance: bool,
    #[sqlx(try_from = "Flag")]
    pub perm_deposits: bool,
    #[sqlx(try_from = "Flag")]
    pub perm_history: bool,
    #[sqlx(try_from = "Flag")]
    pub perm_transfer: bool,
    #[sqlx(try_from = "Flag")]
    pub perm_scheduled_view: bool,
    #[sqlx(try_from = "Flag")]
    pub perm_scheduled_cancel: bool,
    #[sqlx(try_from = "Flag")]
    pub perm_payments: bool,
    #[sqlx(try_from = "Flag")]
    pub file_register: bool,
    #[sqlx(try_from = "Flag")]
    pub file_approve: bool,
    #[sqlx(try_from = "Flag")]
    pub file_send: bool,
    pub failed_logons: i64,
    pub last_logon_at: Option<i64>,
    pub previous_logon_at: Option<i64>,
    pub deleted_at: Option<i64>,
    /// The language the user last logged on in (`ja`, `en`): the notices' language.
    pub lang: String,
}

impl UserRow {
    /// オンライン取引 permissions in the order of `model::ONLINE_PERMISSIONS`.
    pub fn online(&self) -> [bool; 7] {
        [
            self.perm_balance,
            self.perm_deposits,
            self.perm_history,
            self.perm_transfer,
            self.perm_scheduled_view,
            self.perm_scheduled_cancel,
            self.perm_payments,
        ]
    }

    /// 外部ファイル送信 permissions (登録, 承認, 送信).
    pub fn file(&self) -> [bool; 3] {
        [self.file_register, self.file_approve, self.file_send]
    }
}

const USER_COLUMNS: &str = "id, user_id, name, email, pin_hash, confirm_pin_hash, pins_provisional, logon_method, \
     suspended, accident, collection_blocked, collection_cum_blocked, perm_balance, perm_deposits, perm_history, \
     perm_transfer, perm_scheduled_view, perm_scheduled_cancel, perm_payments, file_register, file_approve, file_send, \
     failed_logons, last_logon_at, previous_logon_at, deleted_at, lang";

/// A line of 利用者情報選択 (and of the status screen's lists): a live user and their live
/// certificate's state, with only these columns.
#[derive(Debug)]
pub struct ListedUser {
    pub id: i64,
    pub user_id: String,
    pub name: String,
    pub suspended: bool,
    pub accident: bool,
    pub collection_blocked: bool,
    pub collection_cum_blocked: bool,
    /// オンライン取引 permissions in the order of `model::ONLINE_PERMISSIONS`.
    pub online: [bool; 7],
    /// `awaiting` / `issued`, or `None` without a live certificate.
    pub cert_state: Option<String>,
    pub cert_not_after: Option<i64>,
}

/// A live certificate as a list reads it: its `state` (`awaiting` / `issued`), `not_after` and
/// `acquire_by`.
#[derive(Debug, serde::Deserialize)]
pub struct LiveCertificate {
    pub state: String,
    pub not_after: Option<i64>,
    pub acquire_by: i64,
}

/// A yes/no value inside the JSON of [`list_with_certificates`]: `true`/`false` from PostgreSQL,
/// `1`/`0` from SQLite.
struct JsonFlag(bool);

impl<'de> serde::Deserialize<'de> for JsonFlag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Either {
            Bool(bool),
            Int(i64),
        }
        Ok(JsonFlag(match Either::deserialize(d)? {
            Either::Bool(b) => b,
            Either::Int(i) => i != 0,
        }))
    }
}

/// The live users of a corporation by user ID, each with their live certificate's state, and the
/// administrator's live certificate.
///
/// One statement of two reads (users; live certificates), each aggregated by the database into
/// one JSON array (one row instead of one per user: handing 10,000 rows one by one from SQLite's worker thread
/// costs most of the time, see docs/PERFORMANCE.md P5), joined here by user id — linear in the
/// corporation's size whatever the planner does (SQLite does not use the `coalesce` index for a
/// SQL join, which takes seconds for 10,000 users).
pub async fn list_with_certificates(
    pool: &Pool,
    corporation_id: i64,
) -> Result<(Vec<ListedUser>, Option<LiveCertificate>), sqlx::Error> {
    type Row = (i64, String, String, [JsonFlag; 11]);
    let (array, aggregate) = super::backend(pool).json_functions();
    let (users, live): (String, String) = sqlx::query_as(&format!(
        "SELECT (SELECT coalesce(CAST({aggregate}({array}(id, user_id, name, {array}(suspended, accident, \
         collection_blocked, collection_cum_blocked, perm_balance, perm_deposits, perm_history, perm_transfer, \
         perm_scheduled_view, perm_scheduled_cancel, perm_payments)) ORDER BY user_id) AS TEXT), '[]') \
         FROM users WHERE corporation_id = $1 AND deleted_at IS NULL), \
         (SELECT coalesce(CAST({aggregate}({array}(user_pk, state, not_after, acquire_by)) AS TEXT), '[]') \
         FROM certificates WHERE corporation_id = $1 AND state IN ('awaiting', 'issued'))"
    ))
    .bind(corporation_id)
    .fetch_one(pool)
    .await?;
    let decode = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
    let users: Vec<Row> = serde_json::from_str(&users).map_err(decode)?;
    let live: Vec<(Option<i64>, String, Option<i64>, i64)> = serde_json::from_str(&live).map_err(decode)?;
    let mut administrator = None;
    let mut of_users = std::collections::HashMap::with_capacity(live.len());
    for (user_pk, state, not_after, acquire_by) in live {
        match user_pk {
            Some(user_pk) => {
                of_users.insert(user_pk, (state, not_after));
            }
            None => administrator = Some(LiveCertificate { state, not_after, acquire_by }),
        }
    }
    let users = users
        .into_iter()
        .map(|(id, user_id, name, flags)| {
            let [suspended, accident, collection_blocked, collection_cum_blocked, online @ ..] =
                flags.map(|f| f.0);
            let (cert_state, cert_not_after) =
                of_users.remove(&id).map_or((None, None), |(s, n)| (Some(s), n));
            ListedUser {
                id,
                user_id,
                name,
                suspended,
                accident,
                collection_blocked,
                collection_cum_blocked,
                online,
                cert_state,
                cert_not_after,
            }
        })
        .collect();
    Ok((users, administrator))
}

/// The live (not deleted) users of a corporation, by user ID.
pub async fn list(pool: &Pool, corporation_id: i64) -> Result<Vec<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE corporation_id = $1 AND deleted_at IS NULL ORDER BY user_id"
    ))
    .bind(corporation_id)
    .fetch_all(pool)
    .await
}

/// A live (not deleted) user of this corporation.
pub async fn find(pool: &Pool, corporation_id: i64, user_id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE corporation_id = $1 AND user_id = $2 AND deleted_at IS NULL"
    ))
    .bind(corporation_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await
}

/// A user by row id, deleted or not (sessions and certificates refer to users by row id).
pub async fn find_by_pk(pool: &Pool, pk: i64) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(pk)
        .fetch_optional(pool)
        .await
}

/// Successful user logon: the latest logon becomes the previous one, failures reset, and the
/// language of the logon is remembered (the notices' language).
pub async fn record_logon(tx: &mut Tx, id: i64, now: i64, lang: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET previous_logon_at = last_logon_at, last_logon_at = $1, failed_logons = 0, lang = $3 \
         WHERE id = $2",
    )
    .bind(now)
    .bind(id)
    .bind(lang)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The column counting a user's consecutive wrong PINs of `kind`.
fn failures(kind: PinKind) -> &'static str {
    match kind {
        PinKind::Logon => "failed_logons",
        PinKind::Confirm => "failed_confirms",
        PinKind::Code => "failed_codes",
    }
}

/// Whether the user (of `corporation_id`) is neither 利用停止, 事故登録 nor deleted, the contract is
/// not suspended, and no wrong entry of the user's PINs of `kinds` is counted — a right PIN would
/// change nothing. A read, without the write lock.
pub async fn standing_clean(
    pool: &Pool,
    corporation_id: i64,
    id: i64,
    kinds: &[PinKind],
) -> Result<bool, sqlx::Error> {
    let counts: String = kinds.iter().map(|&kind| [" AND u.", failures(kind), " = 0"].concat()).collect();
    let clean: Option<Flag> = sqlx::query_scalar(&format!(
        "SELECT c.suspended_at IS NULL AND NOT u.suspended AND NOT u.accident AND u.deleted_at IS NULL{counts} \
         FROM users u JOIN corporations c ON c.id = u.corporation_id WHERE u.id = $1 AND c.id = $2"
    ))
    .bind(id)
    .bind(corporation_id)
    .fetch_optional(pool)
    .await?;
    Ok(clean.is_some_and(|f| f.0))
}

/// Wrong user PIN of `kind`: counts consecutive failures of that PIN and, at `threshold`, sets
/// 利用停止 and ends the user's sessions — one statement inside the caller's write transaction, so
/// concurrent attempts cannot slip past the threshold. Returns whether the user is locked now.
pub async fn record_failure(
    tx: &mut Tx,
    id: i64,
    kind: PinKind,
    threshold: i64,
) -> Result<bool, sqlx::Error> {
    let column = failures(kind);
    let Flag(locked) = sqlx::query_scalar(&format!(
        "UPDATE users SET {column} = {column} + 1, \
         suspended = CASE WHEN {column} + 1 >= $1 THEN TRUE ELSE suspended END \
         WHERE id = $2 RETURNING suspended"
    ))
    .bind(threshold)
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    if locked {
        sqlx::query("DELETE FROM sessions WHERE user_pk = $1").bind(id).execute(&mut **tx).await?;
    }
    Ok(locked)
}

/// A right user PIN of `kind`: that PIN's consecutive-failure count starts again.
pub async fn reset_failures(tx: &mut Tx, id: i64, kind: PinKind) -> Result<(), sqlx::Error> {
    let column = failures(kind);
    sqlx::query(&format!("UPDATE users SET {column} = 0 WHERE id = $1 AND {column} <> 0"))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The user's lock flags, read inside the transaction that is about to act on them:
/// `(利用停止, 事故登録, deleted)`.
pub async fn blocks(tx: &mut Tx, id: i64) -> Result<(bool, bool, bool), sqlx::Error> {
    let row: Option<(Flag, Flag, Flag)> =
        sqlx::query_as("SELECT suspended, accident, deleted_at IS NOT NULL FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map_or((true, true, true), |(a, b, c)| (a.0, b.0, c.0)))
}

/// The user's own PIN change: both PINs final from now on.
pub async fn set_final_pins(
    tx: &mut Tx,
    id: i64,
    pin_hash: &PinHash,
    confirm_pin_hash: &PinHash,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET pin_hash = $1, confirm_pin_hash = $2, pins_provisional = FALSE WHERE id = $3",
    )
    .bind(pin_hash.expose())
    .bind(confirm_pin_hash.expose())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every user ID the corporation has given, with whether its user was deleted (a deleted user's
/// ID is never given again).
pub async fn given_ids(
    conn: &mut sqlx::AnyConnection,
    corporation_id: i64,
) -> Result<Vec<(String, bool)>, sqlx::Error> {
    let rows: Vec<(String, Flag)> =
        sqlx::query_as("SELECT user_id, deleted_at IS NOT NULL FROM users WHERE corporation_id = $1")
            .bind(corporation_id)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|(id, deleted)| (id, deleted.0)).collect())
}

/// The live users of a corporation as 一括再発行 needs them: row id, user ID and 事故登録.
pub async fn live_brief(tx: &mut Tx, corporation_id: i64) -> Result<Vec<(i64, String, bool)>, sqlx::Error> {
    let rows: Vec<(i64, String, Flag)> = sqlx::query_as(
        "SELECT id, user_id, accident FROM users WHERE corporation_id = $1 AND deleted_at IS NULL",
    )
    .bind(corporation_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(id, user_id, accident)| (id, user_id, accident.0)).collect())
}

/// Users that count against the limit (deleted ones do not).
pub async fn count_live(tx: &mut Tx, corporation_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE corporation_id = $1 AND deleted_at IS NULL")
        .bind(corporation_id)
        .fetch_one(&mut **tx)
        .await
}

/// Everything the administrator sets on a user (PIN hashes only when they are (re)set).
pub struct UserFields<'a> {
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub logon_method: &'a str,
    pub online: [bool; 7],
    pub file: [bool; 3],
    pub accident: bool,
}

impl UserFields<'_> {
    /// The seven オンライン取引 columns, then the three ファイル伝送 ones, in the table's order
    /// (`perm_balance` … `perm_payments`, `file_register` … `file_send`).
    fn flags(&self) -> impl Iterator<Item = bool> + '_ {
        self.online.iter().chain(&self.file).copied()
    }
}

pub struct NewUser<'a> {
    pub corporation_id: i64,
    pub user_id: &'a str,
    pub pin_hash: &'a PinHash,
    pub confirm_pin_hash: &'a PinHash,
    /// Provisional PINs must be changed at first logon.
    pub pins_provisional: bool,
    pub fields: UserFields<'a>,
}

/// Inserts a user. A user ID used before in the corporation (even by a deleted user) fails
/// with a unique violation, which the caller reports as "taken".
pub async fn insert(tx: &mut Tx, u: &NewUser<'_>, now: i64) -> Result<i64, sqlx::Error> {
    let f = &u.fields;
    let mut query = sqlx::query_scalar(
        "INSERT INTO users (corporation_id, user_id, name, email, pin_hash, confirm_pin_hash, pins_provisional, \
         logon_method, accident, perm_balance, perm_deposits, perm_history, perm_transfer, perm_scheduled_view, \
         perm_scheduled_cancel, perm_payments, file_register, file_approve, file_send, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
         RETURNING id",
    )
    .bind(u.corporation_id)
    .bind(u.user_id)
    .bind(f.name)
    .bind(f.email)
    .bind(u.pin_hash.expose())
    .bind(u.confirm_pin_hash.expose())
    .bind(u.pins_provisional)
    .bind(f.logon_method)
    .bind(f.accident);
    for flag in f.flags() {
        query = query.bind(flag);
    }
    query.bind(now).fetch_one(&mut **tx).await
}

/// Updates what the administrator changes on 利用者情報変更.
pub async fn update(tx: &mut Tx, id: i64, f: &UserFields<'_>, unlock: bool) -> Result<(), sqlx::Error> {
    let mut query = sqlx::query(
        "UPDATE users SET name = $1, email = $2, logon_method = $3, accident = $4, \
         perm_balance = $5, perm_deposits = $6, perm_history = $7, perm_transfer = $8, perm_scheduled_view = $9, \
         perm_scheduled_cancel = $10, perm_payments = $11, file_register = $12, file_approve = $13, file_send = $14, \
         suspended = CASE WHEN $15 THEN FALSE ELSE suspended END, \
         failed_logons = CASE WHEN $16 THEN 0 ELSE failed_logons END, \
         failed_confirms = CASE WHEN $16 THEN 0 ELSE failed_confirms END, \
         failed_codes = CASE WHEN $16 THEN 0 ELSE failed_codes END \
         WHERE id = $17",
    )
    .bind(f.name)
    .bind(f.email)
    .bind(f.logon_method)
    .bind(f.accident);
    for flag in f.flags() {
        query = query.bind(flag);
    }
    query.bind(unlock).bind(unlock).bind(id).execute(&mut **tx).await?;
    Ok(())
}

/// Resets PINs to provisional ones (either or both).
pub async fn reset_pins(
    tx: &mut Tx,
    id: i64,
    pin_hash: Option<&PinHash>,
    confirm_pin_hash: Option<&PinHash>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET pin_hash = COALESCE($1, pin_hash), confirm_pin_hash = COALESCE($2, confirm_pin_hash), \
         pins_provisional = TRUE WHERE id = $3",
    )
    .bind(pin_hash.map(PinHash::expose))
    .bind(confirm_pin_hash.map(PinHash::expose))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// 登録抹消: the row stays (audit, ID never reused); sessions of the user end.
pub async fn mark_deleted(tx: &mut Tx, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_pk = $1").bind(id).execute(&mut **tx).await?;
    Ok(())
}

/// Whether an error is the `UNIQUE (corporation_id, user_id)` violation.
pub fn is_duplicate_user_id(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(sqlx::error::DatabaseError::is_unique_violation)
}

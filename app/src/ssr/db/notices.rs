//! Table `notices`: the outbox. Rows are inserted in the transaction of the change they tell
//! about; the sender claims one due row at a time under the write lock (so two senders, of one
//! process or of several instances on one PostgreSQL database, never hold the same row), and
//! records the outcome.

use super::{Pool, Tx};

/// A notice to write.
pub struct NewNotice<'a> {
    pub corporation_id: Option<i64>,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub message_id: &'a str,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: i64,
    pub corporation_id: Option<i64>,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub created_at: i64,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: String,
}

const COLUMNS: &str =
    "id, corporation_id, kind, recipient, subject, body, message_id, created_at, state, attempts, \
     next_attempt_at, sent_at, last_error";

pub async fn insert(tx: &mut Tx, n: &NewNotice<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notices (corporation_id, kind, recipient, subject, body, message_id, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(n.corporation_id)
    .bind(n.kind)
    .bind(n.recipient)
    .bind(n.subject)
    .bind(n.body)
    .bind(n.message_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Claims the oldest due pending row for `lease` seconds (inside a write transaction: no other
/// sender can claim it meanwhile), counting the attempt.
pub async fn claim(tx: &mut Tx, now: i64, lease: i64) -> Result<Option<NoticeRow>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM notices WHERE state = 'pending' AND next_attempt_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until <= $1) ORDER BY id LIMIT 1",
    )
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = id else { return Ok(None) };
    sqlx::query_as(&format!(
        "UPDATE notices SET claimed_until = $1, attempts = attempts + 1 WHERE id = $2 RETURNING {COLUMNS}"
    ))
    .bind(now + lease)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// The server accepted it.
pub async fn sent(pool: &Pool, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE notices SET state = 'sent', sent_at = $1, claimed_until = NULL, last_error = '' WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// A failure: tried again at `retry_at`, or (`None`) failed for good.
pub async fn failed(pool: &Pool, id: i64, error: &str, retry_at: Option<i64>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE notices SET state = CASE WHEN $1 IS NULL THEN 'failed' ELSE 'pending' END, \
         next_attempt_at = COALESCE($1, next_attempt_at), claimed_until = NULL, last_error = $2 WHERE id = $3",
    )
    .bind(retry_at)
    .bind(error)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Every notice, newest first (`failed_only`: those that failed for good), at most `limit`.
pub async fn list(pool: &Pool, failed_only: bool, limit: i64) -> Result<Vec<NoticeRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM notices WHERE ($1 = FALSE OR state = 'failed') ORDER BY id DESC LIMIT $2"
    ))
    .bind(failed_only)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Pending notices (due or not).
pub async fn pending(pool: &Pool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM notices WHERE state = 'pending'").fetch_one(pool).await
}

/// Whom a notice about a holder goes to, read in the change's transaction: the corporation's
/// name, the administrator's address and language, and the user's name, address and language
/// (`user_pk` `None`: the administrator is the holder).
pub struct Addressee {
    pub corporation_name: String,
    pub admin_email: String,
    pub admin_lang: String,
    pub user: Option<(String, String, String)>,
}

pub async fn addressee(
    tx: &mut Tx,
    corporation_id: i64,
    user_pk: Option<i64>,
) -> Result<Addressee, sqlx::Error> {
    let (corporation_name, admin_email, admin_lang): (String, String, String) =
        sqlx::query_as("SELECT name, admin_email, admin_lang FROM corporations WHERE id = $1")
            .bind(corporation_id)
            .fetch_one(&mut **tx)
            .await?;
    let user = match user_pk {
        Some(pk) => Some(
            sqlx::query_as("SELECT name, COALESCE(email, ''), lang FROM users WHERE id = $1")
                .bind(pk)
                .fetch_one(&mut **tx)
                .await?,
        ),
        None => None,
    };
    Ok(Addressee { corporation_name, admin_email, admin_lang, user })
}

/// `(契約法人ID, 契約法人名)` of a corporation, in the change's transaction.
pub async fn contract_of(tx: &mut Tx, corporation_id: i64) -> Result<(String, String), sqlx::Error> {
    sqlx::query_as("SELECT contract_id, name FROM corporations WHERE id = $1")
        .bind(corporation_id)
        .fetch_one(&mut **tx)
        .await
}

/// A certificate (or issuance) due for a reminder.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Due {
    pub id: i64,
    pub corporation_id: i64,
    pub user_pk: Option<i64>,
    pub serial: Option<Vec<u8>>,
    /// `not_after` of a certificate, `acquire_by` of an issuance.
    pub ends_at: i64,
}

/// Certificates in use (`awaiting`: issuances waiting for acquisition) whose end falls in
/// (`now`, `until`] and that have no `mark` yet, at most 500 (the scan repeats until none).
pub async fn due(
    tx: &mut Tx,
    awaiting: bool,
    now: i64,
    until: i64,
    mark: &str,
) -> Result<Vec<Due>, sqlx::Error> {
    let (state, end) = if awaiting { ("awaiting", "acquire_by") } else { ("issued", "not_after") };
    sqlx::query_as(&format!(
        "SELECT c.id, c.corporation_id, c.user_pk, c.serial, c.{end} AS ends_at FROM certificates c \
         WHERE c.state = '{state}' AND c.{end} > $1 AND c.{end} <= $2 \
         AND NOT EXISTS (SELECT 1 FROM notice_marks m WHERE m.certificate_id = c.id AND m.mark = $3) \
         ORDER BY c.id LIMIT 500"
    ))
    .bind(now)
    .bind(until)
    .bind(mark)
    .fetch_all(&mut **tx)
    .await
}

/// Records that `certificate_id` had its `mark`; false if it already had.
pub async fn mark(tx: &mut Tx, certificate_id: i64, mark: &str) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("INSERT INTO notice_marks (certificate_id, mark) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(certificate_id)
            .bind(mark)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// One page of a corporation's notices, newest first.
pub async fn page_for_corporation(
    pool: &Pool,
    corporation_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<NoticeRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM notices WHERE corporation_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(corporation_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

pub async fn count_for_corporation(pool: &Pool, corporation_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM notices WHERE corporation_id = $1")
        .bind(corporation_id)
        .fetch_one(pool)
        .await
}

//! Table `users`.

use super::Tx;
use crate::ssr::secret::PinHash;

pub struct NewUser<'a> {
    pub corporation_id: i64,
    pub user_id: &'a str,
    pub name: &'a str,
    pub pin_hash: &'a PinHash,
    pub confirm_pin_hash: &'a PinHash,
    /// Provisional PINs must be changed at first logon.
    pub pins_provisional: bool,
    /// All seven オンライン取引 permissions at once (the demo users have them all).
    pub all_online_permissions: bool,
}

pub async fn insert(tx: &mut Tx, u: &NewUser<'_>, now: i64) -> Result<i64, sqlx::Error> {
    let p = i64::from(u.all_online_permissions);
    let id = sqlx::query(
        "INSERT INTO users (corporation_id, user_id, name, pin_hash, confirm_pin_hash, pins_provisional, \
         perm_balance, perm_deposits, perm_history, perm_transfer, perm_scheduled_view, \
         perm_scheduled_cancel, perm_payments, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(u.corporation_id)
    .bind(u.user_id)
    .bind(u.name)
    .bind(u.pin_hash.expose())
    .bind(u.confirm_pin_hash.expose())
    .bind(i64::from(u.pins_provisional))
    .bind(p)
    .bind(p)
    .bind(p)
    .bind(p)
    .bind(p)
    .bind(p)
    .bind(p)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .last_insert_rowid();
    Ok(id)
}

//! SQL that only the benchmark harness runs (feature `bench`), on its own temporary data.

use super::{Pool, Tx};

/// Sets every administrator's and every user's two PIN hashes.
pub async fn set_every_pin_hash(
    pool: &Pool,
    admin: (&str, &str),
    user: (&str, &str),
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE corporations SET admin_pin_hash = $1, admin_confirm_pin_hash = $2")
        .bind(admin.0)
        .bind(admin.1)
        .execute(pool)
        .await?;
    sqlx::query("UPDATE users SET pin_hash = $1, confirm_pin_hash = $2")
        .bind(user.0)
        .bind(user.1)
        .execute(pool)
        .await?;
    Ok(())
}

/// A corporation `contract_id` with placeholder PIN hashes (never logged on); its id.
pub async fn corporation(
    tx: &mut Tx,
    contract_id: &str,
    max_users: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO corporations (contract_id, name, admin_pin_hash, admin_confirm_pin_hash, max_users, created_at) \
         VALUES ($1, $2, 'bench', 'bench', $3, $4) RETURNING id",
    )
    .bind(contract_id)
    .bind(format!("性能試験{contract_id}"))
    .bind(max_users)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// `corporations` corporations `B0000000001`… (the same placeholder PIN hashes, never logged on),
/// each with its administrator's issued certificate — ending 1 to 400 days after `now`, spread
/// evenly — and `revoked_each` revoked ones, in one transaction.
pub async fn corporations_with_certificates(
    pool: &Pool,
    corporations: usize,
    revoked_each: usize,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = super::begin_write(pool).await?;
    for i in 0..corporations {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO corporations (contract_id, name, admin_pin_hash, admin_confirm_pin_hash, created_at) \
             VALUES ($1, $2, 'bench', 'bench', $3) RETURNING id",
        )
        .bind(format!("B{:010}", i + 1))
        .bind(format!("性能試験{i}"))
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        let days = i64::try_from(i % 400).unwrap_or(0) + 1;
        for j in 0..=revoked_each {
            let (state, not_after) =
                if j == 0 { ("issued", now + days * 86_400) } else { ("revoked", now + 86_400) };
            sqlx::query(
                "INSERT INTO certificates (corporation_id, user_pk, state, opened_at, acquire_by, serial, der, \
                 not_before, not_after, acquired_at, revoked_at, revocation_reason) \
                 VALUES ($1, NULL, $2, $3, $3, $4, $5, $3, $6, $3, $7, $8)",
            )
            .bind(id)
            .bind(state)
            .bind(now)
            .bind(format!("{i:010}-{j:04}").into_bytes())
            .bind(vec![0u8])
            .bind(not_after)
            .bind((j > 0).then_some(now))
            .bind((j > 0).then_some(4_i64))
            .execute(&mut **tx)
            .await?;
        }
    }
    tx.commit().await
}

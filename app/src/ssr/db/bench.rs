//! SQL that only the benchmark harness runs (feature `bench`), on its own temporary data.

use super::Pool;

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

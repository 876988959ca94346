//! Queries of `server backup` / `server restore`: a consistent copy of the live database and the
//! counts the archive's manifest records. Nothing here changes the database it reads.

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::SqlitePool;
use std::path::Path;
use std::time::Duration;

/// What the manifest records, and what a restore must find again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Contract corporations (契約法人).
    pub contracts: i64,
    /// Certificates and issuances, whatever their state.
    pub certificates: i64,
    pub audit_records: i64,
}

/// Opens an existing database for a backup, without creating it, without migrations and without
/// changing its journal mode (the live database's own WAL applies), so that a backup never alters
/// what it copies. A writer holding the lock is waited for, as the server does (10 s).
pub async fn open_live(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(10));
    SqlitePoolOptions::new().max_connections(1).connect_with(options).await
}

/// Writes a consistent copy of the database to `dest` (which must not exist) with
/// `VACUUM INTO`: one read transaction, so writers carry on and the copy holds every transaction
/// committed before it began and none after. The copy is compact and needs no `-wal` file.
pub async fn snapshot(pool: &SqlitePool, dest: &Path) -> Result<(), sqlx::Error> {
    // Bound, not spliced into the SQL; a path that is not UTF-8 would be mangled, so it is refused.
    let dest = dest
        .to_str()
        .ok_or_else(|| sqlx::Error::Configuration("the snapshot's path is not valid UTF-8".into()))?;
    sqlx::query("VACUUM INTO ?").bind(dest).execute(pool).await?;
    Ok(())
}

/// Opens a snapshot file read-only and immutable: no `-wal`/`-shm` files appear beside it and
/// its bytes stay exactly those the manifest hashed.
pub async fn open_snapshot(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let options =
        SqliteConnectOptions::new().filename(path).read_only(true).immutable(true).create_if_missing(false);
    SqlitePoolOptions::new().max_connections(1).connect_with(options).await
}

/// SQLite's own consistency check (`PRAGMA quick_check`): `None` when the file is sound, else
/// the first problem it reports.
pub async fn quick_check(pool: &SqlitePool) -> Result<Option<String>, sqlx::Error> {
    let first: String = sqlx::query_scalar("PRAGMA quick_check").fetch_one(pool).await?;
    Ok((first != "ok").then_some(first))
}

/// Contracts, certificates and audit records, read in one statement (one snapshot).
pub async fn counts(pool: &SqlitePool) -> Result<Counts, sqlx::Error> {
    let (contracts, certificates, audit_records) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM corporations), (SELECT COUNT(*) FROM certificates), \
         (SELECT COUNT(*) FROM audit_log)",
    )
    .fetch_one(pool)
    .await?;
    Ok(Counts { contracts, certificates, audit_records })
}

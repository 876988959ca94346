//! The only module with SQL. Each submodule owns the queries of one table; callers pass either
//! the pool (reads) or an open write transaction (changes, always together with their audit row).

pub mod audit;
pub mod backup;
pub mod certificates;
pub mod check;
pub mod corporations;
pub mod ocsp;
pub mod sessions;
pub mod users;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::time::Duration;

pub type Tx = Transaction<'static, Sqlite>;

/// Opens (creating if needed) the SQLite database and applies the migrations.
///
/// WAL journal with `synchronous = FULL`: a transaction that returned is on disk, even if the
/// machine loses power right after. Foreign keys are enforced.
pub async fn open(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
    sqlx::migrate!("../migrations").run(&pool).await?;
    Ok(pool)
}

/// Starts a write transaction that takes SQLite's write lock at once (`BEGIN IMMEDIATE`), so
/// that read-then-write sequences (audit chain, counters) cannot interleave between writers.
pub async fn begin_write(pool: &SqlitePool) -> Result<Tx, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

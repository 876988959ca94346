//! The only module with SQL. Each submodule owns the queries of one table; callers pass either
//! the pool (reads) or an open write transaction (changes, always together with their audit row).
//!
//! Two backends run the same queries through sqlx's `Any` driver: SQLite (the embedded default, a
//! file in the data folder) and PostgreSQL (`--database postgres://…`, several server instances
//! on one database). The SQL is written for both: numbered parameters (`$1`), `TRUE`/`FALSE`,
//! `RETURNING`, `ON CONFLICT`; where they differ (hex of a blob, substring search) the query is
//! chosen by [`Backend`]. Each backend has its own migrations (`migrations/sqlite`,
//! `migrations/postgres`) describing the same schema.
//!
//! Never: decides anything — no rule, no PIN check, no audit record of its own; the rooms above
//! call it inside the transactions they open.

pub mod audit;
pub mod backup;
#[cfg(feature = "bench")]
pub mod bench;
pub mod certificates;
pub mod check;
pub mod corporations;
pub mod imports;
pub mod notices;
pub mod ocsp;
pub mod ops;
pub mod passkeys;
pub mod second_factor;
pub mod sessions;
pub mod users;

use sqlx::any::{AnyPoolOptions, AnyTypeInfo, AnyTypeInfoKind, AnyValueRef};
use sqlx::error::BoxDynError;
use sqlx::{Any, Executor, Transaction, TypeInfo as _, ValueRef as _};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// Which of a person's credentials was typed: each has its own count of consecutive wrong entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinKind {
    /// 契約法人暗証番号 / 利用者暗証番号 (logon).
    Logon,
    /// 契約法人確認暗証番号 / 利用者確認暗証番号 (confirmation).
    Confirm,
    /// ワンタイムパスワード (the second factor's code).
    Code,
}

pub type Pool = sqlx::AnyPool;
pub type Tx = Transaction<'static, Any>;

/// Key of the PostgreSQL advisory lock that every write transaction takes (`'bizd'`).
const WRITE_LOCK_KEY: i64 = 0x6269_7a64;

/// Where the database is.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (created if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user@host:port/database`); the database must
    /// exist, the schema is created by the migrations.
    Postgres(String),
}

impl Location {
    /// Parses the value of `--database`: a `postgres://` or `postgresql://` URL.
    pub fn from_url(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            url::Url::parse(url).map_err(|e| format!("database URL: {e}"))?;
            Ok(Self::Postgres(url.to_owned()))
        } else {
            Err("database must be a postgres:// or postgresql:// URL (leave it out for the SQLite file in the data folder)".into())
        }
    }

    /// For messages: the path, or the URL without its password.
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => match url::Url::parse(url) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    u.to_string()
                }
                Err(_) => "postgres://(unparsable URL)".into(),
            },
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

/// Which database a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backend of `pool`.
pub fn backend(pool: &Pool) -> Backend {
    match pool.connect_options().database_url.scheme() {
        "postgres" | "postgresql" => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

impl Backend {
    /// The backend of an open transaction.
    pub fn of(tx: &Tx) -> Backend {
        if tx.backend_name() == <sqlx::Sqlite as sqlx::Database>::NAME {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }

    /// The SQL functions that make a JSON array of their arguments and aggregate rows into one
    /// JSON array: `(array, aggregate)`. Reads of many rows return one such array (one row
    /// instead of thousands handed over one by one from SQLite's worker thread).
    pub fn json_functions(self) -> (&'static str, &'static str) {
        match self {
            Backend::Sqlite => ("json_array", "json_group_array"),
            Backend::Postgres => ("json_build_array", "json_agg"),
        }
    }
}

/// Opens the database and applies the migrations.
///
/// SQLite: created if missing, WAL journal with `synchronous = FULL` (a transaction that returned
/// is on disk, even if the machine loses power right after), foreign keys enforced.
/// PostgreSQL: the database must exist; a server with `synchronous_commit = off` is refused, so a
/// transaction that returned is as durable as on SQLite.
pub async fn open(location: &Location) -> Result<Pool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    match location {
        Location::Sqlite(path) => {
            let url = sqlite_url(path)?;
            let pool = AnyPoolOptions::new()
                .max_connections(8)
                // A file cannot hang up: the ping before every hand-out would only add a round
                // trip to the connection's worker thread to every statement.
                .test_before_acquire(false)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                             PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                        Ok(())
                    })
                })
                .before_acquire(|conn, _| Box::pin(leaves_no_transaction(conn)))
                .connect(&url)
                .await?;
            sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
            Ok(pool)
        }
        Location::Postgres(url) => {
            let pool = AnyPoolOptions::new()
                .max_connections(8)
                // A request waits at most this long for a connection while PostgreSQL is away,
                // then gets 503 (`unavailable`).
                .acquire_timeout(Duration::from_secs(5))
                .connect(url)
                .await?;
            let commit: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(&pool).await?;
            if commit == "off" {
                return Err(sqlx::Error::Configuration(
                    "PostgreSQL has synchronous_commit = off: a committed change could be lost; set it to on"
                        .into(),
                ));
            }
            sqlx::migrate!("../migrations/postgres").run(&pool).await?;
            Ok(pool)
        }
    }
}

/// Whether `e` says the database cannot be reached or cannot write now — the connection refused
/// or lost, no connection within the pool's timeout, the storage full or failing (SQLite's
/// `SQLITE_FULL` / `SQLITE_IOERR`, PostgreSQL's classes 08, 53 and 57P) — rather than a fault of
/// ours: the request is answered 503 and may succeed later.
pub fn unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            if code.len() == 5 {
                // PostgreSQL's SQLSTATE: connection exception, insufficient resources, operator
                // intervention (the server shutting down).
                code.starts_with("08") || code.starts_with("53") || code.starts_with("57P")
            } else {
                // SQLite's extended result code (at most 4 digits): its low byte is the primary one.
                code.parse::<i64>().is_ok_and(|extended| matches!(extended & 0xff, 10 | 13))
            }
        }),
        _ => false,
    }
}

/// Whether a pooled connection may be handed out: not while it still counts an open transaction.
/// A COMMIT that fails with a full disk makes SQLite roll the transaction back by itself; the
/// driver then counts it open for good (its own ROLLBACK fails), and every `BEGIN` on that
/// connection would fail. A transaction merely dropped has its rollback queued to the
/// connection: the ping waits for it. A connection still counting a transaction is closed.
async fn leaves_no_transaction(conn: &mut sqlx::AnyConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection as _;
    if conn.is_in_transaction() {
        conn.ping().await?;
    }
    Ok(!conn.is_in_transaction())
}

/// Runs a writer task (a group commit's) on a thread of its own, with a runtime of its own: the
/// write lock is held while the task waits on each statement, and on the request threads every
/// one of those waits would also queue behind the requests' work (TLS, signing, rendering).
/// The thread ends when the task does (its queue closed).
pub fn spawn_writer(name: &str, task: impl std::future::Future<Output = ()> + Send + 'static) {
    let spawned = std::thread::Builder::new().name(name.to_owned()).spawn(move || {
        match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime.block_on(task),
            Err(e) => tracing::error!("the writer's runtime could not start: {e}"),
        }
    });
    if let Err(e) = spawned {
        tracing::error!("the writer's thread could not start: {e}");
    }
}

/// Moves the jobs waiting in `queue` into `batch`, up to `max` in all: a writer that has just had
/// its write turn takes those that came while it waited.
pub fn join_waiting<T>(queue: &mut tokio::sync::mpsc::UnboundedReceiver<T>, batch: &mut Vec<T>, max: usize) {
    while batch.len() < max {
        let Ok(job) = queue.try_recv() else { break };
        batch.push(job);
    }
}

/// `sqlite://…?mode=rwc` for a file path (made absolute, percent-encoded).
fn sqlite_url(path: &Path) -> Result<String, sqlx::Error> {
    let absolute = std::path::absolute(path).map_err(|e| sqlx::Error::Configuration(e.into()))?;
    let file = url::Url::from_file_path(&absolute).map_err(|()| {
        sqlx::Error::Configuration(format!("not a file path: {}", absolute.display()).into())
    })?;
    Ok(format!("sqlite://{}?mode=rwc", file.path()))
}

/// Starts a write transaction in which read-then-write sequences (audit chain, counters, CRL
/// number) cannot interleave with another writer, in this process or another one:
/// SQLite takes its write lock at once (`BEGIN IMMEDIATE`); PostgreSQL takes one
/// transaction-scoped advisory lock (`pg_advisory_xact_lock`), released at commit or rollback,
/// under READ COMMITTED, so every statement after the lock sees what the previous writer committed.
///
/// Within this process the writers of one database first take their turn in arrival order
/// ([`WriteTx`]), before they take a connection: SQLite's own wait for its write lock sleeps in
/// growing steps (1 ms, 2 ms, 5 ms … 100 ms) however soon the lock is free, which leaves the
/// cores idle while writers queue; and a writer waiting for its turn holds no connection the
/// readers need. A turn not had within [`WRITE_TURN_WAIT`] is [`sqlx::Error::PoolTimedOut`]
/// (answered 503, like SQLite's `busy_timeout` of the same length).
pub async fn begin_write(pool: &Pool) -> Result<WriteTx, sqlx::Error> {
    let turn = tokio::time::timeout(WRITE_TURN_WAIT, write_turns(pool).lock_owned())
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?;
    let tx = match backend(pool) {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => {
            let mut tx = pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED").await?;
            sqlx::query("SELECT TRUE FROM pg_advisory_xact_lock($1)")
                .bind(WRITE_LOCK_KEY)
                .execute(&mut *tx)
                .await?;
            tx
        }
    };
    Ok(WriteTx { tx, _turn: turn })
}

/// How long a writer waits for its turn in this process (SQLite's `busy_timeout`).
pub const WRITE_TURN_WAIT: Duration = Duration::from_secs(10);

/// The queue of this process's writers to the database `pool` opens (one per database URL, so
/// that every pool of one SQLite file shares it).
fn write_turns(pool: &Pool) -> Arc<tokio::sync::Mutex<()>> {
    static TURNS: LazyLock<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(Default::default);
    let url = pool.connect_options().database_url.as_str().to_owned();
    TURNS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entry(url).or_default().clone()
}

/// A write transaction ([`begin_write`]) with this process's turn to write, which ends with it
/// (commit, rollback or drop). Used as the [`Tx`] it holds.
pub struct WriteTx {
    tx: Tx,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = Tx;

    fn deref(&self) -> &Tx {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Tx {
        &mut self.tx
    }
}

/// A yes/no column: `BOOLEAN` on PostgreSQL, `INTEGER` 0/1 on SQLite. Decodes either; read it
/// with `#[sqlx(try_from = "Flag")]` into a `bool` field, or `.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(flag: Flag) -> Self {
        flag.0
    }
}

impl sqlx::Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as sqlx::Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        ty.kind() == AnyTypeInfoKind::Bool || ty.kind().is_integer() || ty.is_null()
    }
}

impl<'r> sqlx::Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.type_info().kind() == AnyTypeInfoKind::Bool {
            <bool as sqlx::Decode<Any>>::decode(value).map(Flag)
        } else {
            <i64 as sqlx::Decode<Any>>::decode(value).map(|v| Flag(v != 0))
        }
    }
}

/// `(?, ?, …), (…), …` (SQLite) or `($1, $2, …), (…), …` (PostgreSQL): `rows` rows of `width`
/// parameters each, for a `VALUES` list that holds all of a statement's parameters. SQLite gets
/// anonymous `?`: for `$N`, sqlx looks each parameter's name up in SQLite's list of names, which
/// is linear, so binding the thousands of parameters of a batch would take quadratic time (it
/// shows in the issuance benchmark, `bizdirect-bench issuance`).
pub fn values(tx: &Tx, rows: usize, width: usize) -> String {
    let sqlite = Backend::of(tx) == Backend::Sqlite;
    let row = |r: usize| {
        let params: Vec<String> = (1..=width)
            .map(|k| if sqlite { "?".to_owned() } else { format!("${}", r * width + k) })
            .collect();
        format!("({})", params.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

//! Server-only domain (feature `ssr`): never compiled to WASM.
//!
//! Rooms, each importing only from the rooms below it:
//!
//! | room | owns |
//! |---|---|
//! | [`operator`] | the bank operator's use cases: the server binary's one door into the domain |
//! | [`admin`] | the administrator's screens: status, users, file settings, 操作履歴照会 |
//! | [`holder`] | 電子証明書取得 (both PINs checked, then issuance) and 利用者ステータス |
//! | [`access`] | logons, sessions, the caller of each request, PIN change, lockout, throttle limits |
//! | [`state`] | [`AppState`]: what every request can reach |
//! | [`pki`] | the CA and its key, X.509, issuance and group commit, revocation, CRL, OCSP, `judge` |
//! | [`audit`] | the hash-chained audit log: one way to write a record, and its verifier |
//! | [`db`] | all SQL, one module per table, on SQLite or PostgreSQL |
//!
//! Beneath them all, used by any room: [`secret`] (types whose `Debug` prints `***`), [`cpu`]
//! (thread pools for CPU-heavy work), [`pin`] (Argon2id on its pool), [`throttle`] (attempt
//! buckets in memory), [`Settings`], [`now`] and [`internal`].
//!
//! Server functions in `crate::api` authorise through `access` and then make one call into a room.
//! The benchmark harness has an entry of its own, `bench`, only with the feature `bench`.

pub mod access;
pub mod admin;
pub mod audit;
#[cfg(feature = "bench")]
pub mod bench;
pub mod cpu;
pub mod db;
pub mod holder;
pub mod operator;
pub mod pin;
pub mod pki;
pub mod secret;
pub mod settings;
pub mod state;
pub mod throttle;

pub use db::{open as open_database, Location as Database};
pub use settings::Settings;
pub use state::AppState;

/// Current time as unix seconds. The domain takes `now` as an argument everywhere so that
/// tests can move time (idle timeouts, expiry) without sleeping.
pub fn now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
}

/// Logs an unexpected failure and turns it into the opaque [`crate::error::AppError::Internal`].
pub fn internal(context: &str, err: impl std::fmt::Display) -> crate::error::AppError {
    tracing::error!("{context}: {err}");
    crate::error::AppError::Internal
}

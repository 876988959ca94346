//! Server-only domain (feature `ssr`): never compiled to WASM.
//!
//! Owns the database ([`db`], the only place with SQL), PIN hashing ([`pin`]), sessions
//! ([`session`]), the audit chain ([`audit`]), the certificate authority ([`ca`], the only place
//! that touches a private key), and the use cases the server functions call ([`auth`],
//! [`corporations`]). Server functions in `crate::api` authorise and then make one call in here.

pub mod audit;
pub mod auth;
pub mod ca;
pub mod certificates;
pub mod check;
pub mod corporations;
pub mod cpu;
pub mod crl;
pub mod db;
pub mod group_commit;
pub mod lang;
pub mod lockout;
pub mod ocsp;
pub mod pin;
pub mod pkcs11;
pub mod reason;
pub mod request;
pub mod secret;
pub mod session;
pub mod state;
pub mod throttle;
pub mod users;

pub use state::{AppState, Settings};

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

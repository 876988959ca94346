//! The bank operator's use cases, the one door from the server binary's command line into the
//! domain: corporations (create, list, unlock, user limit, the administrator's logon method, the
//! demo seed), certificates (list, revoke by serial, the administrator's issuance), the audit
//! chain's verification and its signed checkpoints, `server check` and the material of a backup.
//!
//! The server binary reaches the domain only through this room, [`crate::ssr::AppState`] and the
//! start-up calls (opening the database and the CA); it holds no SQL and reads no key file.
//!
//! Never: runs behind a web session — these are command-line actions of the bank, audited as
//! `bank`.

pub mod audit_export;
pub mod backup;
pub mod certificates;
pub mod check;
pub mod checkpoints;
pub mod corporations;
pub mod ops;

pub use crate::ssr::pki::reason;

pub use crate::ssr::audit::ChainBreak;
pub use crate::ssr::db::notices::NoticeRow;

use crate::ssr::{audit, db, AppState};

/// `server notices list`: the newest notices (`failed_only`: those that failed for good), with the
/// count of those still pending.
pub async fn notices(
    state: &AppState,
    failed_only: bool,
    limit: i64,
) -> Result<(Vec<NoticeRow>, i64), sqlx::Error> {
    Ok((db::notices::list(&state.db, failed_only, limit).await?, db::notices::pending(&state.db).await?))
}

/// `server notices scan` (and the serving server's hourly scan): the reminders due at `now`.
pub async fn scan_reminders(state: &AppState, now: i64) -> Result<usize, crate::error::AppError> {
    crate::ssr::pki::expiry::scan(&state.pki, now).await
}

/// `server audit verify`: how many records the log holds, and where its chain breaks, if it does.
pub async fn verify_audit(state: &AppState) -> Result<(i64, Option<ChainBreak>), sqlx::Error> {
    let records = db::audit::count(&state.db).await?;
    Ok((records, audit::verify_chain(&state.db).await?))
}

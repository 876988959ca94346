//! Lockouts (SPEC §4): consecutive wrong PINs lock — a user: 利用停止 (the administrator clears
//! it); the administrator (logon PIN or 契約法人確認暗証番号): the whole contract, 契約法人利用中止
//! (only the bank operator clears it). A right PIN resets the count.
//!
//! Both functions run inside the caller's `BEGIN IMMEDIATE` transaction, after the PIN was
//! hashed: the count and the lock are one statement, and the lock is re-read there, so racing
//! attempts neither slip past the threshold nor log on after it.
//!
//! What the person is told: a wrong PIN is the generic [`AppError::LogonFailed`], except for the
//! attempt that locks, which says so; a right PIN on a locked account says it is locked (only
//! someone who knows the PIN learns that). 事故登録 and deleted users get the generic answer.

use crate::error::AppError;
use crate::ssr::db::{self, Tx};
use crate::ssr::{internal, AppState};

/// Whose PIN was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// The corporation's administrator (its row id).
    Admin(i64),
    /// A user: corporation row id and user row id.
    User(i64, i64),
}

/// Counts a wrong PIN; returns the answer for it (and, if this attempt locked, a note for the audit).
pub async fn wrong_pin(
    tx: &mut Tx,
    state: &AppState,
    who: Holder,
    now: i64,
) -> Result<(AppError, &'static str), AppError> {
    let threshold = state.settings.lockout_threshold;
    let (was, locked, contract) = match who {
        Holder::Admin(corp) => (
            db::corporations::is_suspended(tx, corp).await.map_err(|e| internal("lock", e))?,
            db::corporations::record_admin_failure(tx, corp, threshold, now).await,
            true,
        ),
        Holder::User(_, user) => (
            db::users::blocks(tx, user).await.map_err(|e| internal("lock", e))?.0,
            db::users::record_failure(tx, user, threshold).await,
            false,
        ),
    };
    Ok(match (locked.map_err(|e| internal("failure count", e))? && !was, contract) {
        (true, true) => (AppError::Locked { contract }, "wrong pin; contract suspended (契約法人利用中止)"),
        (true, false) => (AppError::Locked { contract }, "wrong pin; user suspended (利用停止)"),
        (false, _) => (AppError::LogonFailed, "wrong pin"),
    })
}

/// A right PIN: refuses if the holder is locked now (re-read in `tx`), else resets the count.
/// The `Err` carries the answer and the reason for the audit.
pub async fn right_pin(tx: &mut Tx, who: Holder) -> Result<Result<(), (AppError, &'static str)>, AppError> {
    let corp = match who {
        Holder::Admin(corp) | Holder::User(corp, _) => corp,
    };
    if db::corporations::is_suspended(tx, corp).await.map_err(|e| internal("lock", e))? {
        return Ok(Err((AppError::Locked { contract: true }, "contract suspended")));
    }
    match who {
        Holder::Admin(corp) => {
            db::corporations::reset_admin_failures(tx, corp).await.map_err(|e| internal("reset", e))?;
        }
        Holder::User(_, user) => match db::users::blocks(tx, user).await.map_err(|e| internal("lock", e))? {
            (true, _, _) => return Ok(Err((AppError::Locked { contract: false }, "user suspended"))),
            (_, true, _) => return Ok(Err((AppError::LogonFailed, "accident registered"))),
            (_, _, true) => return Ok(Err((AppError::LogonFailed, "user deleted"))),
            _ => db::users::reset_failures(tx, user).await.map_err(|e| internal("reset", e))?,
        },
    }
    Ok(Ok(()))
}

/// The whole decision for a typed PIN inside `tx`: unknown holder (`None`), wrong PIN (counted,
/// maybe locking) or right PIN (refused while locked, else the count resets).
pub async fn check(
    tx: &mut Tx,
    state: &AppState,
    who: Option<Holder>,
    pin_ok: bool,
    now: i64,
) -> Result<Result<(), (AppError, &'static str)>, AppError> {
    match who {
        None => Ok(Err((AppError::LogonFailed, "unknown contract id or user id"))),
        Some(who) if !pin_ok => wrong_pin(tx, state, who, now).await.map(Err),
        Some(who) => right_pin(tx, who).await,
    }
}

//! Lockouts (SPEC §4): consecutive wrong PINs lock — a user: 利用停止 (the administrator clears
//! it); the administrator (logon PIN or 契約法人確認暗証番号): the whole contract, 契約法人利用中止
//! (only the bank operator clears it). Each PIN (logon, confirmation) has its own count of
//! consecutive wrong entries, reset only by that PIN being right: whoever knows one PIN cannot
//! clear the count of the other by typing the one they know.
//!
//! Both functions run inside the caller's `BEGIN IMMEDIATE` transaction, after the PIN was
//! hashed: the count and the lock are one statement, and the lock is re-read there, so racing
//! attempts neither slip past the threshold nor log on after it.
//!
//! [`clean`] spares that transaction where the caller writes nothing else with the check (the
//! confirmation PIN before a change, the two PINs before an acquisition): all PINs right, the
//! holder unlocked and no wrong entry counted is decided by one read, ordered before any wrong
//! attempt committed after it — as when the check's own transaction commits before the work it
//! guards. Every other case, and every logon (whose session is written in the check's
//! transaction), goes through [`check`].
//!
//! What the person is told: a wrong PIN is the generic [`AppError::LogonFailed`], except for the
//! attempt that locks, which says so; a right PIN on a locked account says it is locked (only
//! someone who knows the PIN learns that). 事故登録 and deleted users get the generic answer.

use crate::error::AppError;
pub use crate::ssr::db::PinKind;
use crate::ssr::db::{self, Pool, Tx};
use crate::ssr::outbox::{self, texts};
use crate::ssr::pki::lifecycle;
use crate::ssr::{internal, AppState};

/// Whose PIN was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// The corporation's administrator (its row id).
    Admin(i64),
    /// A user: corporation row id and user row id.
    User(i64, i64),
}

/// Typed PINs of one holder, each with whether it was right.
pub type Typed<'a> = &'a [(PinKind, bool)];

/// Counts the wrong PINs among `typed` (each toward its own count) and resets the counts of the
/// right ones; returns the answer (and, if this attempt locked, a note for the audit).
pub async fn wrong_pins(
    tx: &mut Tx,
    state: &AppState,
    who: Holder,
    typed: Typed<'_>,
    now: i64,
) -> Result<(AppError, &'static str), AppError> {
    let threshold = state.settings.lockout_threshold;
    let fail = |e| internal("failure count", e);
    let was = match who {
        Holder::Admin(corp) => {
            db::corporations::is_suspended(tx, corp).await.map_err(|e| internal("lock", e))?
        }
        Holder::User(_, user) => db::users::blocks(tx, user).await.map_err(|e| internal("lock", e))?.0,
    };
    let mut locked = false;
    for &(kind, ok) in typed {
        locked |= match (who, ok) {
            (Holder::Admin(corp), false) => {
                db::corporations::record_admin_failure(tx, corp, kind, threshold, now).await.map_err(fail)?
            }
            (Holder::User(_, user), false) => {
                db::users::record_failure(tx, user, kind, threshold).await.map_err(fail)?
            }
            (Holder::Admin(corp), true) => {
                db::corporations::reset_admin_failures(tx, corp, kind).await.map_err(fail)?;
                false
            }
            (Holder::User(_, user), true) => {
                db::users::reset_failures(tx, user, kind).await.map_err(fail)?;
                false
            }
        };
    }
    if locked && !was {
        lock_notices(tx, state, who, now).await?;
        crate::ssr::telemetry::locked(matches!(who, Holder::Admin(_)));
    }
    // The audit names what was wrong: a PIN, or only the one-time password.
    let pin_wrong = typed.iter().any(|&(kind, ok)| !ok && kind != PinKind::Code);
    Ok(match (locked && !was, who, pin_wrong) {
        (true, Holder::Admin(_), true) => {
            (AppError::Locked { contract: true }, "wrong pin; contract suspended (契約法人利用中止)")
        }
        (true, Holder::Admin(_), false) => (
            AppError::Locked { contract: true },
            "wrong one-time password; contract suspended (契約法人利用中止)",
        ),
        (true, Holder::User(..), true) => {
            (AppError::Locked { contract: false }, "wrong pin; user suspended (利用停止)")
        }
        (true, Holder::User(..), false) => {
            (AppError::Locked { contract: false }, "wrong one-time password; user suspended (利用停止)")
        }
        (false, _, true) => (AppError::LogonFailed, "wrong pin"),
        (false, _, false) => (AppError::LogonFailed, "wrong one-time password"),
    })
}

/// 利用停止 → the user and the administrator are told; 契約法人利用中止 → the administrator and the
/// bank operator (`--operator-email`).
async fn lock_notices(tx: &mut Tx, state: &AppState, who: Holder, now: i64) -> Result<(), AppError> {
    let pki = &state.pki;
    match who {
        Holder::User(corp, user) => {
            let said = texts::Said {
                kind: "user_locked",
                subject: ("利用停止のお知らせ", "Your access is suspended"),
                lines: (
                    "暗証番号の誤りが続いたため、利用停止になりました。解除は管理者にお申し出ください。",
                    "After repeated wrong PINs your access is suspended (利用停止). Ask your administrator to lift it.",
                ),
            };
            lifecycle::tell(tx, pki, corp, Some(user), &said, true, now).await
        }
        Holder::Admin(corp) => {
            let said = texts::Said {
                kind: "contract_locked",
                subject: ("契約法人利用中止のお知らせ", "The contract is suspended"),
                lines: (
                    "管理者の暗証番号の誤りが続いたため、契約法人利用中止になりました。解除はお取引銀行にお申し出ください。",
                    "After repeated wrong administrator PINs the whole contract is suspended (契約法人利用中止). Ask your bank to lift it.",
                ),
            };
            lifecycle::tell(tx, pki, corp, None, &said, false, now).await?;
            let operator = &state.settings.operator_email;
            if !operator.is_empty() {
                let contract: (String, String) =
                    db::notices::contract_of(tx, corp).await.map_err(|e| internal("contract", e))?;
                let notice = outbox::Notice {
                    corporation_id: None,
                    kind: "contract_locked",
                    recipient: operator.clone(),
                    subject: format!("【ビジネスダイレクト】契約法人利用中止 {} ({})", contract.1, contract.0),
                    body: format!(
                        "契約法人 {} (契約法人ID {}) が、管理者の暗証番号の誤りが続いたため契約法人利用中止になりました。\n\
                         本人確認のうえ `server corp unlock --contract-id {}` で解除できます。\n",
                        contract.1, contract.0, contract.0
                    ),
                };
                outbox::enqueue(tx, &state.settings, &notice, now)
                    .await
                    .map_err(|e| internal("notice", e))?;
            }
            Ok(())
        }
    }
}

/// Right PINs: refuses if the holder is locked now (re-read in `tx`), else resets the count of
/// each PIN typed. The `Err` carries the answer and the reason for the audit.
pub async fn right_pins(
    tx: &mut Tx,
    who: Holder,
    kinds: impl Iterator<Item = PinKind>,
) -> Result<Result<(), (AppError, &'static str)>, AppError> {
    let corp = match who {
        Holder::Admin(corp) | Holder::User(corp, _) => corp,
    };
    if db::corporations::is_suspended(tx, corp).await.map_err(|e| internal("lock", e))? {
        return Ok(Err((AppError::Locked { contract: true }, "contract suspended")));
    }
    if let Holder::User(_, user) = who {
        match db::users::blocks(tx, user).await.map_err(|e| internal("lock", e))? {
            (true, _, _) => return Ok(Err((AppError::Locked { contract: false }, "user suspended"))),
            (_, true, _) => return Ok(Err((AppError::LogonFailed, "accident registered"))),
            (_, _, true) => return Ok(Err((AppError::LogonFailed, "user deleted"))),
            _ => {}
        }
    }
    for kind in kinds {
        match who {
            Holder::Admin(corp) => db::corporations::reset_admin_failures(tx, corp, kind).await,
            Holder::User(_, user) => db::users::reset_failures(tx, user, kind).await,
        }
        .map_err(|e| internal("reset", e))?;
    }
    Ok(Ok(()))
}

/// Whether every PIN in `typed` is right and the holder stands clean (not locked, no wrong entry
/// of these PINs counted), read without the write lock: then [`check`] would change nothing and
/// accept, and the caller needs no write transaction for it.
pub async fn clean(pool: &Pool, who: Holder, typed: Typed<'_>) -> Result<bool, AppError> {
    if typed.iter().any(|&(_, ok)| !ok) {
        return Ok(false);
    }
    let kinds: Vec<PinKind> = typed.iter().map(|&(kind, _)| kind).collect();
    match who {
        Holder::Admin(corp) => db::corporations::admin_standing_clean(pool, corp, &kinds).await,
        Holder::User(corp, user) => db::users::standing_clean(pool, corp, user, &kinds).await,
    }
    .map_err(|e| internal("standing", e))
}

/// The whole decision for the PINs typed in one attempt inside `tx`: unknown holder (`None`),
/// a wrong PIN (each counted toward its own count, maybe locking) or all right (refused while
/// locked, else their counts reset).
pub async fn check(
    tx: &mut Tx,
    state: &AppState,
    who: Option<Holder>,
    typed: Typed<'_>,
    now: i64,
) -> Result<Result<(), (AppError, &'static str)>, AppError> {
    match who {
        None => Ok(Err((AppError::LogonFailed, "unknown contract id or user id"))),
        Some(who) if typed.iter().any(|&(_, ok)| !ok) => {
            wrong_pins(tx, state, who, typed, now).await.map(Err)
        }
        Some(who) => right_pins(tx, who, typed.iter().map(|&(kind, _)| kind)).await,
    }
}

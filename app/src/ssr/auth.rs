//! Logon, logoff and "who is calling": the use cases behind the authentication server functions.
//!
//! Logon failures are indistinguishable to the caller: unknown contract ID, wrong PIN and a
//! suspended contract all answer [`AppError::LogonFailed`] after the same amount of hashing work.
//! The audit log records the real reason.

use super::audit::{self, Event, Outcome};
use super::db;
use super::secret::{Pin, SessionToken};
use super::session::{self, Principal};
use super::{internal, AppState};
use crate::error::AppError;
use crate::model::CorporationStatus;
use crate::validate;

/// Longest string from a failed logon that goes into the audit log as the actor.
const MAX_TYPED_ID_IN_AUDIT: usize = 32;

/// An authenticated administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSession {
    pub corporation_id: i64,
}

/// 管理者ログオン (ID・暗証番号方式). Returns the new session's token.
pub async fn admin_logon(
    state: &AppState,
    contract_id: &str,
    pin: &Pin,
    client_addr: &str,
    now: i64,
) -> Result<SessionToken, AppError> {
    let errors = validate::admin_logon(contract_id, pin.expose());
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }

    let corp = db::corporations::find_by_contract_id(&state.db, contract_id)
        .await
        .map_err(|e| internal("logon lookup", e))?;
    let pin_ok = state
        .pins
        .verify(corp.as_ref().map(|c| &c.admin_pin_hash.0), pin)
        .await
        .map_err(|e| internal("pin verify", e))?;

    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    let result = match &corp {
        Some(c) if pin_ok && c.suspended_at.is_none() => {
            db::corporations::record_admin_logon(&mut tx, c.id, now)
                .await
                .map_err(|e| internal("record logon", e))?;
            let token = session::open(&mut tx, &Principal::Admin { corporation_id: c.id }, client_addr, now)
                .await
                .map_err(|e| internal("open session", e))?;
            let actor = format!("admin:{}", c.contract_id);
            audit::record(
                &mut tx,
                &Event {
                    actor: &actor,
                    corporation_id: Some(c.id),
                    action: "admin_logon",
                    target: "",
                    outcome: Outcome::Success,
                    detail: "method=id_pin",
                    client_addr,
                },
                now,
            )
            .await
            .map_err(|e| internal("audit", e))?;
            Ok(token)
        }
        _ => {
            let reason = match &corp {
                None => "unknown contract id",
                Some(c) if c.suspended_at.is_some() => "contract suspended",
                Some(_) => "wrong pin",
            };
            if let Some(c) = corp.as_ref().filter(|_| !pin_ok) {
                db::corporations::record_admin_failure(&mut tx, c.id)
                    .await
                    .map_err(|e| internal("record failure", e))?;
            }
            let typed: String = contract_id.chars().take(MAX_TYPED_ID_IN_AUDIT).collect();
            let actor = format!("admin:{typed}");
            audit::record(
                &mut tx,
                &Event {
                    actor: &actor,
                    corporation_id: corp.as_ref().map(|c| c.id),
                    action: "admin_logon",
                    target: "",
                    outcome: Outcome::Failure,
                    detail: reason,
                    client_addr,
                },
                now,
            )
            .await
            .map_err(|e| internal("audit", e))?;
            Err(AppError::LogonFailed)
        }
    };
    tx.commit().await.map_err(|e| internal("commit", e))?;
    result
}

/// The administrator behind a session token, or [`AppError::Unauthenticated`].
pub async fn require_admin(
    state: &AppState,
    token: Option<&SessionToken>,
    now: i64,
) -> Result<AdminSession, AppError> {
    let token = token.ok_or(AppError::Unauthenticated)?;
    match session::resume(&state.db, &state.settings, token, now)
        .await
        .map_err(|e| internal("resume session", e))?
    {
        Some(Principal::Admin { corporation_id }) => Ok(AdminSession { corporation_id }),
        _ => Err(AppError::Unauthenticated),
    }
}

/// ログオフ: ends the session on the server. Logging off twice is harmless.
pub async fn logoff(
    state: &AppState,
    token: Option<&SessionToken>,
    client_addr: &str,
    now: i64,
) -> Result<(), AppError> {
    let Some(token) = token else { return Ok(()) };
    let principal = session::resume(&state.db, &state.settings, token, now)
        .await
        .map_err(|e| internal("resume session", e))?;
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    db::sessions::delete(&mut tx, &session::token_hash(token))
        .await
        .map_err(|e| internal("delete session", e))?;
    if let Some(Principal::Admin { corporation_id }) = principal {
        let corp = db::corporations::find_by_id(&state.db, corporation_id)
            .await
            .map_err(|e| internal("lookup", e))?;
        let actor = format!("admin:{}", corp.map(|c| c.contract_id).unwrap_or_default());
        audit::record(
            &mut tx,
            &Event {
                actor: &actor,
                corporation_id: Some(corporation_id),
                action: "admin_logoff",
                target: "",
                outcome: Outcome::Success,
                detail: "",
                client_addr,
            },
            now,
        )
        .await
        .map_err(|e| internal("audit", e))?;
    }
    tx.commit().await.map_err(|e| internal("commit", e))
}

/// What 契約法人ステータス shows to this administrator.
pub async fn admin_status(state: &AppState, admin: &AdminSession) -> Result<CorporationStatus, AppError> {
    let corp = db::corporations::find_by_id(&state.db, admin.corporation_id)
        .await
        .map_err(|e| internal("status lookup", e))?
        .ok_or(AppError::Unauthenticated)?;
    Ok(CorporationStatus {
        contract_id: corp.contract_id,
        corporation_name: corp.name,
        previous_logon_at: corp.previous_logon_at,
        admin_certificate_expires_at: None,
    })
}

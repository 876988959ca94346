//! 電子証明書取得 / 契約法人電子証明書取得, the server side: the holder's two PINs checked
//! (throttled, counted toward the lock, audited when wrong), the open issuance found, then the
//! CSR handed to [issuance](crate::ssr::pki::issuance). A [`Checked`] holder exists only after
//! both PINs were right: it cannot be built outside this module.

use crate::error::AppError;
use crate::model::{AcquiredCertificate, AcquisitionTarget};
use crate::ssr::access::lockout::{self, PinKind};
use crate::ssr::access::{auth::typed_actor, throttle_attempt};
use crate::ssr::audit::{self, Actor, Outcome};
use crate::ssr::db;
use crate::ssr::pki::issuance::{self, Applicant};
use crate::ssr::pki::lifecycle::{open_in, ADMIN_HOLDER};
use crate::ssr::secret::Pin;
use crate::ssr::{internal, AppState};

/// What 電子証明書取得 sends: the holder's credentials (`user_id` `None`: the corporation's
/// administrator, with the two administrator PINs) and, on [取得], the CSR.
#[derive(Debug)]
pub struct AcquireRequest<'a> {
    pub contract_id: &'a str,
    pub user_id: Option<&'a str>,
    pub pin: &'a Pin,
    pub confirm_pin: &'a Pin,
}

/// The holder whose two PINs were right (`user` `None`: the corporation's administrator).
pub struct Checked(Applicant);

/// Checks the two PINs of the holder (always hashing twice, whoever it is). A wrong credential is
/// [`AppError::LogonFailed`] and is audited.
async fn check_holder(
    state: &AppState,
    req: &AcquireRequest<'_>,
    client_addr: &str,
    now: i64,
) -> Result<Checked, AppError> {
    let account = format!("{}/{}", req.contract_id, req.user_id.unwrap_or(ADMIN_HOLDER));
    throttle_attempt(state, client_addr, &account, now)?;
    let corp = db::corporations::find_by_contract_id(&state.db, req.contract_id)
        .await
        .map_err(|e| internal("corp", e))?;
    let user = match (&corp, req.user_id) {
        (Some(c), Some(user_id)) => {
            db::users::find(&state.db, c.id, user_id).await.map_err(|e| internal("user", e))?
        }
        _ => None,
    };
    let (pin_hash, confirm_hash) = match (&corp, req.user_id, &user) {
        (Some(c), None, _) => (Some(&c.admin_pin_hash.0), Some(&c.admin_confirm_pin_hash.0)),
        (_, Some(_), Some(u)) => (Some(&u.pin_hash.0), Some(&u.confirm_pin_hash.0)),
        _ => (None, None),
    };
    // Both hashes at once, on two of the pool's threads: the answer waits for one hash, not two.
    let (pin_ok, confirm_ok) =
        tokio::join!(state.pins.verify(pin_hash, req.pin), state.pins.verify(confirm_hash, req.confirm_pin));
    let (pin_ok, confirm_ok) =
        (pin_ok.map_err(|e| internal("pin", e))?, confirm_ok.map_err(|e| internal("pin", e))?);
    let actor = typed_actor(state, req.contract_id, req.user_id, corp.is_some(), user.is_some());
    let who = match (&corp, req.user_id, &user) {
        (Some(c), None, _) => Some(lockout::Holder::Admin(c.id)),
        (Some(c), Some(_), Some(u)) => Some(lockout::Holder::User(c.id, u.id)),
        _ => None,
    };
    let typed = [(PinKind::Logon, pin_ok), (PinKind::Confirm, confirm_ok)];
    let corp = match (who, corp) {
        (Some(who), Some(corp)) if lockout::clean(&state.db, who, &typed).await? => {
            return Ok(Checked(Applicant { corp, user, actor }));
        }
        (_, corp) => corp,
    };
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    let refusal = match (lockout::check(&mut tx, state, who, &typed, now).await?, corp) {
        (Ok(()), Some(corp)) => {
            tx.commit().await.map_err(|e| internal("commit", e))?;
            return Ok(Checked(Applicant { corp, user, actor }));
        }
        (Ok(()), None) => return Err(AppError::Internal),
        (Err(refusal), corp) => (refusal, corp),
    };
    let ((answer, reason), corp) = refusal;
    // The holder as the actor names them: an unknown user ID by its keyed hash, never as typed.
    let target = match req.user_id {
        Some(_) => actor.rsplit(['/', ':']).next().unwrap_or_default(),
        None => ADMIN_HOLDER,
    };
    audit::commit_with(
        tx,
        &Actor { name: &actor, corporation_id: corp.as_ref().map(|c| c.id), client_addr }.event(
            "certificate_acquire",
            target,
            Outcome::Failure,
            reason,
        ),
        now,
    )
    .await?;
    Err(answer)
}

/// 電子証明書取得, first step: who the certificate will be for (after checking both PINs and
/// that an issuance is open). Nothing changes.
pub async fn preview(
    state: &AppState,
    req: &AcquireRequest<'_>,
    client_addr: &str,
    now: i64,
) -> Result<AcquisitionTarget, AppError> {
    let checked = check_holder(state, req, client_addr, now).await?;
    if checked.0.blocked() {
        return Err(AppError::NoOpenIssuance);
    }
    // One row, read without a transaction: a read transaction would add a `BEGIN` and a
    // `ROLLBACK`, each a hand-over to SQLite's thread (P2 in docs/PERFORMANCE.md).
    let live = db::certificates::live_of(&state.db, checked.0.corp.id, checked.0.holder().user_pk)
        .await
        .map_err(|e| internal("live", e))?;
    let issuance = open_in(live, now)?;
    Ok(AcquisitionTarget {
        corporation_name: checked.0.corp.name.clone(),
        contract_id: checked.0.corp.contract_id.clone(),
        user_id: checked.0.user.as_ref().map(|u| u.user_id.clone()),
        holder_name: checked.0.user.as_ref().map(|u| u.name.clone()),
        acquire_by: issuance.acquire_by,
    })
}

/// Server side of 電子証明書取得: checks the holder's two PINs, the open issuance and its window,
/// verifies the CSR, issues the certificate with our profile and records it. The issuance stays
/// open until this succeeds, so an interrupted acquisition loses nothing.
pub async fn acquire(
    state: &AppState,
    req: &AcquireRequest<'_>,
    csr_pem: &str,
    client_addr: &str,
    now: i64,
) -> Result<AcquiredCertificate, AppError> {
    let checked = check_holder(state, req, client_addr, now).await?;
    issuance::issue_acquired(&state.pki, &checked.0, csr_pem, client_addr, now).await
}

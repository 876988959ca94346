//! The bank operator's certificate actions: list a corporation's certificates, revoke one by
//! serial, open an issuance of the administrator's own certificate.

use crate::error::{AppError, Field, Problem};
use crate::ssr::audit::{self, Actor};
use crate::ssr::db;
use crate::ssr::pki::lifecycle::{self, reissue, Holder, ADMIN_HOLDER};
use crate::ssr::pki::reason;
use crate::ssr::{internal, AppState};

/// Bank operator: opens an issuance of the administrator's own certificate (revoking the
/// current one as superseded). Returns the end of the acquisition window.
pub async fn issue_admin(state: &AppState, contract_id: &str, now: i64) -> Result<Option<i64>, AppError> {
    let Some(corp) = db::corporations::find_by_contract_id(&state.db, contract_id)
        .await
        .map_err(|e| internal("corp", e))?
    else {
        return Ok(None);
    };
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    let live = db::certificates::live(&mut tx, corp.id, None).await.map_err(|e| internal("live", e))?;
    let holder = Holder { corporation_id: corp.id, name: ADMIN_HOLDER, user_pk: None };
    reissue(&mut tx, &state.pki, Actor::bank(Some(corp.id)), holder, live.map_or(0, |c| c.id), false, now)
        .await?;
    tx.commit().await.map_err(|e| internal("commit", e))?;
    Ok(Some(now + state.settings.acquire_window_secs))
}

/// Bank operator: revokes an issued certificate by serial (hex) and re-signs the CRL.
/// Returns `Ok(false)` when no issued certificate has that serial.
pub async fn revoke_by_serial(
    state: &AppState,
    serial_hex: &str,
    reason_code: u8,
    now: i64,
) -> Result<bool, AppError> {
    let serial =
        hex::decode(serial_hex.replace(':', "")).map_err(|_| AppError::field(Field::Csr, Problem::Format))?;
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    if !lifecycle::revoke_serial(&mut tx, &state.pki, &serial, reason_code, now).await? {
        return Ok(false);
    }
    let detail = format!("reason={} serial={}", reason::name(i64::from(reason_code)), hex::encode(&serial));
    audit::write(&mut tx, &Actor::bank(None).did("certificate_revoke", "", &detail), now).await?;
    tx.commit().await.map_err(|e| internal("commit", e))?;
    Ok(true)
}

/// One line of `server cert list`.
pub struct Listed {
    /// The holder's user ID, `(admin)` for the administrator, `(deleted)` for a deleted user.
    pub holder: String,
    /// Upper-case hex, `-` for an issuance not yet acquired.
    pub serial: String,
    pub state: String,
    /// `notAfter` of an issued certificate, else the end of the acquisition window.
    pub until: i64,
    /// The revocation reason's RFC 5280 name, empty if not revoked.
    pub reason: &'static str,
}

/// `server cert list`: every certificate of the corporation, current and past (`None`: no such
/// contract).
pub async fn list(state: &AppState, contract_id: &str) -> Result<Option<Vec<Listed>>, sqlx::Error> {
    let Some(corp) = db::corporations::find_by_contract_id(&state.db, contract_id).await? else {
        return Ok(None);
    };
    let users = db::users::list(&state.db, corp.id).await?;
    let certs = db::certificates::all_in_corporation(&state.db, corp.id).await?;
    Ok(Some(
        certs
            .into_iter()
            .map(|c| Listed {
                holder: c
                    .user_pk
                    .and_then(|pk| users.iter().find(|u| u.id == pk).map(|u| u.user_id.clone()))
                    .unwrap_or_else(|| {
                        if c.user_pk.is_none() {
                            ADMIN_HOLDER.into()
                        } else {
                            "(deleted)".into()
                        }
                    }),
                serial: c.serial.as_deref().map_or_else(|| "-".into(), hex::encode_upper),
                until: c.not_after.unwrap_or(c.acquire_by),
                reason: c.revocation_reason.map_or("", reason::name),
                state: c.state,
            })
            .collect(),
    ))
}

//! 契約法人ステータス: the corporation, the administrator's own certificate, and notices about
//! users' certificates.

use crate::error::AppError;
use crate::model::{CertState, CorporationStatus};
use crate::ssr::access::auth::AdminSession;
use crate::ssr::pki::lifecycle;
use crate::ssr::{db, internal, AppState};

/// What 契約法人ステータス shows to this administrator: the corporation, the administrator's own
/// certificate, and notices about users' certificates (awaiting acquisition, expiring soon).
pub async fn admin_status(
    state: &AppState,
    admin: &AdminSession,
    now: i64,
) -> Result<CorporationStatus, AppError> {
    let corp = db::corporations::find_by_id(&state.db, admin.corporation_id)
        .await
        .map_err(|e| internal("status lookup", e))?
        .ok_or(AppError::Unauthenticated)?;
    let users =
        db::users::list_with_certificates(&state.db, corp.id).await.map_err(|e| internal("users", e))?;
    let users_in = |wanted: CertState| -> Vec<String> {
        users
            .iter()
            .filter(|u| lifecycle::state_from(u.cert_state.as_deref(), u.cert_not_after, now) == wanted)
            .map(|u| u.user_id.clone())
            .collect()
    };
    let second_factor = crate::ssr::access::second_factor::registered(state, &corp, None).await?;
    let logons =
        crate::ssr::access::auth::logon_history(state, corp.id, &format!("admin:{}", corp.contract_id))
            .await?;
    Ok(CorporationStatus {
        logons,
        second_factor,
        users_awaiting: users_in(CertState::AwaitingAcquisition),
        users_expiring: users_in(CertState::ExpiringSoon),
        certificate: lifecycle::status(&state.db, corp.id, None, now).await?,
        by_certificate: admin.certificate.is_some(),
        contract_id: corp.contract_id,
        corporation_name: corp.name,
        previous_logon_at: corp.previous_logon_at,
        admin_email: corp.admin_email,
    })
}

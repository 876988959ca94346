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
    let corp = &admin.corporation;
    let (users, own) =
        db::users::list_with_certificates(&state.db, corp.id).await.map_err(|e| internal("users", e))?;
    let users_in = |wanted: CertState| -> Vec<String> {
        users
            .iter()
            .filter(|u| lifecycle::state_from(u.cert_state.as_deref(), u.cert_not_after, now) == wanted)
            .map(|u| u.user_id.clone())
            .collect()
    };
    let second_factor = crate::ssr::access::second_factor::registered(state, corp, None).await?;
    let logons =
        crate::ssr::access::auth::logon_history(state, corp.id, &format!("admin:{}", corp.contract_id))
            .await?;
    Ok(CorporationStatus {
        logons,
        second_factor,
        users_awaiting: users_in(CertState::AwaitingAcquisition),
        users_expiring: users_in(CertState::ExpiringSoon),
        certificate: lifecycle::status_from(own, now),
        by_certificate: admin.certificate.is_some(),
        contract_id: corp.contract_id.clone(),
        corporation_name: corp.name.clone(),
        previous_logon_at: corp.previous_logon_at,
        admin_email: corp.admin_email.clone(),
    })
}

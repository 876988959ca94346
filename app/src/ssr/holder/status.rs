//! 利用者ステータス: the user, the last logon, and the user's certificate.

use crate::error::AppError;
use crate::model::UserOverview;
use crate::ssr::access::auth::UserSession;
use crate::ssr::pki::lifecycle;
use crate::ssr::{db, internal, AppState};

/// 利用者ステータス.
pub async fn user_status(state: &AppState, user: &UserSession, now: i64) -> Result<UserOverview, AppError> {
    let corp = &user.corporation;
    let row = db::users::find_by_pk(&state.db, user.user_pk)
        .await
        .map_err(|e| internal("user", e))?
        .ok_or(AppError::Unauthenticated)?;
    let second_factor = crate::ssr::access::second_factor::registered(state, corp, Some(row.id)).await?;
    let actor = format!("user:{}/{}", corp.contract_id, row.user_id);
    let logons = crate::ssr::access::auth::logon_history(state, corp.id, &actor).await?;
    Ok(UserOverview {
        logons,
        second_factor,
        corporation_name: corp.name.clone(),
        contract_id: corp.contract_id.clone(),
        user_id: row.user_id,
        user_name: row.name,
        previous_logon_at: row.previous_logon_at,
        certificate: lifecycle::status(&state.db, user.corporation.id, Some(user.user_pk), now).await?,
        by_certificate: user.certificate.is_some(),
    })
}

//! 管理者ログオン / ログオフ and 契約法人ステータス.

use crate::error::AppError;
use crate::model::CorporationStatus;
use leptos::prelude::*;

/// 管理者ログオン (ID・暗証番号方式): on success a new session cookie and a redirect to
/// 契約法人ステータス; on failure one generic [`AppError::LogonFailed`].
#[server(prefix = "/api", endpoint = "admin_logon")]
pub async fn admin_logon(contract_id: String, pin: String) -> Result<(), AppError> {
    use crate::ssr::{auth, now, request::Call, secret::Pin};
    let call = Call::current()?;
    let token = auth::admin_logon(&call.state, contract_id.trim(), &Pin::new(pin), &call.client_addr, now())
        .await
        .map_err(|e| call.fail(e))?;
    call.set_session_cookie(&token);
    leptos_axum::redirect("/admin/status");
    Ok(())
}

/// ログオフ: ends the session on the server and clears the cookie.
#[server(prefix = "/api", endpoint = "logoff")]
pub async fn logoff() -> Result<(), AppError> {
    use crate::ssr::{auth, now, request::Call};
    let call = Call::current()?;
    auth::logoff(&call.state, call.session_token().as_ref(), &call.client_addr, now())
        .await
        .map_err(|e| call.fail(e))?;
    call.clear_session_cookie();
    leptos_axum::redirect("/");
    Ok(())
}

/// 契約法人ステータス of the logged-on administrator.
#[server(prefix = "/api", endpoint = "admin_status")]
pub async fn admin_status() -> Result<CorporationStatus, AppError> {
    use crate::ssr::{auth, request::Call};
    let (call, admin) = Call::admin().await?;
    auth::admin_status(&call.state, &admin).await.map_err(|e| call.fail(e))
}

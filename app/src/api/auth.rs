//! 管理者ログオン / ログオフ and 契約法人ステータス.

use crate::error::AppError;
use crate::model::{CertificateHolder, CorporationStatus};
use leptos::prelude::*;

/// 管理者ログオン (ID・暗証番号方式): on success a new session cookie and a redirect to
/// 契約法人ステータス; on failure one generic [`AppError::LogonFailed`].
#[server(prefix = "/api", endpoint = "admin_logon")]
pub async fn admin_logon(contract_id: String, pin: String) -> Result<(), AppError> {
    use crate::ssr::{access::auth, access::request::Call, now, secret::Pin};
    let call = Call::current()?;
    if call.on_certificate_listener() {
        return Err(call.fail(AppError::Forbidden));
    }
    let (pin, lang) = (Pin::new(pin), call.lang());
    let (token, next) =
        auth::admin_logon(&call.state, contract_id.trim(), &pin, &call.client_addr, lang, now())
            .await
            .map_err(|e| call.fail(e))?;
    call.set_session_cookie(&token);
    leptos_axum::redirect(next);
    Ok(())
}

/// ログオフ: ends the session on the server and clears the cookie.
#[server(prefix = "/api", endpoint = "logoff")]
pub async fn logoff() -> Result<(), AppError> {
    use crate::ssr::{access::auth, access::request::Call, now};
    let call = Call::current()?;
    auth::logoff(&call.state, call.session_token().as_ref(), &call.client_addr, now())
        .await
        .map_err(|e| call.fail(e))?;
    call.clear_session_cookie();
    leptos_axum::redirect(if call.on_certificate_listener() { "/cert/logon" } else { "/" });
    Ok(())
}

/// 契約法人ステータス of the logged-on administrator.
#[server(prefix = "/api", endpoint = "admin_status")]
pub async fn admin_status() -> Result<CorporationStatus, AppError> {
    use crate::ssr::access::request::Call;
    use crate::ssr::now;
    let (call, admin) = Call::admin().await?;
    crate::ssr::admin::status::admin_status(&call.state, &admin, now()).await.map_err(|e| call.fail(e))
}

/// 利用者ログオン (ID・暗証番号方式): a new session and a redirect to 利用者ステータス (or to the
/// PIN change while the PINs are provisional).
#[server(prefix = "/api", endpoint = "user_logon")]
pub async fn user_logon(contract_id: String, user_id: String, user_pin: String) -> Result<(), AppError> {
    use crate::ssr::{access::auth, access::request::Call, now, secret::Pin};
    let call = Call::current()?;
    if call.on_certificate_listener() {
        return Err(call.fail(AppError::Forbidden));
    }
    let (token, next) = auth::user_logon(
        &call.state,
        contract_id.trim(),
        user_id.trim(),
        &Pin::new(user_pin),
        (&call.client_addr, call.lang()),
        now(),
    )
    .await
    .map_err(|e| call.fail(e))?;
    call.set_session_cookie(&token);
    leptos_axum::redirect(next);
    Ok(())
}

/// The certificate the browser presented on the certificate-logon origin, and whose it is.
#[server(prefix = "/api", endpoint = "whose_certificate")]
pub async fn whose_certificate() -> Result<CertificateHolder, AppError> {
    use crate::ssr::{access::auth, access::request::Call, now};
    let call = Call::current()?;
    auth::presented(&call, now()).await.map(|(_, shown)| shown).map_err(|e| call.fail(e))
}

/// 管理者ログオン (電子証明書方式): the administrator's certificate and 契約法人暗証番号 only; the
/// session is bound to the certificate.
#[server(prefix = "/api", endpoint = "admin_certificate_logon")]
pub async fn admin_certificate_logon(pin: String) -> Result<(), AppError> {
    certificate_logon(pin, crate::error::Field::Pin).await
}

/// 利用者ログオン (電子証明書方式): the user's certificate and 利用者暗証番号 only.
#[server(prefix = "/api", endpoint = "user_certificate_logon")]
pub async fn user_certificate_logon(user_pin: String) -> Result<(), AppError> {
    certificate_logon(user_pin, crate::error::Field::UserPin).await
}

#[cfg(feature = "ssr")]
async fn certificate_logon(pin: String, field: crate::error::Field) -> Result<(), AppError> {
    use crate::ssr::{access::auth, access::request::Call, now, secret::Pin};
    let call = Call::current()?;
    let (token, next) =
        auth::certificate_logon(&call, &Pin::new(pin), field, now()).await.map_err(|e| call.fail(e))?;
    call.set_session_cookie(&token);
    leptos_axum::redirect(next);
    Ok(())
}

/// [延長] before the idle timeout: any live session (administrator or user) is touched.
#[server(prefix = "/api", endpoint = "keep_alive")]
pub async fn keep_alive() -> Result<(), AppError> {
    use crate::ssr::{access::auth, access::request::Call, now};
    let call = Call::current()?;
    let tls = call.parts.extensions.get::<crate::ssr::access::request::TlsClient>();
    auth::authenticate(&call.state, call.session_token().as_ref(), tls, now())
        .await
        .map(|_| ())
        .map_err(|e| call.fail(e))
}

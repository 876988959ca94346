//! The second factor (ワンタイムパスワード): the logon's second step and the registration.

use crate::error::AppError;
use crate::model::OtpRegistration;
use leptos::prelude::*;

/// ワンタイムパスワード入力 [認証]: the logon waiting at its second factor becomes a session (a new
/// cookie) and goes on to its first screen.
#[server(prefix = "/api", endpoint = "logon_code")]
pub async fn logon_code(otp: String) -> Result<(), AppError> {
    use crate::ssr::{access::request::Call, access::second_factor, now};
    let call = Call::current()?;
    let (token, next) =
        second_factor::logon_code(&call, otp.trim(), now()).await.map_err(|e| call.fail(e))?;
    call.set_session_cookie(&token);
    leptos_axum::redirect(next);
    Ok(())
}

/// ワンタイムパスワード利用登録: the pending secret to show.
#[server(prefix = "/api", endpoint = "otp_secret")]
pub async fn otp_secret() -> Result<OtpRegistration, AppError> {
    use crate::ssr::{access::request::Call, access::second_factor, now};
    let call = Call::current()?;
    let reg = second_factor::registration(&call, now()).await.map_err(|e| call.fail(e))?;
    Ok(OtpRegistration {
        registered: reg.registered,
        required: reg.required,
        account: reg.account,
        secret: reg.secret.to_string(),
        qr_svg: reg.qr_svg,
    })
}

/// ワンタイムパスワード利用登録 [登録]: a current code completes it. A logon that waited for it
/// becomes a session and goes on to its first screen; a session goes back to its status screen.
#[server(prefix = "/api", endpoint = "register_otp")]
pub async fn register_otp(otp: String) -> Result<(), AppError> {
    use crate::ssr::{access::request::Call, access::second_factor, now};
    let call = Call::current()?;
    let (token, next) = second_factor::register(&call, otp.trim(), now()).await.map_err(|e| call.fail(e))?;
    if let Some(token) = token {
        call.set_session_cookie(&token);
    }
    leptos_axum::redirect(next);
    Ok(())
}

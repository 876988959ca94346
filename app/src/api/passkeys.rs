//! パスキー (WebAuthn): registration, removal, and the logon's second step by passkey. The
//! ceremonies run in the page (`navigator.credentials`, see [`crate::passkey`]); these functions
//! hand out the options and check the browser's answers.

use crate::error::AppError;
use crate::model::{LogonFactors, PasskeyList};
use leptos::prelude::*;

/// パスキー登録: the caller's passkeys.
#[server(prefix = "/api", endpoint = "passkeys")]
pub async fn passkeys() -> Result<PasskeyList, AppError> {
    use crate::ssr::{access::passkeys, access::request::Call, now};
    let call = Call::current()?;
    passkeys::list(&call, now()).await.map_err(|e| call.fail(e))
}

/// パスキー登録 [パスキーを登録]: the options for `navigator.credentials.create` (JSON).
#[server(prefix = "/api", endpoint = "passkey_options")]
pub async fn passkey_options() -> Result<String, AppError> {
    use crate::ssr::{access::passkeys, access::request::Call, now};
    let call = Call::current()?;
    passkeys::registration_options(&call, now()).await.map_err(|e| call.fail(e))
}

/// パスキー登録: the browser's new credential (JSON) under its name. Returns where the page goes
/// on (a logon that waited for the registration has become a session).
#[server(prefix = "/api", endpoint = "register_passkey")]
pub async fn register_passkey(passkey_name: String, passkey: String) -> Result<String, AppError> {
    use crate::ssr::{access::passkeys, access::request::Call, now};
    let call = Call::current()?;
    let (token, next) =
        passkeys::register(&call, &passkey_name, &passkey, now()).await.map_err(|e| call.fail(e))?;
    if let Some(token) = token {
        call.set_session_cookie(&token);
    }
    Ok(next.to_owned())
}

/// パスキー登録 [削除]: one of the caller's passkeys. A plain form: works without JavaScript.
#[server(prefix = "/api", endpoint = "remove_passkey")]
pub async fn remove_passkey(id: i64) -> Result<(), AppError> {
    use crate::ssr::{access::passkeys, access::request::Call, now};
    let call = Call::current()?;
    passkeys::remove(&call, id, now()).await.map_err(|e| call.fail(e))?;
    leptos_axum::redirect("/passkeys?done=removed");
    Ok(())
}

/// The options for `navigator.credentials.get` (JSON): the logon's second step, or the
/// administrator confirming a change.
#[server(prefix = "/api", endpoint = "passkey_challenge")]
pub async fn passkey_challenge() -> Result<String, AppError> {
    use crate::ssr::{access::passkeys, access::request::Call, now};
    let call = Call::current()?;
    passkeys::assertion_options(&call, now()).await.map_err(|e| call.fail(e))
}

/// ワンタイムパスワード入力 by passkey: the browser's assertion (JSON). Right: the logon becomes a
/// session (a new cookie); returns its first screen.
#[server(prefix = "/api", endpoint = "logon_passkey")]
pub async fn logon_passkey(passkey: String) -> Result<String, AppError> {
    use crate::ssr::{access::passkeys, access::request::Call, now};
    let call = Call::current()?;
    let (token, next) = passkeys::logon(&call, &passkey, now()).await.map_err(|e| call.fail(e))?;
    call.set_session_cookie(&token);
    Ok(next.to_owned())
}

/// The second factors a logon waiting at its second step can answer with.
#[server(prefix = "/api", endpoint = "second_factors")]
pub async fn second_factors() -> Result<LogonFactors, AppError> {
    use crate::ssr::{access::request::Call, access::second_factor, now};
    let call = Call::current()?;
    second_factor::logon_factors(&call, now()).await.map_err(|e| call.fail(e))
}

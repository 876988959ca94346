//! The user's own screens: 利用者ステータス and the PIN change at first logon.

use crate::error::AppError;
use crate::model::UserOverview;
use leptos::prelude::*;

/// 利用者ステータス of the logged-on user.
#[server(prefix = "/api", endpoint = "user_status")]
pub async fn user_status() -> Result<UserOverview, AppError> {
    use crate::ssr::{access::request::Call, holder::status, now};
    let (call, user) = Call::user().await?;
    status::user_status(&call.state, &user, now()).await.map_err(|e| call.fail(e))
}

/// 暗証番号変更: the user replaces the provisional PINs (required at first logon), or the final
/// PINs with the current ones.
#[server(prefix = "/api", endpoint = "change_pins")]
pub async fn change_pins(
    user_pin: String,
    user_pin_again: String,
    user_confirm_pin: String,
    user_confirm_pin_again: String,
    current_user_pin: Option<String>,
    current_user_confirm_pin: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{access::auth, access::request::Call, now};
    let call = Call::current()?;
    let outcome = async {
        let user = auth::require_user(&call, now(), true).await?;
        let change = auth::PinChange {
            new_pins: [user_pin.as_str(), &user_pin_again, &user_confirm_pin, &user_confirm_pin_again],
            current_pin: current_user_pin.as_deref().unwrap_or_default(),
            current_confirm_pin: current_user_confirm_pin.as_deref().unwrap_or_default(),
        };
        auth::change_pins(&call.state, &user, &change, &call.client_addr, now()).await
    };
    let token = outcome.await.map_err(|e| call.fail(e))?;
    call.set_session_cookie(&token);
    leptos_axum::redirect("/user/status?done=pins");
    Ok(())
}

//! 利用者情報選択 / 登録 / 変更 / 登録抹消 and 外部ファイル送信権限設定.
//!
//! The form-posting functions take the form's fields one by one (checkboxes arrive as
//! `Some("on")` or not at all), so the same `<form>` works with and without JavaScript.
#![allow(clippy::too_many_arguments)] // one argument per form field, by design

use crate::error::AppError;
use crate::model::{UserDetail, UserList};
use crate::validate::UserForm;
use leptos::prelude::*;

/// The administrator's second factors: what their changes ask for beside 契約法人確認暗証番号 (a
/// ワンタイムパスワード, or a パスキー's assertion).
#[server(prefix = "/api", endpoint = "admin_factors")]
pub async fn admin_factors() -> Result<crate::model::LogonFactors, AppError> {
    use crate::ssr::{access::request::Call, admin::users};
    let (call, admin) = Call::admin().await?;
    users::admin_factors(&call.state, &admin).await.map_err(|e| call.fail(e))
}

/// `/admin/users` with the outcome message's parameters.
#[cfg(feature = "ssr")]
fn back_to_list(query: &str) {
    leptos_axum::redirect(&format!("/admin/users?{query}"));
}

/// 利用者情報選択: the corporation's users and settings.
#[server(prefix = "/api", endpoint = "list_users")]
pub async fn list_users() -> Result<UserList, AppError> {
    use crate::ssr::{access::request::Call, admin::users};
    let (call, admin) = Call::admin().await?;
    users::list(&call.state, &admin).await.map_err(|e| call.fail(e))
}

/// One user of the caller's corporation (for 変更 and 登録抹消).
#[server(prefix = "/api", endpoint = "get_user")]
pub async fn get_user(user: String) -> Result<UserDetail, AppError> {
    use crate::ssr::{access::request::Call, admin::users};
    let (call, admin) = Call::admin().await?;
    users::get(&call.state, &admin, &user).await.map_err(|e| call.fail(e))
}

/// [OK] on 利用者情報登録 (no `user`: a new user with `user_id`) and on 利用者情報変更 (`user`:
/// the user being changed). One endpoint, so both screens post the same form.
#[server(prefix = "/api", endpoint = "save_user")]
pub async fn save_user(
    user: Option<String>,
    user_id: Option<String>,
    name: String,
    email: String,
    user_pin: String,
    user_pin_again: String,
    user_confirm_pin: String,
    user_confirm_pin_again: String,
    logon_method: Option<String>,
    perm_balance: Option<String>,
    perm_deposits: Option<String>,
    perm_history: Option<String>,
    perm_transfer: Option<String>,
    perm_scheduled_view: Option<String>,
    perm_scheduled_cancel: Option<String>,
    perm_payments: Option<String>,
    file_register: Option<String>,
    file_approve: Option<String>,
    file_send: Option<String>,
    accident: Option<String>,
    unlock: Option<String>,
    issue_certificate: Option<String>,
    key_compromise: Option<String>,
    cert_version: Option<i64>,
    remove_second_factor: Option<String>,
    admin_confirm_pin: String,
    otp: Option<String>,
    passkey: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{access::request::Call, admin::users, now, secret::Pin};
    let (call, admin) = Call::admin().await?;
    let input = users::UserInput {
        user_id: user.is_none().then(|| user_id.unwrap_or_default().trim().to_owned()),
        name,
        email,
        pin: Pin::new(user_pin),
        pin_again: Pin::new(user_pin_again),
        confirm_pin: Pin::new(user_confirm_pin),
        confirm_pin_again: Pin::new(user_confirm_pin_again),
        logon_method: logon_method.unwrap_or_default(),
        online: [
            perm_balance,
            perm_deposits,
            perm_history,
            perm_transfer,
            perm_scheduled_view,
            perm_scheduled_cancel,
            perm_payments,
        ]
        .map(|c| c.is_some()),
        file: [file_register, file_approve, file_send].map(|c| c.is_some()),
        accident: accident.is_some(),
        unlock: unlock.is_some(),
        issue_certificate: issue_certificate.is_some(),
        key_compromise: key_compromise.is_some(),
        cert_version: cert_version.unwrap_or(0),
        remove_second_factor: remove_second_factor.is_some(),
        admin_confirm_pin: Pin::new(admin_confirm_pin),
        admin_code: otp.unwrap_or_default().trim().to_owned(),
        admin_passkey: passkey.unwrap_or_default(),
    };
    let (state, addr) = (&call.state, call.client_addr.as_str());
    match user {
        None => {
            let id = users::register(state, &admin, &input, addr, now()).await.map_err(|e| call.fail(e))?;
            back_to_list(&format!("done=registered&user={id}"));
        }
        Some(user) => {
            let changed =
                users::change(state, &admin, &user, &input, addr, now()).await.map_err(|e| call.fail(e))?;
            if changed.is_empty() {
                back_to_list(&format!("done=unchanged&user={user}"));
            } else {
                back_to_list(&format!(
                    "done=changed&user={user}&items={}",
                    crate::model::Changed::codes(&changed)
                ));
            }
        }
    }
    Ok(())
}

/// 登録抹消 [OK].
#[server(prefix = "/api", endpoint = "delete_user")]
pub async fn delete_user(
    user: String,
    admin_confirm_pin: String,
    otp: Option<String>,
    passkey: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{access::request::Call, admin::users, now};
    let (call, admin) = Call::admin().await?;
    let confirm = users::AdminProof::from_form(&admin_confirm_pin, otp.as_deref(), passkey.as_deref());
    users::delete(&call.state, &admin, &user, confirm, &call.client_addr, now())
        .await
        .map_err(|e| call.fail(e))?;
    back_to_list(&format!("done=deleted&user={user}"));
    Ok(())
}

/// 一括再発行 [OK]: the selected users (`user[]`, one per ticked box) with one confirmation; the
/// screen shows the result from its query.
#[server(prefix = "/api", endpoint = "reissue_users")]
pub async fn reissue_users(
    user: Option<Vec<String>>,
    key_compromise: Option<String>,
    admin_confirm_pin: String,
    otp: Option<String>,
    passkey: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{access::request::Call, admin::users, now};
    let (call, admin) = Call::admin().await?;
    let confirm = users::AdminProof::from_form(&admin_confirm_pin, otp.as_deref(), passkey.as_deref());
    let selected = user.unwrap_or_default();
    let done = users::reissue_many(
        &call.state,
        &admin,
        &selected,
        key_compromise.is_some(),
        confirm,
        &call.client_addr,
        now(),
    )
    .await
    .map_err(|e| call.fail(e))?;
    leptos_axum::redirect(&format!("/admin/users/reissue?{}", done.query()));
    Ok(())
}

/// 外部ファイル送信権限設定 [OK].
#[server(prefix = "/api", endpoint = "change_file_settings")]
pub async fn change_file_settings(
    file_register: Option<String>,
    file_approve: Option<String>,
    file_send: Option<String>,
    admin_confirm_pin: String,
    otp: Option<String>,
    passkey: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{access::request::Call, admin::users, now};
    let (call, admin) = Call::admin().await?;
    let steps = [file_register.is_some(), file_approve.is_some(), file_send.is_some()];
    let confirm = users::AdminProof::from_form(&admin_confirm_pin, otp.as_deref(), passkey.as_deref());
    users::change_file_settings(&call.state, &admin, steps, confirm, &call.client_addr, now())
        .await
        .map_err(|e| call.fail(e))?;
    back_to_list("done=file_settings");
    Ok(())
}

/// 管理者メールアドレス変更 [OK]: back to 契約法人ステータス.
#[server(prefix = "/api", endpoint = "change_admin_email")]
pub async fn change_admin_email(
    email: String,
    admin_confirm_pin: String,
    otp: Option<String>,
    passkey: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{access::request::Call, admin::users, now};
    let (call, admin) = Call::admin().await?;
    let confirm = users::AdminProof::from_form(&admin_confirm_pin, otp.as_deref(), passkey.as_deref());
    users::change_admin_email(&call.state, &admin, &email, confirm, &call.client_addr, now())
        .await
        .map_err(|e| call.fail(e))?;
    leptos_axum::redirect("/admin/status?done=email");
    Ok(())
}

impl SaveUser {
    /// The fields with rules, for the browser's check before sending.
    pub fn form(&self) -> UserForm<'_> {
        let new = self.user.is_none();
        UserForm {
            user_id: new.then(|| self.user_id.as_deref().unwrap_or_default().trim()),
            name: &self.name,
            email: &self.email,
            pin: &self.user_pin,
            pin_again: &self.user_pin_again,
            confirm_pin: &self.user_confirm_pin,
            confirm_pin_again: &self.user_confirm_pin_again,
            logon_method: self.logon_method.as_deref().unwrap_or_default(),
            pins_required: new,
            admin_confirm_pin: &self.admin_confirm_pin,
        }
    }
}

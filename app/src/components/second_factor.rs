//! The second factor's pieces: the code field, the administrator's code beside
//! 契約法人確認暗証番号 (only when they have one), and the status screens' row.

use super::fields::{field_message, Shown};
use crate::error::Field;
use crate::i18n::texts;
use leptos::prelude::*;

/// ワンタイムパスワード: six digits, labelled, with its hint and error tied to it.
#[component]
pub fn CodeField(shown: Shown) -> impl IntoView {
    let t = texts();
    let name = Field::Code.name();
    let message = field_message(shown, Field::Code);
    view! {
        <div class="field">
            <label for=name>{t.otp.label}</label>
            <input
                id=name
                name=name
                type="text"
                inputmode="numeric"
                pattern="[0-9]{6}"
                maxlength="6"
                autocomplete="one-time-code"
                aria-describedby=format!("{name}-hint {name}-error")
                aria-invalid=move || message.get().map(|_| "true")
            />
            <span class="hint" id=format!("{name}-hint")>{t.otp.hint}</span>
            <span class="field-error" id=format!("{name}-error")>{message}</span>
        </div>
    }
}

/// The administrator's ワンタイムパスワード on a change's form, shown only when the administrator
/// has a second factor (the server asks for it then).
#[component]
pub fn AdminCodeField(shown: Shown) -> impl IntoView {
    let needed = Resource::new(|| (), |()| crate::api::users::admin_code_required());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                matches!(needed.await, Ok(true)).then(|| view! { <CodeField shown=shown/> })
            })}
        </Suspense>
    }
}

/// A status screen's row: ワンタイムパスワード 登録済み / 未登録, with the way to register one (only
/// when the contract uses second factors).
#[component]
pub fn SecondFactorRow(registered: Option<bool>) -> impl IntoView {
    let t = texts();
    registered.map(|done| {
        view! {
            <dt>{t.otp.status_label}</dt>
            <dd id="second-factor">
                {if done { t.otp.status_registered } else { t.otp.status_none }}
                {(!done).then(|| view! { " " <a href="/otp/register" id="otp-register-link">{t.otp.link}</a> })}
            </dd>
        }
    })
}

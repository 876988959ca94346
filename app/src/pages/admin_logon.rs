//! Screen 2, 管理者ログオン (ID・暗証番号方式): 「契約法人ID」「契約法人暗証番号」 [ログオン].
//! Works without JavaScript: the form posts to the server function, which redirects.

use crate::api::auth::AdminLogon;
use crate::components::Layout;
use crate::error::{AppError, Field};
use crate::i18n::texts;
use leptos::prelude::*;

#[component]
pub fn AdminLogonPage() -> impl IntoView {
    let t = texts();
    let logon = ServerAction::<AdminLogon>::new();
    let error = move || logon.value().get().and_then(Result::err);
    let field_error = move |field: Field| {
        move || match error() {
            Some(AppError::Invalid { field: f, problem }) if f == field => Some(t.field_problem(f, problem)),
            _ => None,
        }
    };
    let general_error = move || match error() {
        Some(AppError::Invalid { .. }) | None => None,
        Some(e) => Some(t.error(&e)),
    };
    let invalid = move |field: Field| move || field_error(field)().is_some().then_some("true");
    view! {
        <Layout title=t.admin_logon_title>
            <p class="method">{t.id_pin_method}</p>
            <div role="alert" class="alert-slot">
                {move || general_error().map(|m| view! { <p class="error" id="logon-error">{m}</p> })}
            </div>
            <ActionForm action=logon attr:class="form" attr:novalidate=true>
                <div class="field">
                    <label for="contract_id">{t.contract_id}</label>
                    <input
                        id="contract_id"
                        name="contract_id"
                        type="text"
                        inputmode="numeric"
                        autocomplete="username"
                        maxlength="16"
                        aria-describedby="contract_id-hint contract_id-error"
                        aria-invalid=invalid(Field::ContractId)
                    />
                    <span class="hint" id="contract_id-hint">{t.contract_id_hint}</span>
                    <span class="field-error" id="contract_id-error">{field_error(Field::ContractId)}</span>
                </div>
                <div class="field">
                    <label for="pin">{t.admin_pin}</label>
                    <input
                        id="pin"
                        name="pin"
                        type="password"
                        autocomplete="current-password"
                        maxlength="64"
                        aria-describedby="pin-error"
                        aria-invalid=invalid(Field::Pin)
                    />
                    <span class="field-error" id="pin-error">{field_error(Field::Pin)}</span>
                </div>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || logon.pending().get()>
                        {move || if logon.pending().get() { t.logging_on } else { t.logon }}
                    </button>
                </div>
            </ActionForm>
            <p><a href="/">{t.back_to_top}</a></p>
        </Layout>
    }
}

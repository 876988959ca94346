//! 管理者メールアドレス変更: the administrator's own address for the notices (電子メール通知),
//! changed with the 契約法人確認暗証番号. Works without JavaScript.

use crate::api::auth::admin_status;
use crate::api::users::ChangeAdminEmail;
use crate::components::{form_message, AdminCodeField, AdminScreen, PinField, TextField};
use crate::error::{AppError, Field};
use crate::i18n::texts;
use crate::model::CorporationStatus;
use crate::pages::user_form::shown_error;
use leptos::prelude::*;

#[component]
pub fn AdminEmailPage() -> impl IntoView {
    let t = texts();
    let data = Resource::new(|| (), |()| admin_status());
    let action = ServerAction::<ChangeAdminEmail>::new();
    let client = RwSignal::new(None::<AppError>);
    let shown = shown_error(client, action);
    let render = move |s: CorporationStatus| {
        view! {
            <p>{t.admin_email_intro}</p>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <div role="alert">{move || form_message(shown).get().map(|m| view! { <p class="error" id="form-error">{m}</p> })}</div>
                <TextField field=Field::Email label=t.email_label shown=shown value=s.admin_email maxlength=254
                    autocomplete="email" input_type="email"/>
                <PinField field=Field::AdminConfirmPin label=t.admin_confirm_pin shown=shown admin=true maxlength=64 autocomplete="off"/>
                <AdminCodeField shown=shown/>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>{t.ok}</button>
                    <a class="button secondary" href="/admin/status">{t.cancel}</a>
                </div>
            </ActionForm>
        }
    };
    view! { <AdminScreen title=t.admin_email_title data=data render=render/> }
}

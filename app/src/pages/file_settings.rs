//! 外部ファイル送信権限設定 change: which of 登録 / 承認 / 送信 the corporation uses.

use crate::api::users::{list_users, ChangeFileSettings};
use crate::components::{form_message, AdminCodeField, AdminScreen, CheckField, PinField};
use crate::error::{AppError, Field};
use crate::i18n::texts;
use crate::model::{UserList, FILE_PERMISSIONS};
use crate::pages::user_form::shown_error;
use leptos::prelude::*;

#[component]
pub fn FileSettingsPage() -> impl IntoView {
    let t = texts();
    let data = Resource::new(|| (), |()| list_users());
    let action = ServerAction::<ChangeFileSettings>::new();
    let client = RwSignal::new(None::<AppError>);
    let shown = shown_error(client, action);
    let render = move |list: UserList| {
        let f = list.file_settings;
        let current = [f.register, f.approve, f.send];
        view! {
            <p>{t.file_settings_intro}</p>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <div role="alert">{move || form_message(shown).get().map(|m| view! { <p class="error" id="form-error">{m}</p> })}</div>
                <fieldset>
                    <legend>{t.file_settings_title}</legend>
                    {FILE_PERMISSIONS.iter().zip(t.file_steps).zip(current).map(|((name, step), on)| view! {
                        <CheckField name=name label=format!("{step}{}", t.use_step) checked=on/>
                    }).collect_view()}
                </fieldset>
                <PinField field=Field::AdminConfirmPin label=t.admin_confirm_pin shown=shown admin=true maxlength=64 autocomplete="off"/>
                <AdminCodeField shown=shown/>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>{t.ok}</button>
                    <a class="button secondary" href="/admin/users">{t.cancel}</a>
                </div>
            </ActionForm>
        }
    };
    view! { <AdminScreen title=t.file_settings_change_title data=data render=render/> }
}

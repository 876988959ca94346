//! Screen 8, 登録抹消: confirm with the 契約法人確認暗証番号.

use crate::api::users::{get_user, DeleteUser};
use crate::components::{form_message, AdminCodeField, AdminScreen, PinField};
use crate::error::{AppError, Field};
use crate::i18n::texts;
use crate::model::UserDetail;
use crate::pages::user_form::shown_error;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

#[component]
pub fn UserDeletePage() -> impl IntoView {
    let t = texts();
    let query = use_query_map();
    let user = move || query.read().get("user").filter(|u| !u.is_empty());
    let data = Resource::new(user, |u| get_user(u.unwrap_or_default()));
    let action = ServerAction::<DeleteUser>::new();
    let client = RwSignal::new(None::<AppError>);
    let shown = shown_error(client, action);
    let render = move |u: UserDetail| {
        view! {
            <p class="error">{t.delete_warning}</p>
            <dl class="status">
                <dt>{t.user_id_label}</dt><dd id="user-id">{u.user_id.clone()}</dd>
                <dt>{t.user_name_label}</dt><dd>{u.name.clone()}</dd>
            </dl>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <div role="alert">{move || form_message(shown).get().map(|m| view! { <p class="error" id="form-error">{m}</p> })}</div>
                <input type="hidden" name="user" value=u.user_id.clone()/>
                <PinField field=Field::AdminConfirmPin label=t.admin_confirm_pin shown=shown admin=true maxlength=64 autocomplete="off"/>
                <AdminCodeField shown=shown/>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>{t.ok}</button>
                    <a class="button secondary" href="/admin/users">{t.cancel}</a>
                </div>
            </ActionForm>
        }
    };
    view! {
        {move || user().is_none().then(|| view! { <Redirect path="/admin/users?error=select"/> })}
        <AdminScreen title=t.delete_title data=data render=render/>
    }
}

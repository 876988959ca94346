//! Screen 10, 電子証明書取得 (users), and 契約法人電子証明書取得 (the corporation's administrator):
//! step 1 checks who is fetching (契約法人ID, 利用者ID and both PINs) and shows whose certificate
//! it will be; step 2 makes the key pair and the certificate file in the page.
//! Needs JavaScript: the key is made in the page (the server never sees it).

use crate::api::certificates::{preview_acquisition, preview_admin_acquisition};
use crate::components::{
    file_names, form_message, form_values, IssueWith, Layout, NewCertificate, PinField, Shown, TextField,
};
use crate::error::{AppError, Field};
use crate::i18n::{lang, texts};
use crate::model::AcquisitionTarget;
use crate::time_fmt::date_time;
use crate::validate;
use leptos::prelude::*;

#[component]
pub fn AcquirePage() -> impl IntoView {
    view! { <Acquisition admin=false/> }
}

#[component]
pub fn AdminAcquirePage() -> impl IntoView {
    view! { <Acquisition admin=true/> }
}

#[component]
fn Acquisition(admin: bool) -> impl IntoView {
    let t = texts();
    let error = RwSignal::new(None::<AppError>);
    let shown: Shown = error.into();
    let general = form_message(shown);
    let pending = RwSignal::new(false);
    let target = RwSignal::new(None::<(AcquisitionTarget, IssueWith)>);
    // Shown until the WASM runs (effects run only in the browser): without JavaScript the page
    // cannot make the key. (Not <noscript>: a browser with scripting disabled by policy may
    // still parse it as text.)
    let scripting = RwSignal::new(false);
    Effect::new(move || scripting.set(true));
    let (pin_field, confirm_field) =
        if admin { (Field::Pin, Field::AdminConfirmPin) } else { (Field::UserPin, Field::UserConfirmPin) };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = form_values(&ev);
        let contract_id = form(Field::ContractId.name()).trim().to_owned();
        let user_id = (!admin).then(|| form(Field::UserId.name()).trim().to_owned());
        let (pin, confirm_pin) = (form(pin_field.name()), form(confirm_field.name()));
        let errors = validate::acquisition(&contract_id, user_id.as_deref(), &pin, &confirm_pin);
        if !errors.is_empty() {
            error.set(Some(AppError::Invalid(errors)));
            return;
        }
        error.set(None);
        pending.set(true);
        leptos::task::spawn_local(async move {
            let answer = match user_id {
                Some(user_id) => preview_acquisition(
                    contract_id.clone(),
                    user_id.clone(),
                    pin.clone(),
                    confirm_pin.clone(),
                )
                .await
                .map(|p| (p, IssueWith::User { contract_id, user_id, pin, confirm_pin })),
                None => preview_admin_acquisition(contract_id.clone(), pin.clone(), confirm_pin.clone())
                    .await
                    .map(|p| (p, IssueWith::Admin { contract_id, pin, confirm_pin })),
            };
            pending.set(false);
            match answer {
                Ok(found) => target.set(Some(found)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <Layout title=if admin { t.admin_acquire_title } else { t.acquire_title }>
            <p>{if admin { t.admin_acquire_intro } else { t.acquire_intro }}</p>
            {move || (!scripting.get()).then(|| view! { <p class="error" id="needs-js">{t.needs_js}</p> })}
            <Show when=move || target.with(Option::is_none)>
                <div role="alert" class="alert-slot">
                    {move || general.get().map(|m| view! { <p class="error" id="acquire-error">{m}</p> })}
                </div>
                <form class="form" novalidate on:submit=on_submit>
                    <TextField field=Field::ContractId label=t.contract_id shown=shown hint=t.contract_id_hint
                        maxlength=16 autocomplete="organization"/>
                    {(!admin).then(|| view! {
                        <TextField field=Field::UserId label=t.user_id_label shown=shown hint=t.user_id_hint
                            maxlength=30 autocomplete="username"/>
                        <PinField field=Field::UserPin label=t.user_pin_label shown=shown maxlength=64
                            autocomplete="current-password"/>
                        <PinField field=Field::UserConfirmPin label=t.user_confirm_pin_label shown=shown maxlength=64
                            autocomplete="off"/>
                    })}
                    {admin.then(|| view! {
                        <PinField field=Field::Pin label=t.admin_pin shown=shown admin=true maxlength=64
                            autocomplete="current-password"/>
                        <PinField field=Field::AdminConfirmPin label=t.admin_confirm_pin shown=shown admin=true
                            maxlength=64 autocomplete="off"/>
                    })}
                    <p class="note">{t.softkb_note}</p>
                    <div class="actions">
                        <button type="submit" class="primary" disabled=move || pending.get()>{t.next}</button>
                    </div>
                </form>
            </Show>
            {move || target.get().map(|(found, how)| {
                let (file_name, label) = file_names(&found.contract_id, found.user_id.as_deref());
                view! {
                    <p>{t.target_intro}</p>
                    <dl class="status" id="acquisition-target">
                        <dt>{t.corp_name}</dt>
                        <dd>{found.corporation_name}</dd>
                        <dt>{t.contract_id}</dt>
                        <dd>{found.contract_id}</dd>
                        <dt>{t.cert_holder}</dt>
                        <dd>{match (found.user_id, found.holder_name) {
                            (Some(id), Some(name)) => format!("{name}（{id}）"),
                            _ => t.cert_admin_holder.to_owned(),
                        }}</dd>
                        <dt>{t.acquire_by_label}</dt>
                        <dd>{date_time(found.acquire_by, lang())}</dd>
                    </dl>
                    <NewCertificate how=how button=t.acquire file_name=file_name label=label/>
                }
            })}
            <p><a href=if admin { "/admin/logon" } else { "/user/logon" }>{t.back_to_logon}</a></p>
        </Layout>
    }
}

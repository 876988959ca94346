//! Screen 7, 利用者情報登録 (新規登録) and 利用者情報変更 (変更): one form for both.
//! The browser checks the fields with the shared rules before sending; the server checks again.

use crate::api::auth::admin_status;
use crate::api::users::{get_user, SaveUser};
use crate::components::{form_message, AdminCodeField, AdminScreen, CheckField, PinField, Shown, TextField};
use crate::error::{AppError, Field};
use crate::i18n::{texts, Texts};
use crate::model::{UserDetail, FILE_PERMISSIONS, ONLINE_PERMISSIONS};
use crate::validate;
use leptos::form::FromFormData;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// The fields shared by both screens. `existing` is `None` on 新規登録.
fn user_fields(t: &'static Texts, shown: Shown, existing: Option<&UserDetail>) -> impl IntoView {
    let online = existing.map_or([false; 7], |u| u.online);
    let file = existing.map_or([false; 3], |u| u.file);
    let method = existing.map_or("certificate", |u| u.logon_method.value());
    let method_error = crate::components::field_message(shown, Field::LogonMethod);
    view! {
        <TextField field=Field::UserName label=t.user_name_label shown=shown hint=t.user_name_hint
            value=existing.map(|u| u.name.clone()).unwrap_or_default() maxlength=30/>
        <TextField field=Field::Email label=t.email_label shown=shown hint=t.email_hint input_type="email"
            value=existing.map(|u| u.email.clone()).unwrap_or_default() maxlength=254/>
        <fieldset>
            <legend>{t.pins_section}</legend>
            {existing.is_some().then(|| view! { <p class="hint">{t.pins_change_hint}</p> })}
            <p class="hint">{t.pin_rule_hint}</p>
            <p class="note">{t.softkb_note}</p>
            <PinField field=Field::UserPin label=t.user_pin_label shown=shown/>
            <PinField field=Field::UserPinAgain label=t.user_pin_again_label shown=shown/>
            <PinField field=Field::UserConfirmPin label=t.user_confirm_pin_label shown=shown/>
            <PinField field=Field::UserConfirmPinAgain label=t.user_confirm_pin_again_label shown=shown/>
        </fieldset>
        <fieldset aria-describedby="logon_method-error">
            <legend>{t.logon_method_label}</legend>
            {validate::LOGON_METHODS.iter().zip(t.logon_methods).map(|(value, label)| {
                let id = format!("logon_method-{value}");
                view! {
                    <div class="check">
                        <input type="radio" name="logon_method" id=id.clone() value=*value checked=*value == method/>
                        <label for=id>{label}</label>
                    </div>
                }
            }).collect_view()}
            <span class="field-error" id="logon_method-error">{method_error}</span>
        </fieldset>
        <fieldset>
            <legend>{t.perms_section}</legend>
            <fieldset class="inner">
                <legend>{t.col_online}</legend>
                {ONLINE_PERMISSIONS.iter().zip(t.online_perms).zip(online).map(|((name, label), on)| view! {
                    <CheckField name=name label=label checked=on/>
                }).collect_view()}
            </fieldset>
            <fieldset class="inner">
                <legend>{t.file_perms_label}</legend>
                {FILE_PERMISSIONS.iter().zip(t.file_steps).zip(file).map(|((name, label), on)| view! {
                    <CheckField name=name label=label checked=on/>
                }).collect_view()}
            </fieldset>
        </fieldset>
    }
}

/// 【電子証明書情報】: the current certificate and the seed's checkbox
/// 「現在の電子証明書を失効し、再発行する。」 (on 新規登録: 「電子証明書を発行する」).
fn cert_section(t: &'static Texts, existing: Option<&UserDetail>) -> impl IntoView {
    use crate::model::CertState;
    let (state, serial, until, version) = existing.map_or((t.cert_states[0], None, None, 0), |u| {
        let index = match u.cert {
            CertState::None => 0,
            CertState::AwaitingAcquisition => 1,
            CertState::InUse => 2,
            CertState::ExpiringSoon => 3,
        };
        (t.cert_states[index], u.cert_serial.clone(), u.cert_until.map(|at| (u.cert, at)), u.cert_version)
    });
    let until_row = until.map(|(cert, at)| {
        let label = if cert == CertState::AwaitingAcquisition { t.cert_acquire_by } else { t.cert_valid_until };
        view! { <dt>{label}</dt><dd id="cert-until">{crate::time_fmt::date_time(at, crate::i18n::lang())}</dd> }
    });
    view! {
        <section class="cert-info" aria-labelledby="cert-h">
            <h2 id="cert-h">{t.cert_section}</h2>
            <dl class="status">
                <dt>{t.cert_current}</dt><dd id="cert-state">{state}</dd>
                {serial.map(|s| view! { <dt>{t.cert_serial}</dt><dd id="cert-serial">{s}</dd> })}
                {until_row}
            </dl>
            <input type="hidden" name="cert_version" value=version.to_string()/>
            {if existing.is_some() {
                view! {
                    <CheckField name="issue_certificate" label=t.cert_reissue checked=false/>
                    <CheckField name="key_compromise" label=t.cert_key_compromise checked=false/>
                }.into_any()
            } else {
                view! { <CheckField name="issue_certificate" label=t.cert_issue checked=true/> }.into_any()
            }}
            <p class="hint">{t.cert_one_per_user}</p>
        </section>
    }
}

/// 契約法人確認暗証番号 and [OK] [キャンセル] [クリア].
pub fn confirm_and_buttons(t: &'static Texts, shown: Shown, pending: Signal<bool>) -> impl IntoView {
    view! {
        <div class="confirm">
            <PinField field=Field::AdminConfirmPin label=t.admin_confirm_pin shown=shown admin=true maxlength=64
                autocomplete="off"/>
            <AdminCodeField shown=shown/>
        </div>
        <div class="actions">
            <button type="submit" class="primary" disabled=move || pending.get()>
                {move || if pending.get() { t.processing } else { t.ok }}
            </button>
            <a class="button secondary" href="/admin/users">{t.cancel}</a>
            <button type="reset" class="secondary">{t.clear}</button>
        </div>
    }
}

/// The error shown on a form: the browser's check first, else the server's answer.
pub fn shown_error<S>(client: RwSignal<Option<AppError>>, action: ServerAction<S>) -> Shown
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || client.get().or_else(|| action.value().get().and_then(Result::err)))
}

/// The form's action and its browser-side check: the shared rules first, the server after.
fn save_action() -> (ServerAction<SaveUser>, Shown, impl Fn(leptos::ev::SubmitEvent) + Clone + 'static) {
    let action = ServerAction::<SaveUser>::new();
    let client = RwSignal::new(None::<AppError>);
    let shown = shown_error(client, action);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match SaveUser::from_event(&ev) {
            Ok(args) => {
                let errors = validate::user_form(&args.form());
                if errors.is_empty() {
                    client.set(None);
                    action.dispatch(args);
                } else {
                    client.set(Some(AppError::Invalid(errors)));
                }
            }
            Err(_) => client.set(Some(AppError::Communication)),
        }
    };
    (action, shown, on_submit)
}

#[component]
pub fn UserNewPage() -> impl IntoView {
    let t = texts();
    let data = Resource::new(|| (), |()| admin_status());
    let (action, shown, on_submit) = save_action();
    let render = move |_| {
        view! {
            <form method="post" action=SaveUser::url() on:submit=on_submit.clone() novalidate class="form user-form">
                <div role="alert">{move || form_message(shown).get().map(|m| view! { <p class="error" id="form-error">{m}</p> })}</div>
                <TextField field=Field::UserId label=t.user_id_label shown=shown hint=t.user_id_hint maxlength=30/>
                {user_fields(t, shown, None)}
                {cert_section(t, None)}
                {confirm_and_buttons(t, shown, action.pending().into())}
            </form>
        }
    };
    view! { <AdminScreen title=t.user_register_title data=data render=render/> }
}

#[component]
pub fn UserEditPage() -> impl IntoView {
    let t = texts();
    let query = use_query_map();
    let user = move || query.read().get("user").filter(|u| !u.is_empty());
    let data = Resource::new(user, |u| get_user(u.unwrap_or_default()));
    let (action, shown, on_submit) = save_action();
    let render = move |u: UserDetail| {
        view! {
            <form method="post" action=SaveUser::url() on:submit=on_submit.clone() novalidate class="form user-form">
                <div role="alert">{move || form_message(shown).get().map(|m| view! { <p class="error" id="form-error">{m}</p> })}</div>
                <input type="hidden" name="user" value=u.user_id.clone()/>
                <div class="field">
                    <span class="label">{t.user_id_label}</span>
                    <span id="user-id">{u.user_id.clone()}</span>
                </div>
                {user_fields(t, shown, Some(&u))}
                <fieldset>
                    <legend>{t.status_section}</legend>
                    <CheckField name="accident" label=t.accident_label checked=u.accident/>
                    {if u.suspended {
                        view! { <CheckField name="unlock" label=t.unlock_label checked=false/> }.into_any()
                    } else {
                        view! { <p class="hint">{t.not_suspended}</p> }.into_any()
                    }}
                    {u.second_factor.then(|| view! {
                        <CheckField name="remove_second_factor" label=t.otp.remove checked=false/>
                    })}
                </fieldset>
                {cert_section(t, Some(&u))}
                {confirm_and_buttons(t, shown, action.pending().into())}
            </form>
        }
    };
    view! {
        {move || user().is_none().then(|| view! { <Redirect path="/admin/users?error=select"/> })}
        <AdminScreen title=t.user_change_title data=data render=render/>
    }
}

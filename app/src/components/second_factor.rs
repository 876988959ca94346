//! The second factor's pieces: the code field, the administrator's code or passkey beside
//! 契約法人確認暗証番号 (only when they have one), and the status screens' row.

use super::fields::{field_message, Shown};
use crate::error::Field;
use crate::i18n::{lang, texts};
use crate::model::{LogonHistory, LogonRecord};
use crate::passkey::Ceremony;
use crate::time_fmt::date_time;
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

/// The administrator's second factor on a change's form, shown only when they have one (the
/// server asks for it then): the ワンタイムパスワード, and the パスキー's [パスキーで確認].
#[component]
pub fn AdminCodeField(shown: Shown) -> impl IntoView {
    let factors = Resource::new(|| (), |()| crate::api::users::admin_factors());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                factors.await.ok().map(|f| view! {
                    {f.passkey.then(|| view! { <PasskeyConfirm shown=shown/> })}
                    {f.totp.then(|| view! { <CodeField shown=shown/> })}
                })
            })}
        </Suspense>
    }
}

/// A signal that turns true once the page has hydrated (never on the server, nor without
/// JavaScript): what needs JavaScript is enabled by it.
pub fn hydrated() -> RwSignal<bool> {
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    hydrated
}

/// [パスキーで確認] on a change's form: the passkey's assertion goes into the form's hidden
/// `passkey` field, sent with [OK]. A refused submission clears it (its challenge is used up).
#[component]
fn PasskeyConfirm(shown: Shown) -> impl IntoView {
    let t = texts();
    let name = Field::Passkey.name();
    let answer = RwSignal::new(String::new());
    let failed = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let ready = hydrated();
    let message = field_message(shown, Field::Passkey);
    Effect::new(move || {
        if shown.get().is_some() {
            answer.set(String::new());
        }
    });
    let confirm = move |_| {
        busy.set(true);
        failed.set(false);
        leptos::task::spawn_local(async move {
            let got = match crate::api::passkeys::passkey_challenge().await {
                Ok(options) => crate::passkey::run(Ceremony::Get, &options).await,
                Err(_) => None,
            };
            match got {
                Some(json) => answer.set(json),
                None => failed.set(true),
            }
            busy.set(false);
        });
    };
    let status = move || {
        if !ready.get() {
            t.passkey.needs_js
        } else if !answer.get().is_empty() {
            t.passkey.confirmed
        } else if failed.get() {
            t.passkey.cancelled
        } else {
            ""
        }
    };
    view! {
        <div class="field">
            <input type="hidden" name=name prop:value=move || answer.get()/>
            <button
                type="button"
                id="passkey-confirm"
                on:click=confirm
                disabled=move || !ready.get() || busy.get()
                aria-describedby=format!("{name}-status {name}-error")
            >
                {t.passkey.confirm_button}
            </button>
            <span class="hint" id=format!("{name}-status") role="status">{status}</span>
            <span class="field-error" id=format!("{name}-error")>{message}</span>
        </div>
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
            <dd>
                <span id="second-factor">{if done { t.otp.status_registered } else { t.otp.status_none }}</span>
                {(!done).then(|| view! { " " <a href="/otp/register" id="otp-register-link">{t.otp.link}</a> })}
                " " <a href="/passkeys" id="passkeys-link">{t.passkey.status_link}</a>
            </dd>
        }
    })
}

/// ログオン履歴 of a status screen: the last three logons (time, method, address) and the failed
/// attempts since the previous logon.
#[component]
pub fn LogonHistoryTable(history: LogonHistory) -> impl IntoView {
    let t = texts();
    let method = move |r: &LogonRecord| {
        let first = if r.by_certificate { t.logons.certificate } else { t.logons.id_pin };
        let second = match r.second_factor.as_deref() {
            Some("totp") => t.logons.with_totp,
            Some("passkey") => t.logons.with_passkey,
            _ => "",
        };
        format!("{first}{second}")
    };
    view! {
        <section aria-labelledby="logons-title">
            <h2 id="logons-title">{t.logons.title}</h2>
            {if history.recent.is_empty() {
                view! { <p>{t.logons.none}</p> }.into_any()
            } else {
                view! {
                    <table class="grid logons" id="logon-history">
                        <caption class="visually-hidden">{t.logons.caption}</caption>
                        <thead>
                            <tr>{t.logons.columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr>
                        </thead>
                        <tbody>
                            {history.recent.iter().map(|r| view! {
                                <tr>
                                    <td class="nowrap">{date_time(r.at, lang())}</td>
                                    <td>{method(r)}</td>
                                    <td>{r.client_addr.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <p id="failed-logons" class=(history.failed > 0).then_some("notice")>
                {t.logons.failed.replace("{count}", &history.failed.to_string())}
            </p>
        </section>
    }
}

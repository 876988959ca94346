//! The second factor's screens, both working without JavaScript:
//! - ワンタイムパスワード入力 (`/logon/code`): the logon's second step, after the PIN (and the
//!   certificate): the code, and [パスキーで認証] for a person with passkeys (which needs
//!   JavaScript, and says so without it);
//! - ワンタイムパスワード利用登録 (`/otp/register`): the QR code and the secret, and the first code
//!   that completes the registration — right after the PIN when the contract requires it, or from
//!   a status screen.

use crate::api::passkeys::{logon_passkey, passkey_challenge, second_factors};
use crate::api::second_factor::{otp_secret, LogonCode, RegisterOtp};
use crate::components::{form_message, hydrated, CodeField, Layout};
use crate::error::AppError;
use crate::i18n::texts;
use crate::model::OtpRegistration;
use crate::passkey::{Ceremony, Progress};
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// The way back when there is no logon to continue.
fn start_again() -> impl IntoView {
    let t = texts();
    view! {
        <p>{t.otp.start_again}</p>
        <p><a href="/">{t.back_to_top}</a></p>
    }
}

/// ワンタイムパスワード入力's [パスキーで認証]: the assertion, then the session's first screen.
#[component]
fn PasskeyLogon() -> impl IntoView {
    let t = texts();
    let ready = hydrated();
    let progress = Progress::new();
    let Progress { busy, cancelled, refused } = progress;
    let message = Signal::derive(move || refused.get().map(|e| t.error(&e)));
    let start = move |_| progress.start(Ceremony::Get, passkey_challenge(), logon_passkey);
    view! {
        <section aria-labelledby="passkey-logon-title">
            <h2 id="passkey-logon-title">{t.passkey.label}</h2>
            <p>{t.passkey.logon_intro}</p>
            <div role="alert" class="alert-slot">
                {move || message.get().map(|m| view! { <p class="error" id="passkey-error">{m}</p> })}
                {move || cancelled.get().then(|| view! { <p class="error" id="passkey-cancelled">{t.passkey.cancelled}</p> })}
            </div>
            {move || matches!(refused.get(), Some(AppError::Unauthenticated | AppError::Locked { .. })).then(start_again)}
            <div class="actions">
                <button type="button" class="primary" id="passkey-logon" on:click=start disabled=move || !ready.get() || busy.get()>
                    {t.passkey.logon_button}
                </button>
            </div>
            {move || (!ready.get()).then(|| view! { <p class="notice" id="passkey-needs-js">{t.passkey.needs_js}</p> })}
        </section>
    }
}

/// ワンタイムパスワード入力's code form.
#[component]
fn CodeLogon() -> impl IntoView {
    let t = texts();
    let action = ServerAction::<LogonCode>::new();
    let shown = Signal::derive(move || action.value().get().and_then(Result::err));
    let general = form_message(shown);
    let lost = move || matches!(shown.get(), Some(AppError::Unauthenticated | AppError::Locked { .. }));
    view! {
        <p>{t.otp.code_intro}</p>
        <div role="alert" class="alert-slot">
            {move || general.get().map(|m| view! { <p class="error" id="code-error">{m}</p> })}
        </div>
        {move || lost().then(start_again)}
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <CodeField shown=shown/>
            <div class="actions">
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { t.otp.verifying } else { t.otp.verify }}
                </button>
            </div>
        </ActionForm>
    }
}

#[component]
pub fn LogonCodePage() -> impl IntoView {
    let t = texts();
    let factors = Resource::new(|| (), |()| second_factors());
    view! {
        <Layout title=t.otp.code_title>
            <Suspense fallback=move || view! { <p>{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match factors.await {
                        Ok(f) => view! {
                            {f.totp.then(|| view! { <CodeLogon/> })}
                            {f.passkey.then(|| view! { <PasskeyLogon/> })}
                        }.into_any(),
                        Err(_) => start_again().into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
pub fn OtpRegisterPage() -> impl IntoView {
    let t = texts();
    let data = Resource::new(|| (), |()| otp_secret());
    let action = ServerAction::<RegisterOtp>::new();
    let shown = Signal::derive(move || action.value().get().and_then(Result::err));
    let general = form_message(shown);
    let render = move |reg: OtpRegistration| {
        if reg.registered {
            return view! { <p id="otp-registered">{t.otp.registered}</p> }.into_any();
        }
        view! {
            {reg.required.then(|| view! { <p class="notice" id="otp-required">{t.otp.required_note}</p> })}
            <p>{t.otp.register_intro}</p>
            <figure class="qr">
                <div role="img" aria-label=t.otp.qr_label id="otp-qr" inner_html=reg.qr_svg></div>
            </figure>
            <dl class="status">
                <dt>{t.otp.account_label}</dt>
                <dd id="otp-account">{reg.account}</dd>
                <dt>{t.otp.secret_label}</dt>
                <dd><code id="otp-secret">{reg.secret}</code></dd>
            </dl>
            <div role="alert" class="alert-slot">
                {move || general.get().map(|m| view! { <p class="error" id="otp-form-error">{m}</p> })}
            </div>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <CodeField shown=shown/>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>{t.otp.register}</button>
                </div>
            </ActionForm>
            <p><a href="/passkeys" id="use-passkey-link">{t.passkey.use_passkey}</a></p>
        }
        .into_any()
    };
    view! {
        <Layout title=t.otp.register_title logged_on=true>
            <Suspense fallback=move || view! { <p>{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(reg) => render(reg),
                        Err(AppError::PinChangeRequired) => view! { <Redirect path="/user/pins"/> }.into_any(),
                        Err(AppError::Unauthenticated) => start_again().into_any(),
                        Err(e) => view! {
                            <p class="error" role="alert">{t.error(&e)}</p>
                            <p><a href="/">{t.back_to_top}</a></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

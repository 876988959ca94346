//! Screen 3, ログオン (電子証明書方式), on the certificate-logon origin: the browser presents its
//! client certificate in the TLS handshake; the page shows whose it is and asks only that
//! person's PIN (契約法人暗証番号 or 利用者暗証番号) — 「※電子証明書方式でログオンする場合は、IDの入力は不要です。」

use crate::api::auth::{whose_certificate, AdminCertificateLogon, UserCertificateLogon};
use crate::components::{form_message, Layout, PinField, Shown, TimedOutNotice};
use crate::error::{AppError, CertProblem, Field};
use crate::i18n::{lang, texts};
use crate::model::CertificateHolder;
use crate::time_fmt::date_time;
use leptos::prelude::*;

#[component]
pub fn CertLogonPage() -> impl IntoView {
    let t = texts();
    let holder = Resource::new(|| (), |()| whose_certificate());
    view! {
        <Suspense fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match holder.await {
                    Ok(h) if h.user_id.is_some() => view! { <UserForm holder=h/> }.into_any(),
                    Ok(h) => view! { <AdminForm holder=h/> }.into_any(),
                    Err(e) => view! { <Refused error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Whose certificate it is.
#[component]
fn HolderDetails(holder: CertificateHolder) -> impl IntoView {
    let t = texts();
    view! {
        <p>{t.cert_presented_intro}</p>
        <dl class="status" id="certificate-holder">
            <dt>{t.corp_name}</dt>
            <dd>{holder.corporation_name}</dd>
            <dt>{t.contract_id}</dt>
            <dd>{holder.contract_id}</dd>
            <dt>{t.cert_holder}</dt>
            <dd>
                {match (holder.user_id, holder.user_name) {
                    (Some(id), Some(name)) => format!("{name}（{id}）"),
                    _ => t.cert_admin_holder.to_owned(),
                }}
            </dd>
            <dt>{t.cert_valid_until}</dt>
            <dd>{date_time(holder.not_after, lang())}</dd>
        </dl>
        <p class="note">{t.cert_no_id_note}</p>
    }
}

#[component]
fn AdminForm(holder: CertificateHolder) -> impl IntoView {
    let t = texts();
    let logon = ServerAction::<AdminCertificateLogon>::new();
    let shown: Shown = Signal::derive(move || logon.value().get().and_then(Result::err));
    view! {
        <Layout title=t.admin_logon_title>
            <p class="method">{t.cert_method}</p>
            <TimedOutNotice/>
            <HolderDetails holder=holder/>
            <Alert shown=shown/>
            <ActionForm action=logon attr:class="form" attr:novalidate=true>
                <PinField field=Field::Pin label=t.admin_pin shown=shown admin=true maxlength=64
                    autocomplete="current-password"/>
                <Submit pending=logon.pending()/>
            </ActionForm>
        </Layout>
    }
}

#[component]
fn UserForm(holder: CertificateHolder) -> impl IntoView {
    let t = texts();
    let logon = ServerAction::<UserCertificateLogon>::new();
    let shown: Shown = Signal::derive(move || logon.value().get().and_then(Result::err));
    view! {
        <Layout title=t.user_logon_title>
            <p class="method">{t.cert_method}</p>
            <TimedOutNotice/>
            <HolderDetails holder=holder/>
            <Alert shown=shown/>
            <ActionForm action=logon attr:class="form" attr:novalidate=true>
                <PinField field=Field::UserPin label=t.user_pin_label shown=shown maxlength=64
                    autocomplete="current-password"/>
                <Submit pending=logon.pending()/>
            </ActionForm>
        </Layout>
    }
}

#[component]
fn Alert(shown: Shown) -> impl IntoView {
    let general = form_message(shown);
    view! {
        <div role="alert" class="alert-slot">
            {move || general.get().map(|m| view! { <p class="error" id="logon-error">{m}</p> })}
        </div>
    }
}

#[component]
fn Submit(pending: Memo<bool>) -> impl IntoView {
    let t = texts();
    view! {
        <p class="note">{t.softkb_note}</p>
        <div class="actions">
            <button type="submit" class="primary" disabled=move || pending.get()>
                {move || if pending.get() { t.logging_on } else { t.logon }}
            </button>
        </div>
    }
}

/// No usable certificate: why, and the ways on.
#[component]
fn Refused(error: AppError) -> impl IntoView {
    let t = texts();
    let origins = crate::origins();
    let missing = matches!(error, AppError::CertificateRefused(CertProblem::Missing));
    view! {
        <Layout title=t.cert_method>
            <p class="error" role="alert" id="certificate-refused">{t.error(&error)}</p>
            {missing.then(|| view! { <p>{t.cert_missing_help}</p> })}
            <ul class="links">
                {(!origins.on_certificate).then(|| view! {
                    <li><a href=origins.cert_url("/cert/logon") rel="external">{t.link_cert_logon}</a></li>
                })}
                <li><a href=origins.id_url("/user/acquire") rel="external">{t.link_acquire}</a></li>
                <li><a href=origins.id_url("/admin/acquire") rel="external">{t.link_admin_acquire}</a></li>
                <li><a href=origins.id_url("/") rel="external">{t.link_id_logon}</a></li>
            </ul>
        </Layout>
    }
}

//! Making a new certificate in the page (電子証明書取得 and 更新): the key pair is generated here,
//! only a PKCS#10 request goes to the server, and the certificate that comes back is packed with
//! the key into a password-protected PKCS#12 file that the user saves (「証明書ファイルを保存」).

use super::{form_message, Shown};
use crate::error::{AppError, Field};
use crate::i18n::{lang, texts};
use crate::model::AcquiredCertificate;
use crate::time_fmt::date_time;
use crate::validate;
use leptos::prelude::*;

/// How the certificate is requested once the CSR exists.
#[derive(Debug, Clone)]
pub enum IssueWith {
    /// 電子証明書取得 by a user: 契約法人ID, 利用者ID and both user PINs (already checked once).
    User { contract_id: String, user_id: String, pin: String, confirm_pin: String },
    /// 契約法人電子証明書取得: 契約法人ID and both administrator PINs.
    Admin { contract_id: String, pin: String, confirm_pin: String },
    /// 更新 with the current certificate (certificate-logon session).
    Renewal,
}

impl IssueWith {
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))] // called from the browser's event handler
    pub(crate) async fn request(self, csr: String) -> Result<AcquiredCertificate, AppError> {
        use crate::api::certificates::{acquire_admin_certificate, acquire_certificate, renew_certificate};
        match self {
            IssueWith::User { contract_id, user_id, pin, confirm_pin } => {
                acquire_certificate(contract_id, user_id, pin, confirm_pin, csr).await
            }
            IssueWith::Admin { contract_id, pin, confirm_pin } => {
                acquire_admin_certificate(contract_id, pin, confirm_pin, csr).await
            }
            IssueWith::Renewal => renew_certificate(csr).await,
        }
    }
}

/// The PKCS#12 profile chosen on the form (radio values).
pub const PROFILES: [&str; 2] = ["modern", "compatibility"];

/// Password, file format and the button; then progress; then the saved file's details and the
/// install steps.
#[component]
pub fn NewCertificate(
    how: IssueWith,
    /// The submit button's label ([取得] or [更新]).
    button: &'static str,
    /// Name of the saved file, e.g. `bizdirect-10000000001-test01.p12`.
    file_name: String,
    /// The name inside the file (friendly name) and the request's common name.
    label: String,
) -> impl IntoView {
    let t = texts();
    let error = RwSignal::new(None::<AppError>);
    let shown: Shown = error.into();
    let general = form_message(shown);
    let progress = RwSignal::new(None::<&'static str>);
    let done = RwSignal::new(None::<(Vec<u8>, AcquiredCertificate)>);
    let strength = RwSignal::new(None::<usize>);
    // The in-page cryptography is a module of its own in release builds: fetch it now, while the
    // password is being typed.
    crate::enrolment::preload();
    let on_submit = {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if progress.get_untracked().is_some() {
                return;
            }
            let form = form_values(&ev);
            let (password, again) = (form("file_password"), form("file_password_again"));
            let errors = validate::file_password(&password, &again);
            if !errors.is_empty() {
                error.set(Some(AppError::Invalid(errors)));
                return;
            }
            let compatibility = form("profile") == PROFILES[1];
            error.set(None);
            let (how, label) = (how.clone(), label.clone());
            leptos::task::spawn_local(async move {
                let made = crate::enrolment::make(how, label, password, compatibility, progress).await;
                progress.set(None);
                match made {
                    Ok(result) => done.set(Some(result)),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let save = {
        let file_name = file_name.clone();
        move |_| {
            if let Some((bytes, _)) = done.get_untracked() {
                crate::enrolment::save(&bytes, &file_name);
            }
        }
    };
    view! {
        <div role="alert" class="alert-slot">
            {move || general.get().map(|m| view! { <p class="error" id="acquire-error">{m}</p> })}
        </div>
        <Show when=move || done.with(Option::is_none)>
            <form class="form" novalidate on:submit=on_submit.clone()>
                <PasswordField field=Field::FilePassword label=t.file_password_label shown=shown hint=Some(t.file_password_hint)
                    on_input=move |v: String| {
                        strength.set(crate::enrolment::strength(&v));
                        error.set(None); // a message about the old value would mislead
                    }/>
                <p class="strength" aria-live="polite" id="file-password-strength">
                    {t.strength_label}": "
                    <span>{move || strength.get().map_or("-", |i| t.strengths[i])}</span>
                </p>
                <PasswordField field=Field::FilePasswordAgain label=t.file_password_again_label shown=shown hint=None
                    on_input=move |_| error.set(None)/>
                <fieldset class="radios">
                    <legend>{t.profile_label}</legend>
                    {PROFILES.iter().zip(t.profiles).enumerate().map(|(i, (value, text))| {
                        let id = format!("profile-{value}");
                        view! {
                            <div class="radio">
                                <input type="radio" id=id.clone() name="profile" value=*value checked=i == 0/>
                                <label for=id>{text}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || progress.get().is_some()>{button}</button>
                </div>
                <p class="progress" role="status" aria-live="polite" id="acquire-progress">
                    {move || progress.get().map(|step| view! { <span class="spinner" aria-hidden="true"></span>{step} })}
                </p>
            </form>
        </Show>
        {move || done.get().map(|(_, cert)| view! {
            <p class="done" role="status" id="acquired">{t.acquired}</p>
            <div class="actions">
                <button type="button" class="primary" id="save-file" on:click=save.clone()>{t.save_file}</button>
            </div>
            <CertificateDetails cert=cert/>
            <InstallSteps/>
        })}
    }
}

/// 発行者, シリアル番号, 有効期限 of the certificate just issued.
#[component]
fn CertificateDetails(cert: AcquiredCertificate) -> impl IntoView {
    let t = texts();
    view! {
        <dl class="status" id="certificate-details">
            <dt>{t.issuer_label}</dt>
            <dd>{cert.issuer}</dd>
            <dt>{t.cert_serial}</dt>
            <dd class="serial">{colon_hex(&cert.serial)}</dd>
            <dt>{t.cert_valid_until}</dt>
            <dd>{date_time(cert.not_after, lang())}</dd>
        </dl>
    }
}

/// `0a1b2c` → `0A:1B:2C`, as certificate viewers show serials.
fn colon_hex(hex: &str) -> String {
    hex.as_bytes().chunks(2).map(|c| String::from_utf8_lossy(c).to_uppercase()).collect::<Vec<_>>().join(":")
}

#[component]
fn InstallSteps() -> impl IntoView {
    let t = texts();
    let origins = crate::origins();
    view! {
        <section class="install" aria-labelledby="install-title">
            <h2 id="install-title">{t.install_title}</h2>
            {t.install_steps.iter().map(|(system, steps)| view! {
                <h3>{*system}</h3>
                <ol>{steps.iter().map(|s| view! { <li>{*s}</li> }).collect_view()}</ol>
            }).collect_view()}
            <p>{t.then_logon}</p>
            <p><a href=origins.cert_url("/cert/logon") rel="external">{t.link_cert_logon}</a></p>
        </section>
    }
}

/// A password input (the file password: typed, never sent).
#[component]
fn PasswordField<F>(
    field: Field,
    label: &'static str,
    shown: Shown,
    hint: Option<&'static str>,
    on_input: F,
) -> impl IntoView
where
    F: Fn(String) + 'static,
{
    let name = field.name();
    let message = super::field_message(shown, field);
    let describedby =
        if hint.is_some() { format!("{name}-hint {name}-error") } else { format!("{name}-error") };
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input id=name name=name type="password" autocomplete="new-password" maxlength=128
                aria-describedby=describedby aria-invalid=move || message.get().map(|_| "true")
                on:input=move |ev| on_input(event_target_value(&ev))/>
            {hint.map(|h| view! { <span class="hint" id=format!("{name}-hint")>{h}</span> })}
            <span class="field-error" id=format!("{name}-error")>{message}</span>
        </div>
    }
}

/// The values of the submitted form, by field name.
pub fn form_values(ev: &leptos::ev::SubmitEvent) -> impl Fn(&str) -> String {
    use wasm_bindgen::JsCast;
    let data = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
        .and_then(|f| web_sys::FormData::new_with_form(&f).ok());
    move |name| data.as_ref().and_then(|d| d.get(name).as_string()).unwrap_or_default()
}

//! The certificate part of both status screens (利用者ステータス, 契約法人ステータス): state and
//! expiry, the notice while a certificate awaits acquisition, and 「電子証明書更新のお知らせ」 with
//! [更新] from 30 days before expiry.

use super::{IssueWith, NewCertificate};
use crate::i18n::{lang, texts};
use crate::model::{CertState, CertificateStatus};
use crate::time_fmt::date_time;
use leptos::prelude::*;

/// Rows for the status `<dl>`.
#[component]
pub fn CertificateRows(status: CertificateStatus) -> impl IntoView {
    let t = texts();
    let until_label =
        if status.state == CertState::AwaitingAcquisition { t.acquire_by_label } else { t.cert_valid_until };
    view! {
        <dt>{t.cert_label}</dt>
        <dd id="certificate-state">{t.cert_states[status.state.index()]}</dd>
        {status.until.map(|at| view! {
            <dt>{until_label}</dt>
            <dd id="certificate-until">{date_time(at, lang())}</dd>
        })}
    }
}

/// Notices about one's own certificate; `holder` names the renewed file.
#[component]
pub fn CertificateNotices(
    status: CertificateStatus,
    by_certificate: bool,
    /// `(file name, label)` of a renewed certificate file.
    holder: (String, String),
    /// Where this holder acquires (`/user/acquire` or `/admin/acquire`).
    acquire_path: &'static str,
) -> impl IntoView {
    let t = texts();
    let origins = crate::origins();
    let awaiting = (status.state == CertState::AwaitingAcquisition).then(|| {
        let by = status.until.map(|at| date_time(at, lang())).unwrap_or_default();
        view! {
            <p class="notice" id="notice-awaiting">{t.notice_own_awaiting.replace("{date}", &by)}" "
                <a href=origins.id_url(acquire_path) rel="external">{t.link_acquire}</a>
            </p>
        }
    });
    let renewal = status.renewal_open.then(|| {
        let until = status.until.map(|at| date_time(at, lang())).unwrap_or_default();
        let (file_name, label) = holder;
        view! {
            <section class="renewal" aria-labelledby="renewal-title">
                <h2 id="renewal-title">{t.renewal_title}</h2>
                <p>{t.renewal_text.replace("{date}", &until)}</p>
                {if by_certificate {
                    view! { <NewCertificate how=IssueWith::Renewal button=t.renew file_name=file_name label=label/> }.into_any()
                } else {
                    view! {
                        <p>{t.renewal_needs_cert}" "
                            <a href=origins.cert_url("/cert/logon") rel="external">{t.link_cert_logon}</a>
                        </p>
                    }.into_any()
                }}
            </section>
        }
    });
    view! { {awaiting} {renewal} }
}

/// The file name and friendly name of a holder's certificate file.
pub fn file_names(contract_id: &str, user_id: Option<&str>) -> (String, String) {
    match user_id {
        Some(u) => (format!("bizdirect-{contract_id}-{u}.p12"), format!("bizdirect {contract_id}/{u}")),
        None => (format!("bizdirect-{contract_id}-admin.p12"), format!("bizdirect {contract_id} admin")),
    }
}

//! Screen 11, 利用者ステータス (user home): name, corporation, previous logon, certificate state
//! and expiry, and the renewal notice 「電子証明書更新のお知らせ」 with [更新].

use crate::api::user::user_status;
use crate::components::{
    file_names, AdminScreen, CertificateNotices, CertificateRows, LogonHistoryTable, SecondFactorRow,
};
use crate::i18n::{lang, texts};
use crate::model::UserOverview;
use crate::time_fmt::date_time;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn UserStatusPage() -> impl IntoView {
    let t = texts();
    let data = Resource::new(|| (), |()| user_status());
    let query = use_query_map();
    let render = move |s: UserOverview| {
        let holder = file_names(&s.contract_id, Some(&s.user_id));
        let done = match query.read_untracked().get("done").as_deref() {
            Some("pins") => Some(view! { <p class="done" role="status">{t.done_pins}</p> }),
            Some("otp") => Some(view! { <p class="done" role="status">{t.otp.done}</p> }),
            _ => None,
        };
        view! {
            {done}
            <dl class="status">
                <dt>{t.user_name_label}</dt>
                <dd id="user-name">{s.user_name}</dd>
                <dt>{t.user_id_label}</dt>
                <dd>{s.user_id}</dd>
                <dt>{t.corp_name}</dt>
                <dd id="corporation-name">{s.corporation_name}</dd>
                <dt>{t.last_logon}</dt>
                <dd id="previous-logon">
                    {s.previous_logon_at.map_or_else(|| t.first_logon.to_owned(), |at| date_time(at, lang()))}
                </dd>
                <CertificateRows status=s.certificate.clone()/>
                <SecondFactorRow registered=s.second_factor/>
            </dl>
            <section aria-labelledby="notices-title">
                <h2 id="notices-title">{t.notices}</h2>
                {(!s.certificate.renewal_open && s.certificate.state != crate::model::CertState::AwaitingAcquisition)
                    .then(|| view! { <p>{t.no_notices}</p> })}
                <CertificateNotices status=s.certificate by_certificate=s.by_certificate holder=holder
                    acquire_path="/user/acquire"/>
            </section>
            <LogonHistoryTable history=s.logons/>
            <p><a href="/user/pins" id="pin-change-link">{t.pin_change_title}</a></p>
        }
    };
    view! { <AdminScreen title=t.user_status_title data=data render=render user=true/> }
}

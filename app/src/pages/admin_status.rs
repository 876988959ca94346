//! Screen 5, 契約法人ステータス (administrator home): corporation, previous logon, the
//! administrator's own certificate, notices about users' certificates, and the top menu.

use crate::api::auth::admin_status;
use crate::components::{
    file_names, AdminScreen, CertificateNotices, CertificateRows, LogonHistoryTable, SecondFactorRow,
};
use crate::i18n::{lang, texts};
use crate::model::CorporationStatus;
use crate::time_fmt::date_time;
use leptos::prelude::*;

#[component]
pub fn AdminStatusPage() -> impl IntoView {
    let t = texts();
    let data = Resource::new(|| (), |()| admin_status());
    let query = leptos_router::hooks::use_query_map();
    let render = move |s: CorporationStatus| {
        let done = match query.read_untracked().get("done").as_deref() {
            Some("email") => Some(view! { <p class="done" role="status">{t.done_email}</p> }),
            Some("otp") => Some(view! { <p class="done" role="status">{t.otp.done}</p> }),
            _ => None,
        };
        let holder = file_names(&s.contract_id, None);
        let notice = |text: &str, users: &[String], id: &'static str| {
            (!users.is_empty())
                .then(|| view! { <li id=id>{text.replace("{list}", &users.join(t.list_separator))}</li> })
        };
        let user_notices = [
            notice(t.notice_awaiting, &s.users_awaiting, "notice-users-awaiting"),
            notice(t.notice_expiring, &s.users_expiring, "notice-users-expiring"),
        ];
        let none = user_notices.iter().all(Option::is_none);
        view! {
            {done}
            <dl class="status">
                <dt>{t.corp_name}</dt>
                <dd id="corporation-name">{s.corporation_name}</dd>
                <dt>{t.contract_id}</dt>
                <dd>{s.contract_id}</dd>
                <dt>{t.last_logon}</dt>
                <dd id="previous-logon">
                    {s.previous_logon_at.map_or_else(|| t.first_logon.to_owned(), |at| date_time(at, lang()))}
                </dd>
                <CertificateRows status=s.certificate.clone()/>
                <SecondFactorRow registered=s.second_factor/>
            </dl>
            <section aria-labelledby="notices-title">
                <h2 id="notices-title">{t.notices}</h2>
                <CertificateNotices status=s.certificate by_certificate=s.by_certificate holder=holder
                    acquire_path="/admin/acquire"/>
                {if none { view! { <p>{t.no_notices}</p> }.into_any() } else { view! { <ul>{user_notices}</ul> }.into_any() }}
            </section>
            <LogonHistoryTable history=s.logons/>
        }
    };
    view! { <AdminScreen title=t.corp_status_title data=data render=render/> }
}

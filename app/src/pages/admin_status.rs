//! Screen 5, 契約法人ステータス (administrator home): corporation, previous logon, the
//! administrator's certificate expiry and the top menu.

use crate::api::auth::admin_status;
use crate::components::AdminScreen;
use crate::i18n::{lang, texts};
use crate::model::CorporationStatus;
use crate::time_fmt::date_time;
use leptos::prelude::*;

#[component]
pub fn AdminStatusPage() -> impl IntoView {
    let t = texts();
    let data = Resource::new(|| (), |()| admin_status());
    let render = move |s: CorporationStatus| {
        view! {
            <dl class="status">
                <dt>{t.corp_name}</dt>
                <dd id="corporation-name">{s.corporation_name}</dd>
                <dt>{t.contract_id}</dt>
                <dd>{s.contract_id}</dd>
                <dt>{t.last_logon}</dt>
                <dd id="previous-logon">
                    {s.previous_logon_at.map_or_else(|| t.first_logon.to_owned(), |at| date_time(at, lang()))}
                </dd>
                <dt>{t.admin_cert_expiry}</dt>
                <dd>{s.admin_certificate_expires_at.map_or_else(|| t.not_issued.to_owned(), |at| date_time(at, lang()))}</dd>
            </dl>
        }
    };
    view! { <AdminScreen title=t.corp_status_title data=data render=render/> }
}

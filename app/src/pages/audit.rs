//! Screen 12, 操作履歴照会: the corporation's audit log, newest first, 50 a page.

use crate::api::audit::audit_log;
use crate::components::{AdminScreen, Pager};
use crate::i18n::{lang, texts};
use crate::model::AuditPage;
use crate::time_fmt::date_time;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditPage() -> impl IntoView {
    let t = texts();
    let query = use_query_map();
    let page = move || query.read().get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1);
    let data = Resource::new(page, audit_log);
    let render = move |p: AuditPage| {
        let action_name = move |code: &str| {
            t.audit_actions
                .iter()
                .find(|(c, _)| *c == code)
                .map_or_else(|| code.to_owned(), |(_, n)| (*n).to_owned())
        };
        view! {
            <Pager path="/admin/audit" id="audit-summary" total=p.total page=p.page pages=p.pages>
            <div class="table-scroll">
                <table class="grid audit">
                    <caption class="visually-hidden">{t.audit_title}</caption>
                    <thead>
                        <tr>
                            {t.audit_columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {p.entries.is_empty().then(|| view! { <tr><td colspan="7">{t.audit_empty}</td></tr> })}
                        {p.entries.into_iter().map(|e| view! {
                            <tr>
                                <td class="nowrap">{date_time(e.at, lang())}</td>
                                <td>{e.actor}</td>
                                <td>{action_name(&e.action)}</td>
                                <td>{e.target}</td>
                                <td>{if e.success { t.audit_success } else { t.audit_failure }}</td>
                                <td class="detail">{e.detail}</td>
                                <td>{e.client_addr}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            </Pager>
        }
    };
    view! { <AdminScreen title=t.audit_title data=data render=render/> }
}

//! 通知履歴: the notices to the corporation's people (電子メール通知), newest first, 50 a page.

use crate::api::notices::notice_history;
use crate::components::AdminScreen;
use crate::i18n::{lang, texts};
use crate::model::NoticePage;
use crate::time_fmt::date_time;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn NoticesPage() -> impl IntoView {
    let t = texts();
    let query = use_query_map();
    let page = move || query.read().get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1);
    let data = Resource::new(page, notice_history);
    let render = move |p: NoticePage| {
        let summary = t
            .audit_summary
            .replace("{total}", &p.total.to_string())
            .replace("{page}", &p.page.to_string())
            .replace("{pages}", &p.pages.to_string());
        let state_name = move |state: &str| match state {
            "sent" => t.notice_sent,
            "failed" => t.notice_failed,
            _ => t.notice_pending,
        };
        view! {
            <p class="hint" id="notices-summary">{summary}</p>
            <div class="table-scroll">
                <table class="grid notices">
                    <caption class="visually-hidden">{t.notices_title}</caption>
                    <thead>
                        <tr>
                            {t.notices_columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {p.entries.is_empty().then(|| view! { <tr><td colspan="4">{t.notices_empty}</td></tr> })}
                        {p.entries.into_iter().map(|e| view! {
                            <tr>
                                <td class="nowrap">{date_time(e.at, lang())}</td>
                                <td>{e.recipient}</td>
                                <td>{e.subject}</td>
                                <td>{state_name(&e.state)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <nav class="pager" aria-label=t.audit_pages>
                {(p.page > 1).then(|| view! { <a href=format!("/admin/notices?page={}", p.page - 1) rel="prev">{t.audit_newer}</a> })}
                {(p.page < p.pages).then(|| view! { <a href=format!("/admin/notices?page={}", p.page + 1) rel="next">{t.audit_older}</a> })}
            </nav>
            <p><a href="/admin/status">{t.back_to_status}</a></p>
        }
    };
    view! { <AdminScreen title=t.notices_title data=data render=render/> }
}

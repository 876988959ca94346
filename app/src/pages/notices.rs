//! 通知履歴: the notices to the corporation's people (電子メール通知), newest first, 50 a page.

use crate::api::notices::notice_history;
use crate::components::{AdminScreen, Pager};
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
        let state_name = move |state: &str| match state {
            "sent" => t.notice_sent,
            "failed" => t.notice_failed,
            _ => t.notice_pending,
        };
        view! {
            <Pager path="/admin/notices" id="notices-summary" total=p.total page=p.page pages=p.pages>
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
            </Pager>
        }
    };
    view! { <AdminScreen title=t.notices_title data=data render=render/> }
}

//! Screen 12, 操作履歴照会: the corporation's audit log, newest first, 50 a page, searched by
//! period, user, operation and outcome. The search is a GET form: its query is the page's, kept by
//! the links to other pages, and it works without JavaScript.

use crate::api::audit::audit_log;
use crate::audit_detail::{actor, readable};
use crate::components::{field_message, AdminScreen, Pager, Shown};
use crate::error::{AppError, Field};
use crate::i18n::{lang, texts};
use crate::model::{AuditFilter, AuditPage};
use crate::time_fmt::date_time;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// A labelled input (`kind`: its type) of the search, with its hint and its message.
fn text_input(
    (field, kind): (&'static str, &'static str),
    label: &'static str,
    hint: &'static str,
    value: String,
    message: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let message = message.unwrap_or_else(|| Signal::stored(None));
    view! {
        <div class="field">
            <label for=field>{label}</label>
            <input
                id=field
                name=field
                type=kind
                value=value
                aria-describedby=format!("{field}-hint {field}-error")
                aria-invalid=move || message.get().map(|_| "true")
            />
            <span class="hint" id=format!("{field}-hint")>{hint}</span>
            <span class="field-error" id=format!("{field}-error")>{message}</span>
        </div>
    }
}

/// A labelled choice of the search: すべて, then `options` (value, name).
fn choice(
    field: &'static str,
    label: &'static str,
    options: Vec<(&'static str, &'static str)>,
    value: &str,
) -> impl IntoView {
    let t = texts();
    let value = value.to_owned();
    view! {
        <div class="field">
            <label for=field>{label}</label>
            <select id=field name=field>
                <option value="" selected=value.is_empty()>{t.audit_search.all}</option>
                {options.into_iter().map(|(code, name)| view! {
                    <option value=code selected=value == code>{name}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// The search: 期間, 利用者ID, 操作, 結果.
#[component]
fn SearchForm(filter: AuditFilter, shown: Shown) -> impl IntoView {
    let t = texts();
    let s = &t.audit_search;
    let from = field_message(shown, Field::PeriodFrom);
    let to = field_message(shown, Field::PeriodTo);
    view! {
        <form method="get" action="/admin/audit" class="form search" role="search" aria-labelledby="audit-search-title">
            <h2 id="audit-search-title">{s.title}</h2>
            <div class="search-fields">
                {text_input(("from", "date"), s.from, s.date_hint, filter.from, Some(from))}
                {text_input(("to", "date"), s.to, s.date_hint, filter.to, Some(to))}
                {text_input(("person", "text"), s.person, s.person_hint, filter.person, None)}
                {choice("kind", s.kind, t.audit_actions.to_vec(), &filter.kind)}
                {choice("outcome", s.outcome, vec![("success", t.audit_success), ("failure", t.audit_failure)], &filter.outcome)}
            </div>
            <div class="actions">
                <button type="submit" class="primary">{s.search}</button>
                <a href="/admin/audit" id="audit-search-clear">{s.clear}</a>
            </div>
        </form>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let t = texts();
    let query = use_query_map();
    let page = move || query.read().get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1);
    let filter = move || {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        AuditFilter {
            from: get("from"),
            to: get("to"),
            person: get("person"),
            kind: get("kind"),
            outcome: get("outcome"),
        }
    };
    let data = Resource::new(
        move || (page(), filter()),
        |(page, f)| {
            let some = |v: String| Some(v).filter(|v| !v.is_empty());
            audit_log(page, some(f.from), some(f.to), some(f.person), some(f.kind), some(f.outcome))
        },
    );
    let render = move |p: AuditPage| {
        let action_name = move |code: &str| {
            t.audit_actions
                .iter()
                .find(|(c, _)| *c == code)
                .map_or_else(|| code.to_owned(), |(_, n)| (*n).to_owned())
        };
        let searched = untrack(filter);
        let refused = (!p.problems.is_empty()).then(|| AppError::Invalid(p.problems.clone()));
        let shown: Shown = Signal::stored(refused);
        view! {
            <SearchForm filter=searched.clone() shown=shown/>
            <p><a href=format!("/admin/audit.csv?{}", searched.query()) id="audit-export" download rel="external">{t.audit_export}</a></p>
            <Pager path="/admin/audit" id="audit-summary" total=p.total page=p.page pages=p.pages query=searched.query()>
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
                                <td>{actor(lang(), &e.actor)}</td>
                                <td>{action_name(&e.action)}</td>
                                <td>{e.target}</td>
                                <td>{if e.success { t.audit_success } else { t.audit_failure }}</td>
                                <td class="detail">{readable(lang(), &e.detail)}</td>
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

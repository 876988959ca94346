//! 電子証明書一覧 (menu 「契約法人管理情報変更」): every certificate of the corporation, filtered by
//! state and by "ending within N days", sorted by any column (its header is a link), 50 a page,
//! and saved as CSV. Filters, order and pages are the page's query: it all works without
//! JavaScript.

use crate::api::inventory::certificate_list;
use crate::components::{field_message, AdminScreen, Pager, Shown};
use crate::error::{AppError, Field};
use crate::i18n::{lang, texts};
use crate::model::{Inventory, InventoryFilter, InventoryState};
use crate::time_fmt::date_time;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The sort keys of the columns, in their order (the name column sorts with the holder's).
const SORT_KEYS: [&str; 8] = ["holder", "holder", "serial", "state", "state", "issued", "acquired", "until"];

/// The filter: 状態 and 有効期限までの日数; the order is kept.
#[component]
fn FilterForm(filter: InventoryFilter, shown: Shown) -> impl IntoView {
    let t = texts();
    let within = field_message(shown, Field::Within);
    let name = Field::Within.name();
    view! {
        <form method="get" action="/admin/certificates" class="form search" role="search" aria-labelledby="inventory-filter-title">
            <h2 id="inventory-filter-title">{t.audit_search.title}</h2>
            <div class="search-fields">
                <div class="field">
                    <label for="state">{t.inventory.state_label}</label>
                    <select id="state" name="state">
                        <option value="" selected=filter.state.is_empty()>{t.audit_search.all}</option>
                        {InventoryState::ALL.into_iter().map(|s| view! {
                            <option value=s.code() selected=filter.state == s.code()>{t.inventory.states[s.index()]}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=name>{t.inventory.within_label}</label>
                    <input id=name name=name type="text" inputmode="numeric" value=filter.within.clone()
                        aria-describedby=format!("{name}-hint {name}-error")
                        aria-invalid=move || within.get().map(|_| "true")/>
                    <span class="hint" id=format!("{name}-hint")>{t.inventory.within_hint}</span>
                    <span class="field-error" id=format!("{name}-error")>{within}</span>
                </div>
            </div>
            <input type="hidden" name="sort" value=filter.sort.clone()/>
            <input type="hidden" name="order" value=filter.order.clone()/>
            <div class="actions">
                <button type="submit" class="primary">{t.audit_search.search}</button>
                <a href="/admin/certificates" id="inventory-clear">{t.audit_search.clear}</a>
            </div>
        </form>
    }
}

#[component]
pub fn CertificateListPage() -> impl IntoView {
    let t = texts();
    let query = use_query_map();
    let page = move || query.read().get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1);
    let filter = move || {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        InventoryFilter { state: get("state"), within: get("within"), sort: get("sort"), order: get("order") }
    };
    let data = Resource::new(
        move || (page(), filter()),
        |(page, f)| {
            let some = |v: String| Some(v).filter(|v| !v.is_empty());
            certificate_list(page, some(f.state), some(f.within), some(f.sort), some(f.order))
        },
    );
    let render = move |list: Inventory| {
        let current = untrack(filter);
        let refused = (!list.problems.is_empty()).then(|| AppError::Invalid(list.problems.clone()));
        let shown: Shown = Signal::stored(refused);
        // A column header: a link that sorts by it (the other way round when it is the order now).
        let header = {
            let current = current.clone();
            move |(i, label): (usize, &'static str)| {
                let key = SORT_KEYS[i];
                let now_sorted =
                    current.sort == key || (current.sort.is_empty() && key == "issued" && i == 5);
                let descending_now = if current.order.is_empty() {
                    key == "issued" || key == "acquired"
                } else {
                    current.order == "desc"
                };
                let next = InventoryFilter {
                    sort: key.to_owned(),
                    order: if now_sorted && !descending_now { "desc".into() } else { "asc".into() },
                    ..current.clone()
                };
                let aria = now_sorted.then_some(if descending_now { "descending" } else { "ascending" });
                view! {
                    <th scope="col" aria-sort=aria>
                        <a href=format!("/admin/certificates?{}", next.query())>{label}</a>
                    </th>
                }
            }
        };
        view! {
            <p>{t.inventory.intro}</p>
            <FilterForm filter=current.clone() shown=shown/>
            <p><a href=format!("/admin/certificates.csv?{}", current.query()) id="inventory-export" download rel="external">{t.audit_export}</a></p>
            <Pager path="/admin/certificates" id="inventory-summary" total=list.total page=list.page pages=list.pages query=current.query() summary=t.inventory.summary>
            <div class="table-scroll">
                <table class="grid inventory" id="inventory">
                    <caption class="visually-hidden">{t.inventory.title}</caption>
                    <thead>
                        <tr>{t.inventory.columns.iter().copied().enumerate().map(header).collect_view()}</tr>
                    </thead>
                    <tbody>
                        {list.entries.is_empty().then(|| view! { <tr><td colspan="8">{t.inventory.empty}</td></tr> })}
                        {list.entries.into_iter().map(|e| {
                            let reason = e.reason.as_deref().map(|r| {
                                t.detail.reasons.iter().find(|(code, _)| *code == r).map_or(r.to_owned(), |(_, w)| (*w).to_owned())
                            });
                            view! {
                                <tr>
                                    <td>{if e.holder.is_empty() { t.inventory.administrator.to_owned() } else { e.holder }}</td>
                                    <td>{e.holder_name}</td>
                                    <td class="serial">{e.serial}</td>
                                    <td class=format!("state {}", e.state.code())>{t.inventory.states[e.state.index()]}</td>
                                    <td>{reason}</td>
                                    <td class="nowrap">{date_time(e.issued_at, lang())}</td>
                                    <td class="nowrap">{e.acquired_at.map(|at| date_time(at, lang()))}</td>
                                    <td class="nowrap">{date_time(e.until, lang())}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            </Pager>
        }
    };
    view! { <AdminScreen title=t.inventory.title data=data render=render/> }
}

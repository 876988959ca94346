//! Screen 6, 利用者情報選択 (menu 「利用者情報登録/変更」), laid out as in the seed: the
//! 外部ファイル送信権限設定 section, the [新規登録] section, and the table with [変更] / [登録抹消]
//! acting on the selected row.

use crate::api::users::list_users;
use crate::components::{AdminScreen, Mark};
use crate::i18n::{texts, Texts};
use crate::model::{CertState, UserList};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use wasm_bindgen::JsCast;

/// The outcome message from the query (`done`, `user`, `items`, `error`).
fn outcome(t: &'static Texts, get: impl Fn(&str) -> Option<String>) -> Option<(bool, String)> {
    let user = get("user").unwrap_or_default();
    if get("error").as_deref() == Some("select") {
        return Some((false, t.select_user_first.to_owned()));
    }
    let text = match get("done")?.as_str() {
        "registered" => t.done_registered.replace("{user}", &user),
        "deleted" => t.done_deleted.replace("{user}", &user),
        "unchanged" => t.done_unchanged.replace("{user}", &user),
        "file_settings" => t.done_file_settings.to_owned(),
        "changed" => {
            let items = get("items").unwrap_or_default();
            let sep = t.list_separator;
            let names: Vec<&str> = items
                .split(',')
                .filter_map(|code| t.changed_items.iter().find(|(c, _)| *c == code).map(|(_, n)| *n))
                .collect();
            t.done_changed.replace("{user}", &user).replace("{items}", &names.join(sep))
        }
        _ => return None,
    };
    Some((true, text))
}

fn cert_cell(t: &'static Texts, state: CertState) -> impl IntoView {
    let (mark, index) = match state {
        CertState::None => ("-", 0),
        CertState::AwaitingAcquisition => ("○", 1),
        CertState::InUse => ("○", 2),
        CertState::ExpiringSoon => ("○", 3),
    };
    let words = t.cert_states[index];
    view! {
        <td class="mark" title=words>
            <span aria-hidden="true">{mark}</span>
            <span class=if index == 0 { "visually-hidden" } else { "cert-state" }>{words}</span>
        </td>
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let t = texts();
    let data = Resource::new(|| (), |()| list_users());
    let query = use_query_map();
    let message = move || outcome(t, |k| query.read().get(k));
    let selection_error = RwSignal::new(false);
    // With JavaScript: refuse [変更]/[登録抹消] without a selection in place. Without it, the
    // target page sends the browser back here with ?error=select.
    let check_selection = move |ev: leptos::ev::SubmitEvent| {
        let selected = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
            .and_then(|form| web_sys::FormData::new_with_form(&form).ok())
            .is_some_and(|data| data.get("user").is_string());
        selection_error.set(!selected);
        if !selected {
            ev.prevent_default();
        }
    };
    let render = move |list: UserList| {
        let f = list.file_settings;
        let setting = |on: bool| if on { t.in_use } else { t.not_in_use };
        let count = t
            .user_count
            .replace("{n}", &list.users.len().to_string())
            .replace("{max}", &list.max_users.to_string());
        view! {
            <div role="status" class="outcome">
                {move || message().filter(|(ok, _)| *ok).map(|(_, m)| view! { <p class="notice" id="outcome">{m}</p> })}
            </div>
            <section aria-labelledby="file-settings-h">
                <h2 id="file-settings-h">{t.file_settings_title}</h2>
                <p>{t.file_settings_intro}</p>
                <div class="row">
                    <span>{t.current_setting}": "</span>
                    <span id="file-settings">
                        {format!("{} {} / {} {} / {} {}", t.file_steps[0], setting(f.register), t.file_steps[1], setting(f.approve), t.file_steps[2], setting(f.send))}
                    </span>
                    <a class="button secondary" href="/admin/users/file-settings" aria-label=format!("{} ({})", t.change, t.file_settings_title)>{t.change}</a>
                </div>
            </section>
            <section aria-labelledby="new-user-h">
                <h2 id="new-user-h" class="visually-hidden">{t.register_new}</h2>
                <p>{t.new_user_intro}</p>
                <a class="button primary" href="/admin/users/new">{t.register_new}</a>
            </section>
            <section aria-labelledby="select-h">
                <h2 id="select-h">{t.users_select_title}</h2>
                <p>{t.select_intro}</p>
                <p class="hint">{count}</p>
                <form method="get" action="/admin/users/edit" on:submit=check_selection>
                    <div role="alert">
                        {move || (selection_error.get() || message().is_some_and(|(ok, _)| !ok))
                            .then(|| view! { <p class="error" id="selection-error">{t.select_user_first}</p> })}
                    </div>
                    <div class="table-scroll">
                        <table class="grid users">
                            <caption class="visually-hidden">{t.users_select_title}</caption>
                            <thead>
                                <tr>
                                    <th scope="col" rowspan="2">{t.col_select}</th>
                                    <th scope="col" rowspan="2">{t.col_user_id}</th>
                                    <th scope="col" rowspan="2">{t.col_user_name}</th>
                                    <th scope="col" rowspan="2">{t.col_cert}</th>
                                    <th scope="col" rowspan="2">{t.col_suspended}</th>
                                    <th scope="col" rowspan="2">{t.col_accident}</th>
                                    <th scope="col" rowspan="2">{t.col_collection_blocked}</th>
                                    <th scope="col" rowspan="2">{t.col_collection_cum_blocked}</th>
                                    <th scope="colgroup" colspan="7">{t.col_online}</th>
                                </tr>
                                <tr>
                                    {t.online_perms.iter().map(|p| view! { <th scope="col">{*p}</th> }).collect_view()}
                                </tr>
                            </thead>
                            <tbody>
                                {list.users.is_empty().then(|| view! { <tr><td colspan="15">{t.no_users}</td></tr> })}
                                {list.users.into_iter().map(|u| {
                                    let radio_id = format!("select-{}", u.user_id);
                                    view! {
                                        <tr>
                                            <td class="mark">
                                                <input type="radio" name="user" value=u.user_id.clone() id=radio_id.clone()
                                                    aria-label=format!("{} {} {}", t.col_select, u.user_id, u.name)/>
                                            </td>
                                            <td><label for=radio_id>{u.user_id.clone()}</label></td>
                                            <td>{u.name.clone()}</td>
                                            {cert_cell(t, u.cert)}
                                            <td class="mark"><Mark on=u.suspended/></td>
                                            <td class="mark"><Mark on=u.accident/></td>
                                            <td class="mark"><Mark on=u.collection_blocked/></td>
                                            <td class="mark"><Mark on=u.collection_cum_blocked/></td>
                                            {u.online.iter().map(|&on| view! { <td class="mark"><Mark on=on/></td> }).collect_view()}
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <div class="actions">
                        <button type="submit" class="primary">{t.change}</button>
                        <button type="submit" class="secondary" formaction="/admin/users/delete">{t.delete_user}</button>
                    </div>
                </form>
            </section>
            <p><a href="/admin/status">{t.back_to_status}</a></p>
        }
    };
    view! { <AdminScreen title=t.users_title data=data render=render/> }
}

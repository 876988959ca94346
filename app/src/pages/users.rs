//! Screen 6, 利用者情報選択 (menu 「利用者情報登録/変更」), laid out as in the seed: the
//! 外部ファイル送信権限設定 section, the [新規登録] section, and the table with [変更] / [登録抹消]
//! acting on the selected row.

use crate::api::users::list_users;
use crate::components::AdminScreen;
use crate::i18n::{texts, Texts};
use crate::model::{CertState, Changed, UserList, UserSummary};
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
                .filter_map(Changed::from_code)
                .filter_map(|item| t.changed_items.iter().find(|(c, _)| *c == item).map(|(_, n)| *n))
                .collect();
            t.done_changed.replace("{user}", &user).replace("{items}", &names.join(sep))
        }
        _ => return None,
    };
    Some((true, text))
}

/// The table's rows as one piece of HTML, set as the `<tbody>`'s content: for 99 users that is
/// about 8,000 nodes, which the browser's parser builds far faster than thousands of DOM calls
/// from WASM one node at a time (benchmark P5), and hydration leaves them as the server sent
/// them. Every value is escaped ([`escape`]).
///
/// A flag's ○ or - is a `<span role="img">` named by its words (「あり」/「なし」), so that a screen
/// reader reads the words while the screen shows the seed's mark. That is one element per cell:
/// a second, visually hidden (absolutely positioned) span for the words in each of the 1,188 flag
/// cells would make Chromium's layout of the table take about twice as long.
fn rows_html(t: &'static Texts, users: &[UserSummary]) -> String {
    use std::fmt::Write;
    if users.is_empty() {
        return format!("<tr><td colspan=\"15\">{}</td></tr>", escape(t.no_users));
    }
    let mark = |html: &mut String, on: bool| {
        let (shown, words) = if on { ("○", t.yes_mark_label) } else { ("-", t.no_mark_label) };
        let _ = write!(
            html,
            "<td class=\"mark\"><span role=\"img\" aria-label=\"{}\">{shown}</span></td>",
            escape(words)
        );
    };
    let mut html = String::with_capacity(users.len() * 1500);
    for u in users {
        let (id, name) = (escape(&u.user_id), escape(&u.name));
        let _ = write!(
            html,
            "<tr><td class=\"mark\"><input type=\"radio\" name=\"user\" value=\"{id}\" id=\"select-{id}\" aria-label=\"{} {id} {name}\"></td>\
             <td><label for=\"select-{id}\">{id}</label></td><td>{name}</td>",
            escape(t.col_select)
        );
        let (shown, index) = match u.cert {
            CertState::None => ("-", 0),
            CertState::AwaitingAcquisition => ("○", 1),
            CertState::InUse => ("○", 2),
            CertState::ExpiringSoon => ("○", 3),
        };
        let words = escape(t.cert_states[index]);
        // Not issued: - named 未発行; otherwise ○ with the state in small words under it.
        let _ = if index == 0 {
            write!(html, "<td class=\"mark\" title=\"{words}\"><span role=\"img\" aria-label=\"{words}\">{shown}</span></td>")
        } else {
            write!(html, "<td class=\"mark\" title=\"{words}\"><span aria-hidden=\"true\">{shown}</span><span class=\"cert-state\">{words}</span></td>")
        };
        for on in [u.suspended, u.accident, u.collection_blocked, u.collection_cum_blocked] {
            mark(&mut html, on);
        }
        for &on in &u.online {
            mark(&mut html, on);
        }
        html.push_str("</tr>");
    }
    html
}

/// Text and attribute values for HTML: `& < > " '` as character references.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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
                " "
                <a class="button secondary" href="/admin/users/import" id="bulk-import">{t.import.title}</a>
                " "
                <a class="button secondary" href="/admin/users/reissue" id="bulk-reissue">{t.bulk.title}</a>
            </section>
            <section aria-labelledby="select-h">
                <h2 id="select-h">{t.users_select_title}</h2>
                <p>{t.select_intro}</p>
                <p class="hint">{count}</p>
                <p><a href="/admin/users.csv" id="users-export" download rel="external">{t.users_export}</a></p>
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
                            // One string for all rows: see `rows_html`.
                            <tbody inner_html=rows_html(t, &list.users)></tbody>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_escaped_and_complete() {
        let t = crate::i18n::Lang::Ja.texts();
        let user = UserSummary {
            user_id: "u1".into(),
            name: r#"<b>&"'x"#.into(),
            cert: CertState::InUse,
            suspended: true,
            accident: false,
            collection_blocked: false,
            collection_cum_blocked: false,
            online: [true; 7],
        };
        let html = rows_html(t, &[user.clone(), user]);
        assert_eq!(html.matches("<tr>").count(), 2);
        assert_eq!(html.matches("<td").count(), 30);
        assert!(!html.contains("<b>") && html.contains("&lt;b&gt;&amp;&quot;&#39;x"), "{html}");
        assert!(html.contains(r#"aria-label="選択 u1 &lt;b&gt;&amp;&quot;&#39;x""#), "{html}");
        // Every flag cell: its mark on screen, its words for screen readers.
        assert_eq!(html.matches(r#"<span role="img" aria-label="あり">○</span>"#).count(), 16);
        assert_eq!(html.matches(r#"<span role="img" aria-label="なし">-</span>"#).count(), 6);
        assert_eq!(html.matches(r#"<span class="cert-state">利用中</span>"#).count(), 2);
        assert!(rows_html(t, &[]).contains(t.no_users));
    }
}

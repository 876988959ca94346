//! 一括再発行 (from 利用者情報選択): tick several users and reissue all their certificates with one
//! 契約法人確認暗証番号. The result — who got a new issuance, who was left out and why — is the
//! page's query, so it shows the same with and without JavaScript.

use crate::api::users::{list_users, ReissueUsers};
use crate::components::{
    field_message, form_message, hydrated, AdminCodeField, AdminScreen, CheckField, PinField,
};
use crate::error::{AppError, Field};
use crate::i18n::texts;
use crate::model::{BulkReissued, CertState, UserList};
use crate::pages::user_form::shown_error;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use wasm_bindgen::JsCast;

/// The checkboxes' name: `[]` makes the ticked ones a list for the server function.
const USER_FIELD: &str = "user[]";

/// The result from the page's query.
#[component]
fn Outcome(done: BulkReissued) -> impl IntoView {
    let t = texts();
    let b = &t.bulk;
    let message = if done.issued.is_empty() {
        b.none_issued.to_owned()
    } else {
        b.done.replace("{n}", &done.issued.len().to_string())
    };
    view! {
        <div role="status" class="outcome">
            <p class="notice" id="outcome">{message}</p>
        </div>
        {(!done.issued.is_empty()).then(|| view! {
            <h2>{b.issued_heading}</h2>
            <ul id="reissued">{done.issued.iter().map(|id| view! { <li>{id.clone()}</li> }).collect_view()}</ul>
        })}
        {(!done.skipped.is_empty()).then(|| view! {
            <h2>{b.skipped_heading}</h2>
            <table class="grid" id="skipped">
                <thead><tr><th scope="col">{t.col_user_id}</th><th scope="col">{b.reason_column}</th></tr></thead>
                <tbody>
                    {done.skipped.iter().map(|(id, reason)| view! {
                        <tr><td>{id.clone()}</td><td>{b.skip_reasons[reason.index()]}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}

/// Ticks or clears every user's box (with JavaScript only: the box is not shown without it).
fn tick_all(ev: &leptos::ev::Event) {
    let Some(all) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
    let Some(form) = all.form() else { return };
    let Ok(boxes) = form.query_selector_all(&format!("input[name=\"{USER_FIELD}\"]")) else { return };
    for i in 0..boxes.length() {
        if let Some(input) = boxes.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlInputElement>().ok()) {
            input.set_checked(all.checked());
        }
    }
}

#[component]
pub fn BulkReissuePage() -> impl IntoView {
    let t = texts();
    let query = use_query_map();
    let done = move || {
        query.with(|q| {
            q.get("done").map(|_| {
                BulkReissued::from_query(
                    &q.get("issued").unwrap_or_default(),
                    &q.get("skipped").unwrap_or_default(),
                )
            })
        })
    };
    // Read again after each 一括再発行, so that the states shown are the new ones.
    let data = Resource::new(move || query.with(|q| q.get("issued")), |_| list_users());
    let action = ServerAction::<ReissueUsers>::new();
    let client = RwSignal::new(None::<AppError>);
    let shown = shown_error(client, action);
    let selection = field_message(shown, Field::Selection);
    let scripted = hydrated();
    // Done, the page stays: its boxes and PIN are emptied for the next 一括再発行 (without
    // JavaScript the result is a new page anyway).
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move || {
        if matches!(action.value().get(), Some(Ok(()))) {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    let render = move |list: UserList| {
        view! {
            {move || done().map(|done| view! { <Outcome done=done/> })}
            <p>{t.bulk.intro}</p>
            <ActionForm action=action node_ref=form attr:class="form" attr:novalidate=true>
                <div role="alert">{move || form_message(shown).get().map(|m| view! { <p class="error" id="form-error">{m}</p> })}</div>
                <div class="table-scroll">
                    <table class="grid" id="bulk-users" aria-describedby="selection-error">
                        <caption class="visually-hidden">{t.users_select_title}</caption>
                        <thead>
                            <tr>
                                <th scope="col">
                                    {t.col_select}
                                    {move || scripted.get().then(|| view! {
                                        <input type="checkbox" id="select-all" aria-label=t.bulk.select_all on:change=move |ev| tick_all(&ev)/>
                                    })}
                                </th>
                                <th scope="col">{t.col_user_id}</th>
                                <th scope="col">{t.col_user_name}</th>
                                <th scope="col">{t.col_cert}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.users.iter().map(|u| {
                                let index = match u.cert {
                                    CertState::None => 0,
                                    CertState::AwaitingAcquisition => 1,
                                    CertState::InUse => 2,
                                    CertState::ExpiringSoon => 3,
                                };
                                let state = if u.accident { t.col_accident } else { t.cert_states[index] };
                                let id = format!("reissue-{}", u.user_id);
                                view! {
                                    <tr>
                                        <td class="mark">
                                            <input type="checkbox" name=USER_FIELD value=u.user_id.clone() id=id.clone()
                                                aria-label=format!("{} {} {}", t.col_select, u.user_id, u.name)/>
                                        </td>
                                        <td><label for=id>{u.user_id.clone()}</label></td>
                                        <td>{u.name.clone()}</td>
                                        <td>{state}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <p class="field-error" id="selection-error">{selection}</p>
                <CheckField name="key_compromise" label=t.cert_key_compromise checked=false/>
                <PinField field=Field::AdminConfirmPin label=t.admin_confirm_pin shown=shown admin=true maxlength=64 autocomplete="off"/>
                <AdminCodeField shown=shown/>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>{t.ok}</button>
                    <a class="button secondary" href="/admin/users">{t.cancel}</a>
                </div>
            </ActionForm>
        }
    };
    view! { <AdminScreen title=t.bulk.title data=data render=render/> }
}

//! 利用者一括登録 (from 利用者情報選択): the template, the upload, the report on every line before
//! anything is written, [登録] with the 契約法人確認暗証番号, and the provisional PINs shown once.
//!
//! The steps are the page's query — nothing (upload), `?upload=key` (the report), `?done=key`
//! (the result), `?error=…` (a refused file) — so every step works without JavaScript: the file
//! goes by a plain multipart form to `/admin/users/import/upload`, which comes back here.

use crate::api::import::{checked_upload, import_result, ImportUsers};
use crate::api::users::list_users;
use crate::components::{form_message, AdminCodeField, AdminScreen, PinField};
use crate::error::{AppError, Field};
use crate::i18n::{texts, Texts};
use crate::model::{ImportRefusal, ImportReport, ImportedUser};
use crate::pages::user_form::shown_error;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// The step the query names, with what it shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Step {
    /// Choose a file: how many users there are, and the limit.
    Upload {
        users: usize,
        max: i64,
    },
    Report(ImportReport),
    /// The checked file is gone (registered, replaced or expired).
    Expired,
    Result(Vec<ImportedUser>),
    /// The result was shown already, or expired.
    Gone,
}

async fn step(upload: Option<String>, done: Option<String>) -> Result<Step, AppError> {
    let gone = |e: AppError, instead: Step| if e == AppError::NotFound { Ok(instead) } else { Err(e) };
    match (upload, done) {
        (_, Some(done)) => import_result(done).await.map(Step::Result).or_else(|e| gone(e, Step::Gone)),
        (Some(upload), None) => {
            checked_upload(upload).await.map(Step::Report).or_else(|e| gone(e, Step::Expired))
        }
        (None, None) => {
            list_users().await.map(|list| Step::Upload { users: list.users.len(), max: list.max_users })
        }
    }
}

/// A refused file's words, with the counts the query gives.
fn refusal(t: &'static Texts, get: impl Fn(&str) -> Option<String>) -> Option<String> {
    let why = ImportRefusal::from_code(&get("error")?)?;
    let mut words = t.import.refusals[why.index()].to_owned();
    for key in ["max", "live", "n"] {
        words = words.replace(&format!("{{{key}}}"), &get(key).unwrap_or_default());
    }
    Some(words)
}

/// The template, the rules and the file input.
#[component]
fn UploadForm() -> impl IntoView {
    let t = texts();
    let i = &t.import;
    view! {
        <section aria-labelledby="import-rules-h">
            <h2 id="import-rules-h">{i.rules_heading}</h2>
            <p><a href="/admin/users-template.csv" id="import-template" download rel="external">{i.template}</a></p>
            <dl class="status">
                {i.rules.iter().map(|(what, rule)| view! { <dt>{*what}</dt><dd>{*rule}</dd> }).collect_view()}
            </dl>
        </section>
        <form method="post" action="/admin/users/import/upload" enctype="multipart/form-data" class="form">
            <div class="field">
                <label for="import-file">{i.file_label}</label>
                <input type="file" id="import-file" name="file" accept=".csv,text/csv" aria-describedby="import-file-hint"/>
                <span class="hint" id="import-file-hint">{i.file_hint}</span>
            </div>
            <div class="actions">
                <button type="submit" class="primary" id="import-check">{i.check}</button>
                <a class="button secondary" href="/admin/users">{t.cancel}</a>
            </div>
        </form>
    }
}

/// The report: every problem by line and column, or the users to register and [登録].
#[component]
fn Report(report: ImportReport) -> impl IntoView {
    let t = texts();
    let i = &t.import;
    let action = ServerAction::<ImportUsers>::new();
    let client = RwSignal::new(None::<AppError>);
    let shown = shown_error(client, action);
    let summary =
        i.file_summary.replace("{file}", &report.file_name).replace("{n}", &report.count.to_string());
    if !report.problems.is_empty() {
        return view! {
            <p id="import-summary">{summary}</p>
            <p class="error" role="alert" id="import-problems-h">{i.problems_heading}</p>
            <div class="table-scroll">
                <table class="grid" id="import-problems" aria-labelledby="import-problems-h">
                    <thead><tr>{i.problem_columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {report.problems.into_iter().map(|p| view! {
                            <tr>
                                <td>{p.line}</td>
                                <td>{if p.column.is_empty() { i.whole_line.to_owned() } else { p.column }}</td>
                                <td>{p.message}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <UploadForm/>
        }
        .into_any();
    }
    let yes_no = |on: bool| if on { "○" } else { "-" };
    view! {
        <p id="import-summary">{summary}</p>
        <p>{i.ready.replace("{n}", &report.lines.len().to_string())}</p>
        <div class="table-scroll">
            <table class="grid" id="import-lines">
                <caption class="visually-hidden">{i.title}</caption>
                <thead>
                    <tr>
                        <th scope="col">{i.line_column}</th>
                        <th scope="col">{t.col_user_id}</th>
                        <th scope="col">{t.col_user_name}</th>
                        <th scope="col">{t.email_label}</th>
                        <th scope="col">{t.logon_method_label}</th>
                        <th scope="col">{t.cert_issue}</th>
                    </tr>
                </thead>
                <tbody>
                    {report.lines.into_iter().map(|l| {
                        let method = t.logon_methods[usize::from(l.logon_method == crate::model::LogonMethod::IdPin)];
                        view! {
                            <tr>
                                <td>{l.line}</td>
                                <td>{l.user_id}</td>
                                <td>{l.name}</td>
                                <td>{l.email}</td>
                                <td>{method}</td>
                                <td class="mark">{yes_no(l.issue_certificate)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <div role="alert">{move || form_message(shown).get().map(|m| view! { <p class="error" id="form-error">{m}</p> })}</div>
            <input type="hidden" name="upload" value=report.upload/>
            <PinField field=Field::AdminConfirmPin label=t.admin_confirm_pin shown=shown admin=true maxlength=64 autocomplete="off"/>
            <AdminCodeField shown=shown/>
            <div class="actions">
                <button type="submit" class="primary" id="import-register" disabled=move || action.pending().get()>{i.register}</button>
                <a class="button secondary" href="/admin/users/import">{t.cancel}</a>
            </div>
        </ActionForm>
    }
    .into_any()
}

/// The registered users with their provisional PINs, shown this once.
#[component]
fn Registered(users: Vec<ImportedUser>) -> impl IntoView {
    let t = texts();
    let i = &t.import;
    view! {
        <div role="status" class="outcome">
            <p class="notice" id="outcome">{i.done.replace("{n}", &users.len().to_string())}</p>
        </div>
        <p class="error" id="import-pins-warning">{i.pins_warning}</p>
        <div class="table-scroll">
            <table class="grid" id="import-pins" aria-describedby="import-pins-warning">
                <caption class="visually-hidden">{i.title}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t.col_user_id}</th>
                        <th scope="col">{t.col_user_name}</th>
                        <th scope="col">{i.pin_columns[0]}</th>
                        <th scope="col">{i.pin_columns[1]}</th>
                    </tr>
                </thead>
                <tbody>
                    {users.into_iter().map(|u| view! {
                        <tr><td>{u.user_id}</td><td>{u.name}</td><td><code>{u.pin}</code></td><td><code>{u.confirm_pin}</code></td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p><a href="/admin/users">{t.back_to_list}</a></p>
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let t = texts();
    let query = use_query_map();
    let data = Resource::new(
        move || query.with(|q| (q.get("upload"), q.get("done"))),
        |(upload, done)| step(upload, done),
    );
    let refused = move || refusal(t, |k| query.read().get(k));
    let render = move |step: Step| {
        let body = match step {
            Step::Upload { users, max } => view! {
                <p>{t.import.intro}</p>
                <p class="hint">{t.user_count.replace("{n}", &users.to_string()).replace("{max}", &max.to_string())}</p>
                <UploadForm/>
            }
            .into_any(),
            Step::Report(report) => view! { <Report report=report/> }.into_any(),
            Step::Expired => view! {
                <p class="error" role="alert" id="import-refused">{t.import.refusals[ImportRefusal::Expired.index()]}</p>
                <UploadForm/>
            }
            .into_any(),
            Step::Result(users) => view! { <Registered users=users/> }.into_any(),
            Step::Gone => view! {
                <p class="error" role="alert" id="import-gone">{t.import.result_gone}</p>
                <p><a href="/admin/users">{t.back_to_list}</a></p>
            }
            .into_any(),
        };
        view! {
            <div role="alert">{move || refused().map(|m| view! { <p class="error" id="import-refused">{m}</p> })}</div>
            {body}
        }
    };
    view! { <AdminScreen title=t.import.title data=data render=render/> }
}

//! パスキー登録 (`/passkeys`): the person's passkeys (name, registered, last used, [削除]) and the
//! registration of another. Registering needs JavaScript (the ceremony runs in the page); the list
//! and [削除] work without it, and the page points to the ワンタイムパスワード, which needs none.
//! Reached from a status screen, or right after the PIN when the contract requires a second
//! factor and the person has none.

use crate::api::passkeys::{passkey_options, passkeys, register_passkey, RemovePasskey};
use crate::components::{field_message, form_message, hydrated, Layout};
use crate::error::{AppError, Field};
use crate::i18n::{lang, texts};
use crate::model::{PasskeyEntry, PasskeyList};
use crate::passkey::{Ceremony, Progress};
use crate::time_fmt::date_time;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// One passkey's row, with its [削除] form.
fn row(p: PasskeyEntry, removing: ServerAction<RemovePasskey>) -> impl IntoView {
    let t = texts();
    let label = format!("{} {}", t.passkey.remove, p.name);
    view! {
        <tr>
            <td>{p.name}</td>
            <td>{date_time(p.created_at, lang())}</td>
            <td>{p.last_used_at.map_or_else(|| t.passkey.never_used.to_owned(), |at| date_time(at, lang()))}</td>
            <td>
                <ActionForm action=removing>
                    <input type="hidden" name="id" value=p.id/>
                    <button type="submit" aria-label=label>{t.passkey.remove}</button>
                </ActionForm>
            </td>
        </tr>
    }
}

/// The registration: a name, then the browser's ceremony.
#[component]
fn RegisterForm() -> impl IntoView {
    let t = texts();
    let name_id = Field::PasskeyName.name();
    let ready = hydrated();
    let progress = Progress::new();
    let Progress { busy, cancelled, refused } = progress;
    let shown = Signal::derive(move || refused.get());
    let name_message = field_message(shown, Field::PasskeyName);
    let general = form_message(shown);
    let input = NodeRef::<leptos::html::Input>::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = input.get().map(|i| i.value()).unwrap_or_default().trim().to_owned();
        if let Err(problem) = crate::validate::user_name(&name) {
            refused.set(Some(AppError::field(Field::PasskeyName, problem)));
            return;
        }
        progress
            .start(Ceremony::Create, passkey_options(), move |credential| register_passkey(name, credential));
    };
    view! {
        <div role="alert" class="alert-slot">
            {move || general.get().map(|m| view! { <p class="error" id="passkey-form-error">{m}</p> })}
            {move || cancelled.get().then(|| view! { <p class="error" id="passkey-cancelled">{t.passkey.cancelled}</p> })}
        </div>
        <form class="form" on:submit=submit novalidate>
            <div class="field">
                <label for=name_id>{t.passkey.name_label}</label>
                <input
                    id=name_id
                    name=name_id
                    type="text"
                    maxlength="30"
                    autocomplete="off"
                    node_ref=input
                    aria-describedby=format!("{name_id}-hint {name_id}-error")
                    aria-invalid=move || name_message.get().map(|_| "true")
                />
                <span class="hint" id=format!("{name_id}-hint")>{t.passkey.name_hint}</span>
                <span class="field-error" id=format!("{name_id}-error")>{name_message}</span>
            </div>
            <div class="actions">
                <button type="submit" class="primary" id="passkey-register" disabled=move || !ready.get() || busy.get()>
                    {move || if busy.get() { t.passkey.registering } else { t.passkey.register }}
                </button>
            </div>
        </form>
        {move || (!ready.get()).then(|| view! { <p class="notice" id="passkey-needs-js">{t.passkey.needs_js}</p> })}
    }
}

#[component]
pub fn PasskeysPage() -> impl IntoView {
    let t = texts();
    let removing = ServerAction::<RemovePasskey>::new();
    // Read again after each removal (with JavaScript the page stays, its query changes).
    let data = Resource::new(move || removing.version().get(), |_| passkeys());
    let remove_refused = Signal::derive(move || removing.value().get().and_then(Result::err));
    let remove_message = form_message(remove_refused);
    let query = use_query_map();
    let render = move |list: PasskeyList| {
        let done = match query.read_untracked().get("done").as_deref() {
            Some("registered") => Some(t.passkey.done_registered),
            Some("removed") => Some(t.passkey.done_removed),
            _ => None,
        };
        let rows = list.passkeys.clone();
        view! {
            {done.map(|d| view! { <p class="done" role="status">{d}</p> })}
            {list.required.then(|| view! { <p class="notice" id="passkey-required">{t.passkey.required_note}</p> })}
            <p>{t.passkey.intro}</p>
            <div role="alert" class="alert-slot">
                {move || remove_message.get().map(|m| view! { <p class="error">{m}</p> })}
            </div>
            {(!list.required).then(|| view! {
                <table class="grid passkeys" id="passkey-list">
                    <caption>{t.passkey.caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{t.passkey.col_name}</th>
                            <th scope="col">{t.passkey.col_created}</th>
                            <th scope="col">{t.passkey.col_last_used}</th>
                            <th scope="col"><span class="visually-hidden">{t.passkey.remove}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().map(|p| row(p, removing)).collect_view()}
                    </tbody>
                </table>
                {list.passkeys.is_empty().then(|| view! { <p id="passkey-none">{t.passkey.none}</p> })}
            })}
            {if list.available {
                view! { <RegisterForm/> }.into_any()
            } else {
                view! { <p class="notice" id="passkey-unavailable">{t.passkey.unavailable}</p> }.into_any()
            }}
            <p><a href="/otp/register" id="use-otp-link">{t.passkey.use_otp}</a></p>
        }
    };
    view! {
        <Layout title=t.passkey.title logged_on=true>
            <Suspense fallback=move || view! { <p>{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(list) => render(list).into_any(),
                        Err(AppError::PinChangeRequired) => view! { <Redirect path="/user/pins"/> }.into_any(),
                        Err(e) => view! {
                            <p class="error" role="alert">{t.error(&e)}</p>
                            <p><a href="/">{t.back_to_top}</a></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

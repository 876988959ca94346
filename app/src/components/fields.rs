//! Form fields with their visible label (`<label for>`), hint and error message tied to the
//! input through `aria-describedby`, and `aria-invalid` while refused.

use super::SoftKeyboard;
use crate::error::{AppError, Field};
use crate::i18n::texts;
use leptos::html::Input;
use leptos::prelude::*;

/// The errors a form currently shows: the browser's own check, else the server's answer.
pub type Shown = Signal<Option<AppError>>;

/// The message for one field, if the shown error refused it.
pub fn field_message(shown: Shown, field: Field) -> Signal<Option<String>> {
    let t = texts();
    Signal::derive(move || shown.get().and_then(|e| e.problem_of(field)).map(|p| t.field_problem(field, p)))
}

/// A message for the whole form (errors that belong to no single field).
pub fn form_message(shown: Shown) -> Signal<Option<String>> {
    let t = texts();
    Signal::derive(move || match shown.get() {
        None => None,
        Some(AppError::Invalid(errors)) if errors.len() == 1 => None,
        Some(e) => Some(t.error(&e)),
    })
}

fn describedby(name: &str, hint: bool) -> String {
    if hint {
        format!("{name}-hint {name}-error")
    } else {
        format!("{name}-error")
    }
}

/// A one-line text input.
#[component]
pub fn TextField(
    field: Field,
    label: &'static str,
    shown: Shown,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional, into)] value: String,
    #[prop(default = 60)] maxlength: u32,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(default = "text")] input_type: &'static str,
) -> impl IntoView {
    let name = field.name();
    let message = field_message(shown, field);
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type=input_type
                value=value
                maxlength=maxlength
                autocomplete=autocomplete
                aria-describedby=describedby(name, hint.is_some())
                aria-invalid=move || message.get().map(|_| "true")
            />
            {hint.map(|h| view! { <span class="hint" id=format!("{name}-hint")>{h}</span> })}
            <span class="field-error" id=format!("{name}-error")>{message}</span>
        </div>
    }
}

/// A PIN input with the software keyboard. `admin` allows the administrator's PIN symbols.
#[component]
pub fn PinField(
    field: Field,
    label: &'static str,
    shown: Shown,
    #[prop(optional)] admin: bool,
    #[prop(default = 12)] maxlength: u32,
    #[prop(default = "new-password")] autocomplete: &'static str,
) -> impl IntoView {
    let name = field.name();
    let message = field_message(shown, field);
    let input = NodeRef::<Input>::new();
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type="password"
                node_ref=input
                maxlength=maxlength
                autocomplete=autocomplete
                aria-describedby=describedby(name, false)
                aria-invalid=move || message.get().map(|_| "true")
            />
            <span class="field-error" id=format!("{name}-error")>{message}</span>
            <SoftKeyboard target=input admin=admin label=label id=name/>
        </div>
    }
}

/// A checkbox with its label after it.
#[component]
pub fn CheckField(name: &'static str, #[prop(into)] label: String, checked: bool) -> impl IntoView {
    view! {
        <div class="check">
            <input type="checkbox" id=name name=name checked=checked/>
            <label for=name>{label}</label>
        </div>
    }
}

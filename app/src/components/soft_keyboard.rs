//! ソフトウェアキーボード (SPEC §3.4): an on-screen keyboard for PIN fields.
//!
//! The key order is shuffled every time it opens (a shoulder-surfer or a click logger learns
//! nothing from positions). Keys are real buttons with accessible names, so it works by mouse,
//! touch and keyboard focus; typing on the physical keyboard keeps working. It needs JavaScript,
//! so its opener appears only once the page has hydrated.

use crate::i18n::texts;
use crate::validate::ADMIN_PIN_SYMBOLS;
use leptos::html::Input;
use leptos::prelude::*;

/// Fisher–Yates with the browser's `Math.random` (position secrecy, not key material).
fn shuffled(mut keys: Vec<char>) -> Vec<char> {
    for i in (1..keys.len()).rev() {
        // Math.random() is in [0, 1): the product is in [0, i + 1).
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let j = (js_sys::Math::random() * (i + 1) as f64) as usize;
        keys.swap(i, j.min(i));
    }
    keys
}

fn layout(admin: bool) -> Vec<Vec<char>> {
    let mut rows = vec![shuffled(('0'..='9').collect()), shuffled(('a'..='z').collect())];
    if admin {
        rows.push(shuffled(ADMIN_PIN_SYMBOLS.chars().collect()));
    }
    rows
}

#[component]
pub fn SoftKeyboard(
    /// The input the keys type into.
    target: NodeRef<Input>,
    /// Offer the administrator PIN symbols too.
    admin: bool,
    /// The field's label (names the keyboard for screen readers).
    label: &'static str,
    /// The field's id (the keyboard's id derives from it).
    id: &'static str,
) -> impl IntoView {
    let t = texts();
    let hydrated = super::hydrated();
    let open = RwSignal::new(false);
    let upper = RwSignal::new(false);
    let rows = RwSignal::new(Vec::<Vec<char>>::new());
    let panel = NodeRef::<leptos::html::Div>::new();

    let edit = move |f: &dyn Fn(&mut String)| {
        if let Some(input) = target.get_untracked() {
            let mut value = input.value();
            f(&mut value);
            let max = usize::try_from(input.max_length()).unwrap_or(usize::MAX);
            if value.chars().count() <= max {
                input.set_value(&value);
            }
        }
    };
    let close = move || {
        open.set(false);
        if let Some(input) = target.get_untracked() {
            let _ = input.focus();
        }
    };
    let toggle = move |_| {
        if open.get_untracked() {
            close();
        } else {
            rows.set(layout(admin));
            upper.set(false);
            open.set(true);
        }
    };
    let key_char = move |c: char| if upper.get() { c.to_ascii_uppercase() } else { c };
    let key_name = move |c: char| {
        if c.is_ascii_alphabetic() {
            let case = if upper.get() { t.softkb_upper } else { t.softkb_lower };
            format!("{} {case}", key_char(c))
        } else {
            c.to_string()
        }
    };
    let panel_id = format!("{id}-softkb");
    let panel_id_for_button = panel_id.clone();

    view! {
        <Show when=move || hydrated.get()>
            <button
                type="button"
                class="softkb-toggle link-button"
                aria-expanded=move || open.get().to_string()
                aria-controls=panel_id_for_button.clone()
                on:click=toggle
            >
                {t.softkb_open}
            </button>
        </Show>
        <Show when=move || open.get()>
            <div
                class="softkb"
                role="group"
                id=panel_id.clone()
                node_ref=panel
                aria-label=format!("{} ({label})", t.softkb_title)
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        close();
                    }
                }
            >
                <p class="softkb-note">{t.softkb_note}</p>
                {move || {
                    rows.get()
                        .into_iter()
                        .map(|row| {
                            view! {
                                <div class="softkb-row">
                                    {row
                                        .into_iter()
                                        .map(|c| {
                                            view! {
                                                <button
                                                    type="button"
                                                    class="key"
                                                    aria-label=move || key_name(c)
                                                    on:click=move |_| {
                                                        let ch = key_char(c);
                                                        edit(&|v: &mut String| v.push(ch));
                                                    }
                                                >
                                                    {move || key_char(c).to_string()}
                                                </button>
                                            }
                                        })
                                        .collect_view()}
                                </div>
                            }
                        })
                        .collect_view()
                }}
                <div class="softkb-actions">
                    <button type="button" aria-pressed=move || upper.get().to_string() on:click=move |_| upper.update(|u| *u = !*u)>
                        {t.softkb_shift}
                    </button>
                    <button type="button" on:click=move |_| edit(&|v: &mut String| { v.pop(); })>{t.softkb_backspace}</button>
                    <button type="button" on:click=move |_| edit(&|v: &mut String| v.clear())>{t.softkb_clear}</button>
                    <button type="button" on:click=move |_| close()>{t.softkb_close}</button>
                </div>
            </div>
        </Show>
    }
}

//! 暗証番号変更: at first logon with provisional PINs the user sets both PINs before anything
//! else; later (from 利用者ステータス) the user changes final PINs by giving the current ones too.
//! Works without JavaScript.

use crate::api::user::{user_status, ChangePins};
use crate::components::{form_message, AdminScreen, PinField};
use crate::error::Field;
use crate::i18n::texts;
use crate::model::UserOverview;
use leptos::prelude::*;

#[component]
pub fn PinChangePage() -> impl IntoView {
    let t = texts();
    // The screen needs a user session, provisional or not; the status call answers
    // PinChangeRequired for a provisional one, which is exactly this screen's case.
    let data = Resource::new(
        || (),
        |()| async {
            match user_status().await {
                Err(crate::error::AppError::PinChangeRequired) => Ok(None),
                other => other.map(Some::<UserOverview>),
            }
        },
    );
    let change = ServerAction::<ChangePins>::new();
    let shown = Signal::derive(move || change.value().get().and_then(Result::err));
    let general = form_message(shown);
    let render = move |overview: Option<UserOverview>| {
        // Final PINs (the status answered): the current ones are asked as well.
        let current = overview.is_some().then(|| {
            view! {
                <PinField field=Field::CurrentUserPin label=t.current_user_pin_label shown=shown
                    autocomplete="current-password"/>
                <PinField field=Field::CurrentUserConfirmPin label=t.current_user_confirm_pin_label shown=shown
                    autocomplete="current-password"/>
            }
        });
        let intro = if overview.is_some() { t.pin_change_intro_final } else { t.pin_change_intro };
        view! {
            <p>{intro}</p>
            <div role="alert" class="alert-slot">
                {move || general.get().map(|m| view! { <p class="error" id="pins-error">{m}</p> })}
            </div>
            <ActionForm action=change attr:class="form" attr:novalidate=true>
                {current}
                <p class="hint" id="pin-rule">{t.pin_rule_hint}</p>
                <PinField field=Field::UserPin label=t.user_pin_label shown=shown/>
                <PinField field=Field::UserPinAgain label=t.user_pin_again_label shown=shown/>
                <PinField field=Field::UserConfirmPin label=t.user_confirm_pin_label shown=shown/>
                <PinField field=Field::UserConfirmPinAgain label=t.user_confirm_pin_again_label shown=shown/>
                <p class="note">{t.softkb_note}</p>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || change.pending().get()>{t.change}</button>
                </div>
            </ActionForm>
        }
    };
    view! { <AdminScreen title=t.pin_change_title data=data render=render user=true/> }
}

//! Screen 9, 利用者ログオン (ID・暗証番号方式): 「契約法人ID」「利用者ID」「利用者暗証番号」 [ログオン];
//! links 「電子証明書取得はこちら」 and 「電子証明書を使用したログオンはこちら」.
//! Works without JavaScript: the form posts to the server function, which redirects.

use crate::api::auth::UserLogon;
use crate::components::{form_message, Layout, PinField, TextField, TimedOutNotice};
use crate::error::Field;
use crate::i18n::texts;
use leptos::prelude::*;

#[component]
pub fn UserLogonPage() -> impl IntoView {
    let t = texts();
    let origins = crate::origins();
    let logon = ServerAction::<UserLogon>::new();
    let shown = Signal::derive(move || logon.value().get().and_then(Result::err));
    let general = form_message(shown);
    // Shown inside the app (reached by client-side navigation), the screens after a logon are
    // modules of their own (the role's, the second factor's): fetch them while the PIN is
    // checked. In the logon pages' own bundle there is nothing to preload: the logon leaves by a
    // page load.
    Effect::new(move || {
        if logon.pending().get() {
            crate::screens::UserScreens::preload();
            crate::screens::FactorScreens::preload();
        }
    });
    view! {
        <Layout title=t.user_logon_title>
            <p class="method">{t.id_pin_method}</p>
            <TimedOutNotice/>
            <div role="alert" class="alert-slot">
                {move || general.get().map(|m| view! { <p class="error" id="logon-error">{m}</p> })}
            </div>
            <ActionForm action=logon attr:class="form" attr:novalidate=true>
                <TextField field=Field::ContractId label=t.contract_id shown=shown hint=t.contract_id_hint
                    maxlength=16 autocomplete="organization"/>
                <TextField field=Field::UserId label=t.user_id_label shown=shown hint=t.user_id_hint
                    maxlength=30 autocomplete="username"/>
                <PinField field=Field::UserPin label=t.user_pin_label shown=shown maxlength=64
                    autocomplete="current-password"/>
                <p class="note">{t.softkb_note}</p>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || logon.pending().get()>
                        {move || if logon.pending().get() { t.logging_on } else { t.logon }}
                    </button>
                </div>
            </ActionForm>
            <ul class="links">
                <li><a href="/user/acquire">{t.link_acquire}</a></li>
                <li><a href=origins.cert_url("/cert/logon") rel="external">{t.link_cert_logon}</a></li>
            </ul>
            <p><a href="/">{t.back_to_top}</a></p>
        </Layout>
    }
}

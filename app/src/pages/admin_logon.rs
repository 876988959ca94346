//! Screen 2, 管理者ログオン (ID・暗証番号方式): 「契約法人ID」「契約法人暗証番号」 [ログオン].
//! Works without JavaScript: the form posts to the server function, which redirects.

use crate::api::auth::AdminLogon;
use crate::components::{form_message, PinField, TextField};
use crate::components::{Layout, TimedOutNotice};
use crate::error::Field;
use crate::i18n::texts;
use leptos::prelude::*;

#[component]
pub fn AdminLogonPage() -> impl IntoView {
    let t = texts();
    let origins = crate::origins();
    let logon = ServerAction::<AdminLogon>::new();
    let shown = Signal::derive(move || logon.value().get().and_then(Result::err));
    let general = form_message(shown);
    // Shown inside the app (reached by client-side navigation), the screens after a logon are
    // modules of their own (the role's, the second factor's): fetch them while the PIN is
    // checked. In the logon pages' own bundle there is nothing to preload: the logon leaves by a
    // page load.
    Effect::new(move || {
        if logon.pending().get() {
            crate::screens::AdminScreens::preload();
            crate::screens::FactorScreens::preload();
        }
    });
    view! {
        <Layout title=t.admin_logon_title>
            <p class="method">{t.id_pin_method}</p>
            <TimedOutNotice/>
            <div role="alert" class="alert-slot">
                {move || general.get().map(|m| view! { <p class="error" id="logon-error">{m}</p> })}
            </div>
            <ActionForm action=logon attr:class="form" attr:novalidate=true>
                <TextField field=Field::ContractId label=t.contract_id shown=shown hint=t.contract_id_hint
                    maxlength=16 autocomplete="username"/>
                <PinField field=Field::Pin label=t.admin_pin shown=shown admin=true maxlength=64
                    autocomplete="current-password"/>
                <p class="note">{t.softkb_note}</p>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || logon.pending().get()>
                        {move || if logon.pending().get() { t.logging_on } else { t.logon }}
                    </button>
                </div>
            </ActionForm>
            <ul class="links">
                <li><a href=origins.cert_url("/cert/logon") rel="external">{t.link_cert_logon}</a></li>
                <li><a href="/admin/acquire">{t.link_admin_acquire}</a></li>
            </ul>
            <p><a href="/">{t.back_to_top}</a></p>
        </Layout>
    }
}

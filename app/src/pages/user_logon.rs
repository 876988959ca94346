//! Screen 9, 利用者ログオン — announced on the top page; the logon itself comes with the user-side issue.

use crate::components::Layout;
use crate::i18n::texts;
use leptos::prelude::*;

#[component]
pub fn UserLogonPage() -> impl IntoView {
    let t = texts();
    view! {
        <Layout title=t.user_logon_title>
            <p class="notice">{t.user_logon_coming}</p>
            <p><a href="/">{t.back_to_top}</a></p>
        </Layout>
    }
}

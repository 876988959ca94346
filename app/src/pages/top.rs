//! Screen 1, top page: 「管理者ログオン」「利用者ログオン」 and 「利用環境」.

use crate::components::Layout;
use crate::i18n::texts;
use leptos::prelude::*;

#[component]
pub fn TopPage() -> impl IntoView {
    let t = texts();
    view! {
        <Layout title=t.top_title>
            <p>{t.top_intro}</p>
            <div class="choices">
                <a class="button primary" href="/admin/logon">{t.admin_logon}</a>
                <a class="button primary" href="/user/logon">{t.user_logon}</a>
            </div>
            <p><a href="/environment">{t.environment}</a></p>
        </Layout>
    }
}

//! 利用環境: supported operating systems and browsers.

use crate::components::Layout;
use crate::i18n::texts;
use leptos::prelude::*;

#[component]
pub fn EnvironmentPage() -> impl IntoView {
    let t = texts();
    view! {
        <Layout title=t.env_title>
            <p>{t.env_intro}</p>
            <table class="grid">
                <thead><tr><th scope="col">{t.env_os}</th><th scope="col">{t.env_browser}</th></tr></thead>
                <tbody>
                    {t.env_rows.iter().map(|(os, browser)| view! { <tr><th scope="row">{*os}</th><td>{*browser}</td></tr> }).collect_view()}
                </tbody>
            </table>
            <ul>{t.env_notes.iter().map(|n| view! { <li>{*n}</li> }).collect_view()}</ul>
            <p><a href="/">{t.back_to_top}</a></p>
        </Layout>
    }
}

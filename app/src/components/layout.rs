//! The frame of every screen: header with the product name, the language switch and (on
//! administrator screens) ログオフ; a skip link; the `<main>` landmark; the footer.

use crate::api::auth::Logoff;
use crate::i18n::{lang, texts};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// Frame of a screen. `title` becomes the page title and the `<h1>`.
#[component]
pub fn Layout(
    /// The screen's name (also the `<h1>` and the document title).
    title: &'static str,
    /// Show ログオフ (screens behind the administrator logon).
    #[prop(optional)]
    logged_on: bool,
    children: Children,
) -> impl IntoView {
    let t = texts();
    let other = lang().other();
    let location = use_location();
    // A full page load (rel=external) so that the server renders the other language.
    let switch_href = move || format!("{}?lang={}", location.pathname.get(), other.code());
    let logoff = ServerAction::<Logoff>::new();
    view! {
        <Title text=if title == t.product { title.to_owned() } else { format!("{title} | {}", t.product) }/>
        <a class="skip" href="#main">{t.skip_to_content}</a>
        <header class="site">
            <div class="brand">
                <span class="product">{t.product}</span>
                <span class="bank">{t.bank}</span>
            </div>
            <div class="tools">
                <a class="lang" href=switch_href rel="external" hreflang=other.code() lang=other.code()>
                    {t.switch_to}
                </a>
                {logged_on.then(|| view! {
                    <ActionForm action=logoff attr:class="logoff">
                        <button type="submit" class="secondary">{t.logoff}</button>
                    </ActionForm>
                })}
            </div>
        </header>
        <main id="main" tabindex="-1">
            <h1>{title}</h1>
            {children()}
        </main>
        <footer class="site">
            <small>"bizdirect"</small>
        </footer>
    }
}

/// The top menu of the administrator screens: 「契約法人管理情報変更」 ▼ 「利用者情報登録/変更」.
/// A `<details>` disclosure, so it opens with mouse, keyboard and without JavaScript.
#[component]
pub fn AdminMenu() -> impl IntoView {
    let t = texts();
    view! {
        <nav class="menu" aria-label=t.menu>
            <details>
                <summary>{t.menu_corp_admin}<span aria-hidden="true">" ▼"</span></summary>
                <ul>
                    <li><a href="/admin/users">{t.menu_users}</a></li>
                    <li><a href="/admin/audit">{t.audit_title}</a></li>
                </ul>
            </details>
        </nav>
    }
}

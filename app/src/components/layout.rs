//! The frame of every screen: header with the product name, the language switch and (on
//! administrator screens) ログオフ; a skip link; the `<main>` landmark; the footer.

use crate::api::auth::Logoff;
use crate::i18n::{lang, texts};
use crate::page_url;
use leptos::prelude::*;
use leptos_meta::Title;

/// Frame of a screen. `title` becomes the page title and the `<h1>`.
#[component]
pub fn Layout(
    /// The screen's name (also the `<h1>` and the document title).
    title: &'static str,
    /// Show ログオフ and watch the idle timeout (screens behind a logon).
    #[prop(optional)]
    logged_on: bool,
    /// A user's screen (where the idle timeout leads back to).
    #[prop(optional)]
    user: bool,
    children: Children,
) -> impl IntoView {
    let t = texts();
    let other = lang().other();
    let path = page_url().path;
    // A full page load (rel=external) so that the server renders the other language. The link is
    // a path of this site whatever the request's path: with its leading slashes (and backslashes,
    // which browsers read as slashes) made one, `//evil.example/x` cannot turn it into a link to
    // another host.
    let switch_href = move || {
        let path = path.get();
        format!("/{}?lang={}", path.trim_start_matches(['/', '\\']), other.code())
    };
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
            {logged_on.then(|| view! { <IdleWatch admin=!user/> })}
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
                    <li><a href="/admin/certificates">{t.inventory.title}</a></li>
                    <li><a href="/admin/audit">{t.audit_title}</a></li>
                    <li><a href="/admin/notices">{t.notices_title}</a></li>
                    <li><a href="/admin/email">{t.admin_email_title}</a></li>
                </ul>
            </details>
        </nav>
    }
}

/// Warns a minute before the server's idle timeout (with [延長] to stay), and after it goes to
/// the logon page with a message. The clock restarts at every page and every [延長]. Once the
/// timer runs, `<html data-idle-watch="armed">` says so.
#[component]
fn IdleWatch(admin: bool) -> impl IntoView {
    use crate::api::auth::keep_alive;
    let t = texts();
    let origins = crate::origins();
    let idle_ms = f64::from(u32::try_from(origins.session_idle_secs.max(60)).unwrap_or(600)) * 1000.0;
    let timed_out = format!("{}?timeout=1", origins.logon_path(admin));
    let started = RwSignal::new(0.0_f64);
    let warn = RwSignal::new(false);
    let path = page_url().path;
    Effect::new(move || {
        path.track();
        started.set(js_sys::Date::now());
        warn.set(false);
    });
    Effect::new({
        let timed_out = timed_out.clone();
        move || {
            let timed_out = timed_out.clone();
            let tick = move || {
                let idle = js_sys::Date::now() - started.get_untracked();
                if idle >= idle_ms {
                    let _ = window().location().set_href(&timed_out);
                } else if idle >= idle_ms - 60_000.0 {
                    warn.set(true);
                }
            };
            if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(5)) {
                on_cleanup(move || handle.clear());
                // For the end-to-end tests: the clock may be moved on from here.
                if let Some(html) = document().document_element() {
                    let _ = html.set_attribute("data-idle-watch", "armed");
                }
            }
        }
    });
    let extend = move |_| {
        let timed_out = timed_out.clone();
        leptos::task::spawn_local(async move {
            if keep_alive().await.is_ok() {
                started.set(js_sys::Date::now());
                warn.set(false);
            } else {
                let _ = window().location().set_href(&timed_out);
            }
        });
    };
    view! {
        <Show when=move || warn.get()>
            <div class="notice idle-warning" role="alert" id="idle-warning">
                <p>{t.idle_warning}</p>
                <button type="button" class="primary" on:click=extend.clone()>{t.extend}</button>
            </div>
        </Show>
    }
}

/// 「一定時間操作がなかったため、ログオフしました。」 on a logon page reached after the idle timeout.
#[component]
pub fn TimedOutNotice() -> impl IntoView {
    let t = texts();
    let query = page_url().query;
    let timed_out = move || query.read().split('&').any(|pair| pair == "timeout=1");
    move || timed_out().then(|| view! { <p class="notice" role="status" id="timed-out">{t.timed_out}</p> })
}

//! bizdirect — the administration console of a corporate internet bank, built around client
//! certificates.
//!
//! Crate map:
//! - [`pages`]: one module per screen; [`components`]: the frame and shared pieces;
//!   [`screens`]: the screens behind a logon as three lazily loaded groups (their own WASM modules).
//! - [`api`]: the `#[server]` functions (public endpoints under `/api/`).
//! - [`error`]: [`error::AppError`], the one wire error; [`model`]: wire DTOs (no secrets).
//! - [`i18n`]: Japanese/English texts; [`validate`]: input rules run on both sides;
//!   [`time_fmt`]: timestamps in Japan time.
//! - `ssr` (feature `ssr` only): the server-side domain — database, sessions, PINs, audit, CA.

#![recursion_limit = "256"] // leptos view types of whole screens nest deeply

pub mod api;
pub mod audit_detail;
pub mod components;
pub mod enrolment;
pub mod error;
pub mod i18n;
pub mod model;
pub mod pages;
pub mod passkey;
pub mod screens;
pub mod time_fmt;
pub mod validate;

#[cfg(feature = "ssr")]
pub mod ssr;

use i18n::Lang;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags};
use leptos_router::{
    components::{Route, Router, Routes},
    path, Lazy, SsrMode,
};
use pages::{AdminLogonPage, EnvironmentPage, NotFoundPage, TopPage, UserLogonPage};
use screens::{
    Acquire, AdminAcquire, AdminEmail, AdminStatus, Audit, BulkReissue, CertLogon, Certificates,
    FileSettings, Import, LogonCode, Notices, OtpRegister, Passkeys, PinChange, UserDelete, UserEdit,
    UserNew, UserStatus, Users,
};

/// The language of this page load: on the server from `?lang=` / the `lang` cookie, in the
/// browser from `<html lang>` (which the server wrote), so both render the same words.
fn page_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .map(|parts| {
                let cookie = parts.headers.get(http::header::COOKIE).and_then(|v| v.to_str().ok());
                Lang::from_query_and_cookie(parts.uri.query(), cookie)
            })
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|l| Lang::parse(&l))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Lang::default()
    }
}

/// Where the two listeners are reached, and which one served this page: links between the ID
/// logon and the certificate logon (電子証明書方式) cross origins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    /// e.g. `https://127.0.0.1:3000`; empty: unknown (links stay relative).
    pub id: String,
    /// e.g. `https://127.0.0.1:3001`.
    pub cert: String,
    /// This page came over the certificate-logon listener.
    pub on_certificate: bool,
    /// The server's session idle timeout, seconds (the page warns before it).
    pub session_idle_secs: i64,
}

impl Origins {
    /// An absolute link to `path` on the ID listener's origin.
    pub fn id_url(&self, path: &str) -> String {
        format!("{}{path}", self.id)
    }

    /// An absolute link to `path` on the certificate-logon origin.
    pub fn cert_url(&self, path: &str) -> String {
        format!("{}{path}", self.cert)
    }

    /// Where a visitor without a session goes from a screen behind a logon.
    pub fn logon_path(&self, admin: bool) -> &'static str {
        match (self.on_certificate, admin) {
            (true, _) => "/cert/logon",
            (false, true) => "/admin/logon",
            (false, false) => "/user/logon",
        }
    }
}

/// The origins of this page load: on the server from the settings and the request, in the
/// browser from the `<html data-*>` attributes the server wrote.
fn page_origins() -> Origins {
    #[cfg(feature = "ssr")]
    {
        let on_certificate = use_context::<http::request::Parts>()
            .is_some_and(|p| p.extensions.get::<ssr::access::request::TlsClient>().is_some());
        use_context::<ssr::AppState>()
            .map(|s| Origins {
                id: s.settings.public_url.clone(),
                cert: s.settings.cert_url.clone(),
                on_certificate,
                session_idle_secs: s.settings.session_idle_secs,
            })
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        let html = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element());
        let attr = |name: &str| html.as_ref().and_then(|e| e.get_attribute(name)).unwrap_or_default();
        Origins {
            id: attr("data-id-origin"),
            cert: attr("data-cert-origin"),
            on_certificate: attr("data-listener") == "certificate",
            session_idle_secs: attr("data-session-idle").parse().unwrap_or(600),
        }
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Origins::default()
    }
}

/// The origins of the current page, provided by [`App`].
pub fn origins() -> Origins {
    use_context::<Origins>().unwrap_or_default()
}

/// The page's Content-Security-Policy: scripts only from this origin or with this response's
/// nonce (the inline hydration script), WASM allowed to compile, nothing inline otherwise, no
/// framing, forms posting only to our two origins.
#[cfg(feature = "ssr")]
fn content_security_policy(origins: &Origins) {
    let (Some(nonce), Some(res)) =
        (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self' {} {}",
        origins.id, origins.cert
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        res.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The HTML document around the app (server side only). The two logon pages get their own
/// bundle ([`LogonApp`]) when the build made one (`logon` in `hash.txt`); every other page, and
/// those two without it, the app's.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = page_lang();
    let origins = page_origins();
    #[cfg(feature = "ssr")]
    let logon = logon_page(&page_load().0).zip(ssr::site::logon_bundle(&options));
    #[cfg(not(feature = "ssr"))]
    let logon: Option<(bool, &str)> = None;
    let listener = if origins.on_certificate { "certificate" } else { "id" };
    #[cfg(feature = "ssr")]
    content_security_policy(&origins);
    let idle = origins.session_idle_secs.to_string();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code() data-id-origin=origins.id data-cert-origin=origins.cert data-listener=listener data-session-idle=idle>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                // /pkg/bizdirect[.<hash>].css: the name cargo-leptos gave it (hash.txt)
                <HashedStylesheet options=options.clone() id="leptos"/>
                {match logon {
                    Some((_, hash)) => view! { <LogonScripts options hash/> }.into_any(),
                    None => view! { <HydrationScripts options/> }.into_any(),
                }}
                <MetaTags/>
            </head>
            <body>
                {match logon {
                    Some((admin, _)) => view! { <LogonApp admin/> }.into_any(),
                    None => view! { <App/> }.into_any(),
                }}
            </body>
        </html>
    }
}

/// What `HydrationScripts` writes for the app, for the logon pages' bundle
/// (`/pkg/logon.<hash>.{js,wasm}`, made by scripts/build-logon.sh).
#[component]
fn LogonScripts(options: LeptosOptions, hash: &'static str) -> impl IntoView {
    let pkg = format!("/{}/logon.{hash}", options.site_pkg_dir);
    let script = format!(
        "import init, {{ hydrate }} from '{pkg}.js'; init({{ module_or_path: '{pkg}.wasm' }}).then(() => hydrate());"
    );
    view! {
        <link rel="modulepreload" href=format!("{pkg}.js")/>
        <link rel="preload" href=format!("{pkg}.wasm") r#as="fetch" r#type="application/wasm" crossorigin=""/>
        <script type="module" nonce=leptos::nonce::use_nonce()>{script}</script>
    }
}

/// Marks the document once the WASM has taken over the whole page, the lazily loaded screen
/// included (`frontend` calls it when hydration has finished). End-to-end tests wait for it, so a
/// page that never hydrates fails loudly instead of silently falling back to plain forms; the
/// User Timing mark is the moment the page became interactive, for bench/browser.mjs.
#[cfg(feature = "hydrate")]
pub fn mark_hydrated() {
    if let Some(html) = document().document_element() {
        let _ = html.set_attribute("data-hydrated", "true");
    }
    if let Some(p) = window().performance() {
        let _ = p.mark("bizdirect:hydrated");
    }
}

/// The logon page at `path`, if it is one: `Some(true)` 管理者ログオン, `Some(false)` 利用者ログオン.
/// These two pages load a WASM of their own ([`LogonApp`], crate `logon`): their visitors have
/// not logged on yet, and the router and the other screens are most of the app's main module
/// (P4 in docs/PERFORMANCE.md).
pub fn logon_page(path: &str) -> Option<bool> {
    match path {
        "/admin/logon" => Some(true),
        "/user/logon" => Some(false),
        _ => None,
    }
}

/// The address of the page: its path, and its query without the `?`. In [`App`] the router's
/// (they follow client-side navigation, [`RouterUrl`]); on a page without a router
/// ([`LogonApp`]) this page load's. The frame reads it, so that it needs no router itself.
#[derive(Debug, Clone, Copy)]
pub struct PageUrl {
    pub path: Signal<String>,
    pub query: Signal<String>,
}

/// The [`PageUrl`] provided by [`App`] or [`LogonApp`].
pub fn page_url() -> PageUrl {
    use_context::<PageUrl>()
        .unwrap_or(PageUrl { path: Signal::stored(String::new()), query: Signal::stored(String::new()) })
}

/// This page load's path and query (without the `?`): from the request on the server, from
/// `window.location` in the browser.
fn page_load() -> (String, String) {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .map(|p| (p.uri.path().to_owned(), p.uri.query().unwrap_or_default().to_owned()))
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        let location = window().location();
        let search = location.search().unwrap_or_default();
        (location.pathname().unwrap_or_default(), search.strip_prefix('?').unwrap_or(&search).to_owned())
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        (String::new(), String::new())
    }
}

/// Provides [`PageUrl`] from the router's location, inside [`App`]'s `<Router>`.
#[component]
fn RouterUrl(children: Children) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    provide_context(PageUrl { path: location.pathname.into(), query: location.search.into() });
    children()
}

/// One logon page (`admin`: 管理者ログオン, else 利用者ログオン) without the router: what the
/// `logon` crate hydrates, and what the server renders for those two paths when that bundle was
/// built ([`shell`]). Links leave it by page loads, and so does the logon's redirect (leptos'
/// forms follow a redirect with a page load when no router has taken it over).
#[component]
pub fn LogonApp(admin: bool) -> impl IntoView {
    provide_meta_context();
    provide_context(page_lang());
    provide_context(page_origins());
    let (path, query) = page_load();
    // What the router does in the app: a form posted without JavaScript comes back with the
    // server function's error in the query, for its `ServerAction` to show.
    let param = |name: &str| {
        form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == name).map(|(_, value)| value)
    };
    if let (Some(err), Some(action)) = (param("__err"), param("__path")) {
        provide_context(leptos::server::ServerActionError::new(&action, &err));
    }
    provide_context(PageUrl { path: Signal::stored(path), query: Signal::stored(query) });
    if admin {
        view! { <AdminLogonPage/> }.into_any()
    } else {
        view! { <UserLogonPage/> }.into_any()
    }
}

/// The application: routes of every screen.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(page_lang());
    provide_context(page_origins());
    view! {
        <Router>
            <RouterUrl>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=TopPage/>
                    <Route path=path!("/environment") view=EnvironmentPage/>
                    <Route path=path!("/admin/logon") view=AdminLogonPage/>
                    // Async: the session check completes before the response starts, so that a
                    // missing session becomes a real 302 to the logon page.
                    <Route path=path!("/admin/status") view={Lazy::<AdminStatus>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view={Lazy::<Users>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/new") view={Lazy::<UserNew>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/edit") view={Lazy::<UserEdit>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/delete") view={Lazy::<UserDelete>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/reissue") view={Lazy::<BulkReissue>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/import") view={Lazy::<Import>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/file-settings") view={Lazy::<FileSettings>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view={Lazy::<Audit>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/certificates") view={Lazy::<Certificates>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/notices") view={Lazy::<Notices>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/email") view={Lazy::<AdminEmail>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/acquire") view={Lazy::<AdminAcquire>::new()}/>
                    <Route path=path!("/user/logon") view=UserLogonPage/>
                    <Route path=path!("/user/acquire") view={Lazy::<Acquire>::new()}/>
                    <Route path=path!("/user/status") view={Lazy::<UserStatus>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/user/pins") view={Lazy::<PinChange>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/cert/logon") view={Lazy::<CertLogon>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/logon/code") view={Lazy::<LogonCode>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/passkeys") view={Lazy::<Passkeys>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/otp/register") view={Lazy::<OtpRegister>::new()} ssr=SsrMode::Async/>
                </Routes>
            </RouterUrl>
        </Router>
    }
}

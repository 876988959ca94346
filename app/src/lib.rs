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

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = page_lang();
    let origins = page_origins();
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
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
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

/// The application: routes of every screen.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(page_lang());
    provide_context(page_origins());
    view! {
        <Router>
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
        </Router>
    }
}

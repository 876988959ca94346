//! The server side of one server-function call: state, request parts, cookies, client address,
//! and the HTTP status that goes with an [`AppError`].

use crate::error::AppError;
use crate::ssr::secret::SessionToken;
use crate::ssr::{internal, AppState};
use axum::extract::ConnectInfo;
use http::{header, request::Parts, HeaderValue, StatusCode};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use std::net::SocketAddr;

/// Name of the session cookie. `__Host-`: Secure, Path=/, no Domain — bound to this host.
pub const SESSION_COOKIE: &str = "__Host-bizdirect-session";
/// The session cookie of the certificate-logon listener. Cookies do not separate ports, so the
/// two listeners use two names; a certificate session is also bound to its certificate.
pub const CERT_SESSION_COOKIE: &str = "__Host-bizdirect-cert-session";

/// Put into every request's extensions by the certificate-logon listener: the client
/// certificate the browser presented in the TLS handshake (DER, leaf), if any. Its absence
/// means the request came over the ID listener.
#[derive(Debug, Clone)]
pub struct TlsClient {
    pub certificate: Option<std::sync::Arc<Vec<u8>>>,
}

/// Reads a cookie from a `Cookie` header.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Everything a server function needs about its request.
/// What a request learns about itself for its log line: the server's request middleware puts one
/// into the request's extensions and logs it with the answer; an authenticated caller's
/// corporation is noted here.
#[derive(Clone, Default, Debug)]
pub struct RequestNote(std::sync::Arc<std::sync::atomic::AtomicI64>);

impl RequestNote {
    /// The calling corporation's id, once a session named it.
    pub fn corporation(&self) -> Option<i64> {
        let id = self.0.load(std::sync::atomic::Ordering::Relaxed);
        (id != 0).then_some(id)
    }
}

pub struct Call {
    pub state: AppState,
    pub parts: Parts,
    pub client_addr: String,
}

impl Call {
    pub fn current() -> Result<Self, AppError> {
        let state = use_context::<AppState>().ok_or_else(|| internal("context", "no AppState"))?;
        let parts = use_context::<Parts>().ok_or_else(|| internal("context", "no request Parts"))?;
        let client_addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip().to_string())
            .unwrap_or_default();
        Ok(Self { state, parts, client_addr })
    }

    /// The language of the request (`?lang=`, else the `lang` cookie): what a logon remembers as
    /// the person's language for the notices.
    pub fn lang(&self) -> crate::i18n::Lang {
        let cookie = self.parts.headers.get(http::header::COOKIE).and_then(|v| v.to_str().ok());
        crate::i18n::Lang::from_query_and_cookie(self.parts.uri.query(), cookie)
    }

    /// The current call by a logged-on administrator, or the (status-carrying) refusal.
    pub async fn admin() -> Result<(Self, super::auth::AdminSession), AppError> {
        let call = Self::current()?;
        match super::auth::require_admin(&call, crate::ssr::now()).await {
            Ok(admin) => Ok((call, admin)),
            Err(e) => Err(call.fail(e)),
        }
    }

    /// The current call by a logged-on user whose PINs are final, or the refusal.
    pub async fn user() -> Result<(Self, super::auth::UserSession), AppError> {
        let call = Self::current()?;
        match super::auth::require_user(&call, crate::ssr::now(), false).await {
            Ok(user) => Ok((call, user)),
            Err(e) => Err(call.fail(e)),
        }
    }

    /// Whether the request came over the certificate-logon listener.
    pub fn on_certificate_listener(&self) -> bool {
        self.parts.extensions.get::<TlsClient>().is_some()
    }

    /// The client certificate presented in the TLS handshake (certificate listener only).
    pub fn presented_certificate(&self) -> Option<&[u8]> {
        self.parts.extensions.get::<TlsClient>().and_then(|c| c.certificate.as_deref()).map(Vec::as_slice)
    }

    fn cookie_name(&self) -> &'static str {
        if self.on_certificate_listener() {
            CERT_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }

    /// Notes the authenticated caller's corporation for the request's log line.
    pub fn note_corporation(&self, corporation_id: i64) {
        if let Some(note) = self.parts.extensions.get::<RequestNote>() {
            note.0.store(corporation_id, std::sync::atomic::Ordering::Relaxed);
        }
    }

    pub fn session_token(&self) -> Option<SessionToken> {
        cookie(&self.parts, self.cookie_name())
            .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|v| SessionToken::new(v.to_owned()))
    }

    /// A plain HTML form post (JavaScript off): leptos answers it with a redirect that carries
    /// the error in the URL, so the status code must stay a redirect.
    fn is_plain_form_post(&self) -> bool {
        self.parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    }

    /// Sets the HTTP status of `err` on the response (except for plain form posts) and returns it.
    pub fn fail(&self, err: AppError) -> AppError {
        crate::ssr::telemetry::server_fn_error(&err);
        if !self.is_plain_form_post() {
            if let (Some(res), Ok(status)) =
                (use_context::<ResponseOptions>(), StatusCode::from_u16(err.status()))
            {
                res.set_status(status);
            }
        }
        err
    }

    pub fn set_session_cookie(&self, token: &SessionToken) {
        set_cookie(&format!(
            "{}={}; Path=/; Secure; HttpOnly; SameSite=Strict",
            self.cookie_name(),
            token.expose()
        ));
    }

    pub fn clear_session_cookie(&self) {
        set_cookie(&format!("{}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0", self.cookie_name()));
    }
}

fn set_cookie(value: &str) {
    if let (Some(res), Ok(v)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(value)) {
        res.append_header(header::SET_COOKIE, v);
    }
}

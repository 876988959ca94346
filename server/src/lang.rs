//! Remembers the language chosen with `?lang=` in a cookie, so it sticks across pages.

use app::i18n::Lang;
use axum::{extract::Request, middleware::Next, response::Response};
use http::{header, HeaderValue};

/// axum middleware: when a page is requested with `?lang=ja|en`, set the `lang` cookie.
pub async fn remember_lang(req: Request, next: Next) -> Response {
    let chosen = req.uri().query().and_then(|q| {
        q.split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::parse(v))
    });
    let mut res = next.run(req).await;
    if let Some(lang) = chosen {
        let cookie = format!("lang={}; Path=/; Max-Age=31536000; Secure; SameSite=Lax", lang.code());
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

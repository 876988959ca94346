//! The browser side of パスキー: `navigator.credentials.create` / `get` with the options the
//! server made, read with `PublicKeyCredential.parseCreationOptionsFromJSON` /
//! `parseRequestOptionsFromJSON` and answered with the credential's `toJSON()` (WebAuthn Level 3;
//! Chromium 129, Firefox 119, Safari 18.4). Nothing of the key leaves the authenticator.
//!
//! These run in event handlers, which exist only in the browser; the server build (no `hydrate`)
//! has inert versions so that the screens still render there.

use crate::error::AppError;
use leptos::prelude::*;
use std::future::Future;

/// Which ceremony: a new credential, or an assertion of a registered one.
#[derive(Clone, Copy)]
pub enum Ceremony {
    Create,
    Get,
}

/// Runs the ceremony on `options` (the server's JSON); returns the credential as JSON, or `None`
/// when the browser cannot, or the person cancelled or let it time out.
#[cfg(feature = "hydrate")]
pub async fn run(ceremony: Ceremony, options: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    let get = |target: &wasm_bindgen::JsValue, name: &str| js_sys::Reflect::get(target, &name.into()).ok();
    let window: wasm_bindgen::JsValue = web_sys::window()?.into();
    let class = get(&window, "PublicKeyCredential")?;
    let (parse, method) = match ceremony {
        Ceremony::Create => ("parseCreationOptionsFromJSON", "create"),
        Ceremony::Get => ("parseRequestOptionsFromJSON", "get"),
    };
    let parse: js_sys::Function = get(&class, parse)?.dyn_into().ok()?;
    let public_key = parse.call1(&class, &js_sys::JSON::parse(options).ok()?).ok()?;
    let request = js_sys::Object::new();
    js_sys::Reflect::set(&request, &"publicKey".into(), &public_key).ok()?;
    let credentials = get(&get(&window, "navigator")?, "credentials")?;
    let method: js_sys::Function = get(&credentials, method)?.dyn_into().ok()?;
    let promise: js_sys::Promise = method.call1(&credentials, &request).ok()?.dyn_into().ok()?;
    let credential = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    js_sys::JSON::stringify(&credential).ok()?.as_string()
}

#[cfg(not(feature = "hydrate"))]
#[allow(clippy::unused_async)] // the browser's version awaits; the server never calls this one
pub async fn run(_ceremony: Ceremony, _options: &str) -> Option<String> {
    None
}

/// Sends the browser to `path` (a full load: the session cookie may have changed).
fn go(path: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(path);
    }
}

/// Where a page's ceremony stands: running, cancelled (or impossible in this browser), or
/// refused by the server.
#[derive(Clone, Copy)]
pub struct Progress {
    pub busy: RwSignal<bool>,
    pub cancelled: RwSignal<bool>,
    pub refused: RwSignal<Option<AppError>>,
}

impl Progress {
    pub fn new() -> Self {
        Self { busy: RwSignal::new(false), cancelled: RwSignal::new(false), refused: RwSignal::new(None) }
    }

    /// Runs a whole ceremony in the background: the server's `options`, the browser's answer,
    /// and `finish`, the server's verdict on it — the page the browser then goes to.
    pub fn start<O, F, D>(self, ceremony: Ceremony, options: O, finish: F)
    where
        O: Future<Output = Result<String, AppError>> + 'static,
        F: FnOnce(String) -> D + 'static,
        D: Future<Output = Result<String, AppError>> + 'static,
    {
        self.busy.set(true);
        self.cancelled.set(false);
        self.refused.set(None);
        leptos::task::spawn_local(async move {
            let outcome = match options.await {
                Ok(options) => match run(ceremony, &options).await {
                    Some(answer) => finish(answer).await.map(Some),
                    None => Ok(None),
                },
                Err(e) => Err(e),
            };
            match outcome {
                Ok(Some(next)) => go(&next),
                Ok(None) => self.cancelled.set(true),
                Err(e) => self.refused.set(Some(e)),
            }
            self.busy.set(false);
        });
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

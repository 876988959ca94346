//! The browser side of 電子証明書取得 and 更新: key pair, CSR and PKCS#12 file, made in the page
//! with the `enrol` crate (pure Rust, the browser's random source). Only the CSR leaves the page.
//!
//! These functions run in event handlers, which exist only in the browser; the server build
//! (no `hydrate`) has inert versions so that the screens still render there.

use crate::components::IssueWith;
use crate::error::AppError;
use crate::model::AcquiredCertificate;

/// Generates the key, sends the CSR through `how`, and packs the returned certificate and chain
/// with the key into a PKCS#12 protected by `password`. `progress` announces each stage.
///
/// In a release build made with `cargo leptos build --release --split` (`scripts/run.sh`), this
/// function and everything only it reaches (P-256, ECDSA, x509-cert, PKCS#12, AES, 3DES,
/// PBKDF2: the `enrol` crate) live in a WASM module of their own that the page fetches when the
/// certificate form appears (see [`preload`]); the logon pages never download it. `cfg(wasm_split)`
/// is set by `app/build.rs` only for such builds; without it (debug builds, `cargo leptos build`)
/// this is an ordinary function in the one bundle.
///
/// The steps are timed with the User Timing API (`performance.measure`): `enrol:key+csr` and
/// `enrol:pkcs12` (read by `bench/browser.mjs`; cheap enough to stay in production).
#[cfg(feature = "hydrate")]
#[cfg_attr(wasm_split, leptos::lazy)]
pub async fn make(
    how: IssueWith,
    label: String,
    password: String,
    compatibility: bool,
    progress: leptos::prelude::RwSignal<Option<&'static str>>,
) -> Result<(Vec<u8>, AcquiredCertificate), AppError> {
    use leptos::prelude::Set;
    let t = crate::i18n::texts();
    let failed = |e: enrol::EnrolError| {
        leptos::logging::error!("certificate file: {e}");
        AppError::InPage
    };
    progress.set(Some(t.progress_key));
    next_frame().await;
    let started = mark("enrol:key+csr");
    let key = enrol::generate_key().map_err(failed)?;
    let csr = key.csr_pem(&label).map_err(failed)?;
    measure("enrol:key+csr", &started);
    progress.set(Some(t.progress_issue));
    let cert = how.request(csr).await?;
    progress.set(Some(t.progress_file));
    next_frame().await;
    let started = mark("enrol:pkcs12");
    let leaf = enrol::pem_to_der_certs(&cert.certificate_pem).map_err(failed)?;
    let chain = enrol::pem_to_der_certs(&cert.chain_pem).map_err(failed)?;
    let leaf = leaf.first().ok_or(AppError::Internal)?;
    let profile = if compatibility { enrol::P12Profile::Compatibility } else { enrol::P12Profile::Modern };
    let file = key.pkcs12(leaf, &chain, &password, &label, profile).map_err(failed)?;
    measure("enrol:pkcs12", &started);
    Ok::<_, AppError>((file, cert))
}

#[cfg(not(feature = "hydrate"))]
#[allow(clippy::unused_async)] // the browser's version awaits; the server never calls this one
pub async fn make(
    _how: IssueWith,
    _label: String,
    _password: String,
    _compatibility: bool,
    _progress: leptos::prelude::RwSignal<Option<&'static str>>,
) -> Result<(Vec<u8>, AcquiredCertificate), AppError> {
    Err(AppError::Internal)
}

/// Starts fetching the module of [`make`] (split builds only; otherwise it is already there), so
/// that pressing [取得] does not wait for it.
pub fn preload() {
    #[cfg(all(feature = "hydrate", wasm_split))]
    leptos::task::spawn_local(__preload_make());
}

/// `performance.mark(name + ":start")`; returns the mark's name.
#[cfg(feature = "hydrate")]
fn mark(name: &str) -> String {
    let start = format!("{name}:start");
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(&start);
    }
    start
}

/// `performance.measure(name, start)`: from the mark to now.
#[cfg(feature = "hydrate")]
fn measure(name: &str, start: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.measure_with_start_mark(name, start);
    }
}

/// Lets the browser paint (the progress message) before a stretch of computation.
#[cfg(feature = "hydrate")]
async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// The strength hint of a file password: an index into `Texts::strengths`.
#[cfg(feature = "hydrate")]
pub fn strength(password: &str) -> Option<usize> {
    if password.is_empty() {
        return None;
    }
    Some(match enrol::password_strength(password) {
        enrol::PasswordStrength::TooShort => 0,
        enrol::PasswordStrength::Weak => 1,
        enrol::PasswordStrength::Fair => 2,
        enrol::PasswordStrength::Strong => 3,
    })
}

#[cfg(not(feature = "hydrate"))]
pub fn strength(_password: &str) -> Option<usize> {
    None
}

/// Offers `bytes` as a download named `file_name` (「証明書ファイルを保存」).
#[cfg(feature = "hydrate")]
pub fn save(bytes: &[u8], file_name: &str) {
    use wasm_bindgen::JsCast;
    let array = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/x-pkcs12");
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&array, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let anchor = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    if let Some(a) = anchor {
        a.set_href(&url);
        a.set_download(file_name);
        a.click();
    }
}

#[cfg(not(feature = "hydrate"))]
pub fn save(_bytes: &[u8], _file_name: &str) {}

//! The HTTP router: leptos pages and server functions, static files, and the layers around
//! them. No business rule lives here.

use app::ssr::certificates::{ca_cert_response, crl_response, CA_CERT_PATH, CRL_PATH};
use app::ssr::AppState;
use app::{shell, App};
use axum::{middleware, routing::get, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

/// Builds the router for `state`, serving the site from `options.site_root`.
/// Largest request body accepted (forms and CSRs are a few KB); larger ones are refused before
/// any handler reads them.
pub const MAX_BODY_BYTES: usize = 32 * 1024;

pub fn build(state: AppState, options: LeptosOptions) -> Router {
    let routes = generate_route_list(App);
    let origins = crate::security::Origins(std::sync::Arc::new(vec![
        state.settings.public_url.clone(),
        state.settings.cert_url.clone(),
    ]));
    let context_state = state.clone();
    let (crl_state, ca_state) = (state.clone(), state);
    Router::new()
        // Published for relying parties: no session, no cookies.
        .route(CRL_PATH, get(move || crl_response(crl_state.clone())))
        .route(CA_CERT_PATH, get(move || std::future::ready(ca_cert_response(&ca_state))))
        .leptos_routes_with_context(
            &options,
            routes,
            move || {
                provide_context(context_state.clone());
                leptos::nonce::provide_nonce();
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(middleware::from_fn(app::ssr::lang::remember_lang))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(origins, crate::security::same_origin_only))
        .layer(middleware::from_fn(crate::security::headers))
        .with_state(options)
}

/// The router of the certificate-logon listener: the same product, with the client certificate
/// of the TLS handshake handed to every request (see [`crate::tls`]).
pub fn build_certificate(state: AppState, options: LeptosOptions) -> Router {
    build(state, options).layer(middleware::from_fn(crate::tls::present_client_certificate))
}

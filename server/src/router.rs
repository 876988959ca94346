//! The HTTP router: leptos pages and server functions, static files, and the layers around
//! them. No business rule lives here.

use app::ssr::pki::ca::tls_issuer::TLS_CRL_PATH;
use app::ssr::pki::crl::{CA_CERT_PATH, CRL_PATH, PARTITION_DIR};
use app::ssr::pki::ocsp::OCSP_PATH;
use app::ssr::AppState;
use app::{shell, App};
use axum::{middleware, routing::get, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::OnceLock;

/// Largest request body accepted (forms and CSRs are a few KB); larger ones are refused before
/// any handler runs ([`crate::security::admit`]).
pub const MAX_BODY_BYTES: usize = 32 * 1024;

/// Builds the router of the ID listener for `state`, serving the site from `options.site_root`.
/// It also publishes the OCSP responder (`POST /ocsp`, `GET /ocsp/{request}`).
pub fn build(state: AppState, options: LeptosOptions) -> Router {
    routes(state, options, true)
}

/// The app's routes, generated once per process. Generating them runs the app with resource
/// loading switched off process-wide (leptos_server's `SuppressResourceLoad`), and a resource
/// whose future is first polled in that window waits forever (leptos issue 4773): a page being
/// rendered while another router is built (the test suite builds one per test, in parallel) would
/// never be answered (test `it::reliability::pages_are_answered_while_routers_are_built`).
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

fn routes(state: AppState, options: LeptosOptions, ocsp: bool) -> Router {
    let leptos_routes = route_list();
    let listener = if ocsp { "id" } else { "certificate" };
    let origins = crate::security::Origins {
        ours: std::sync::Arc::new(vec![state.settings.public_url.clone(), state.settings.cert_url.clone()]),
        ocsp_from_anywhere: ocsp,
    };
    let context_state = state.clone();
    let (crl_state, ca_state, tls_crl_state) = (state.clone(), state.clone(), state.clone());
    let partition_state = state.clone();
    let (audit_state, users_state, certs_state) = (state.clone(), state.clone(), state.clone());
    let (template_state, upload_state) = (state.clone(), state.clone());
    let mut router = Router::new()
        // Published for relying parties: no session, no cookies.
        .route(CRL_PATH, get(move || crate::publish::crl(crl_state.clone())))
        .route(
            &format!("{PARTITION_DIR}{{file}}"),
            get(move |axum::extract::Path(file): axum::extract::Path<String>| {
                let state = partition_state.clone();
                async move { crate::publish::partition_crl(state, &file).await }
            }),
        )
        .route(CA_CERT_PATH, get(move || std::future::ready(crate::publish::ca_cert(&ca_state))))
        .route(TLS_CRL_PATH, get(move || std::future::ready(crate::publish::tls_crl(&tls_crl_state))))
        // The administrator's CSV files (a session, as for every screen).
        .route(
            crate::files::AUDIT_CSV_PATH,
            get(move |axum::extract::Query(filter), request| {
                crate::files::audit_csv(audit_state.clone(), filter, request)
            }),
        )
        .route(
            crate::files::USERS_CSV_PATH,
            get(move |request| crate::files::users_csv(users_state.clone(), request)),
        )
        .route(
            crate::files::CERTIFICATES_CSV_PATH,
            get(move |axum::extract::Query(filter), request| {
                crate::files::certificates_csv(certs_state.clone(), filter, request)
            }),
        )
        .route(
            crate::files::IMPORT_TEMPLATE_PATH,
            get(move |request| crate::files::import_template(template_state.clone(), request)),
        )
        .route(
            crate::files::IMPORT_UPLOAD_PATH,
            axum::routing::post(move |request| crate::files::import_upload(upload_state.clone(), request)),
        );
    if ocsp {
        let (post_state, get_state) = (state.clone(), state);
        router = router
            .route(
                OCSP_PATH,
                axum::routing::post(move |headers: http::HeaderMap, body: axum::body::Bytes| async move {
                    crate::publish::ocsp_post(post_state.clone(), &headers, &body).await
                }),
            )
            .route(
                &format!("{OCSP_PATH}/{{*request}}"),
                get(move |uri: http::Uri| async move {
                    crate::publish::ocsp_get(get_state.clone(), uri.path()).await
                }),
            );
    }
    router
        .leptos_routes_with_context(
            &options,
            leptos_routes,
            move || {
                provide_context(context_state.clone());
                leptos::nonce::provide_nonce();
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .nest_service(&format!("/{}", options.site_pkg_dir), static_files(&options))
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(middleware::from_fn(crate::lang::remember_lang))
        .layer(middleware::from_fn_with_state(origins, crate::security::admit))
        .layer(middleware::from_fn(crate::security::headers))
        .layer(middleware::from_fn(move |request, next| crate::ops::track(listener, request, next)))
        .with_state(options)
}

/// `Cache-Control` of the built site's files whose names carry their content's hash
/// (cargo-leptos `hash-files`): they never change under that name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of files without a hash in their names (unhashed builds, wasm-bindgen
/// snippets): the browser may keep them but must revalidate (`Last-Modified`) before each use.
pub const REVALIDATE: &str = "no-cache";

/// The site's `pkg` folder (WASM, JS, CSS): the `.br` / `.gz` file written next to each at build
/// time (`cargo leptos build --release --precompress`) is sent when the browser accepts that
/// encoding (brotli preferred), the file itself otherwise; nothing is compressed per request.
/// With hashed file names every file but wasm-bindgen's snippets is cached for a year.
fn static_files(options: &LeptosOptions) -> Router {
    use axum::response::Response;
    use tower_http::services::ServeDir;
    let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let hashed = options.hash_files;
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new().fallback_service(files).layer(middleware::map_response(
        move |uri: http::Uri, mut res: Response| async move {
            let immutable = hashed && res.status().is_success() && !uri.path().contains("/snippets/");
            let value = if immutable { IMMUTABLE } else { REVALIDATE };
            let headers = res.headers_mut();
            headers.insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static(value));
            // The answer depends on Accept-Encoding (ServeDir does not say so itself).
            headers.insert(http::header::VARY, http::HeaderValue::from_static("accept-encoding"));
            res
        },
    ))
}

/// The router of the certificate-logon listener: the same product (without the OCSP responder,
/// which lives on the ID listener only), with the client certificate of the TLS handshake
/// handed to every request (see [`crate::tls`]).
pub fn build_certificate(state: AppState, options: LeptosOptions) -> Router {
    routes(state, options, false).layer(middleware::from_fn(crate::tls::present_client_certificate))
}

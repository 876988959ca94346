//! The HTTP router: leptos pages and server functions, static files, and the layers around
//! them. No business rule lives here.

use app::ssr::AppState;
use app::{shell, App};
use axum::{middleware, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

/// Builds the router for `state`, serving the site from `options.site_root`.
pub fn build(state: AppState, options: LeptosOptions) -> Router {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    Router::new()
        .leptos_routes_with_context(&options, routes, move || provide_context(context_state.clone()), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(middleware::from_fn(app::ssr::lang::remember_lang))
        .with_state(options)
}

//! Browser entry point of the two logon pages: hydrates [`app::LogonApp`], the page the server
//! rendered for this path, and nothing else. Built by scripts/build-logon.sh into
//! `/pkg/logon.<hash>.{js,wasm}`; the server names it in those pages ([`app::shell`]).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let path = leptos::prelude::window().location().pathname().unwrap_or_default();
    let Some(admin) = app::logon_page(&path) else {
        return;
    };
    leptos::mount::hydrate_body(move || leptos::view! { <app::LogonApp admin/> });
    app::mark_hydrated();
}

//! Browser entry point: hydrates the server-rendered page. Nothing else lives here.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // leptos' `hydrate_lazy`, then the mark: a screen behind a logon is a route whose code may
    // first have to be fetched (a module of its own in split builds, app::screens); hydration
    // waits for it, and only then is the page interactive.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        // Boxed: the route table's future is larger than one to keep on the stack.
        Box::pin(leptos::mount::hydrate_from_async(body, app::App)).await.forget();
        app::mark_hydrated();
    });
}

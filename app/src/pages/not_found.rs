//! Any unknown path.

use crate::components::Layout;
use crate::i18n::texts;
use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let t = texts();
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Layout title=t.not_found_title>
            <p><a href="/">{t.back_to_top}</a></p>
        </Layout>
    }
}

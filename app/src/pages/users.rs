//! Screen 6, 利用者情報登録/変更 — the target of the menu. The user list and its forms come with the
//! next issue; until then this screen says so (behind the administrator logon like the rest).

use crate::api::auth::admin_status;
use crate::components::{AdminMenu, Layout};
use crate::error::AppError;
use crate::i18n::texts;
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn UsersPage() -> impl IntoView {
    let t = texts();
    // The same session check as every administrator screen.
    let status = Resource::new(|| (), |()| admin_status());
    view! {
        <Layout title=t.users_title logged_on=true>
            <AdminMenu/>
            <Suspense fallback=move || view! { <p>{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(_) => view! {
                            <p class="notice">{t.users_coming}</p>
                            <p><a href="/admin/status">{t.back_to_status}</a></p>
                        }.into_any(),
                        Err(AppError::Unauthenticated) => view! { <Redirect path="/admin/logon"/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{t.error(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

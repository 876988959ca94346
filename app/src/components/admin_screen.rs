//! The frame of every screen behind the administrator logon: layout, menu, and the data the
//! screen needs. Without a session it goes to the logon page (a real 302 when rendered on the
//! server with `SsrMode::Async`); other errors are shown in place.

use super::{AdminMenu, Layout};
use crate::error::AppError;
use crate::i18n::texts;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use serde::{de::DeserializeOwned, Serialize};

#[component]
pub fn AdminScreen<T, F, V>(
    title: &'static str,
    /// The screen's data; `Err(Unauthenticated)` sends the visitor to the logon page.
    data: Resource<Result<T, AppError>>,
    /// Renders the data.
    render: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let t = texts();
    view! {
        <Layout title=title logged_on=true>
            <AdminMenu/>
            <Suspense fallback=move || view! { <p>{t.loading}</p> }>
                {
                    let render = render.clone();
                    move || {
                        let render = render.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(value) => render(value).into_any(),
                                Err(AppError::Unauthenticated) => view! { <Redirect path="/admin/logon"/> }.into_any(),
                                Err(e) => view! {
                                    <p class="error" role="alert">{t.error(&e)}</p>
                                    <p><a href="/admin/users">{t.back_to_list}</a></p>
                                }.into_any(),
                            }
                        })
                    }
                }
            </Suspense>
        </Layout>
    }
}

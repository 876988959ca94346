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
    /// A user's screen (no administrator menu; logon and PIN change pages are the user's).
    #[prop(optional)]
    user: bool,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let t = texts();
    let origins = crate::origins();
    let logon = origins.logon_path(!user);
    let acquire = origins.id_url(if user { "/user/acquire" } else { "/admin/acquire" });
    let back = if user { "/user/status" } else { "/admin/users" };
    view! {
        <Layout title=title logged_on=true user=user>
            {(!user).then(|| view! { <AdminMenu/> })}
            <Suspense fallback=move || view! { <p>{t.loading}</p> }>
                {
                    let render = render.clone();
                    move || {
                        let (render, acquire) = (render.clone(), acquire.clone());
                        Suspend::new(async move {
                            match data.await {
                                Ok(value) => render(value).into_any(),
                                Err(AppError::Unauthenticated) => view! { <Redirect path=logon/> }.into_any(),
                                Err(AppError::PinChangeRequired) => view! { <Redirect path="/user/pins"/> }.into_any(),
                                Err(e @ AppError::CertificateRefused(_)) => view! {
                                    <p class="error" role="alert" id="certificate-refused">{t.error(&e)}</p>
                                    <p><a href=acquire rel="external">{t.link_acquire}</a></p>
                                }.into_any(),
                                Err(e) => view! {
                                    <p class="error" role="alert">{t.error(&e)}</p>
                                    <p><a href=back>{if user { t.back_to_user_status } else { t.back_to_list }}</a></p>
                                }.into_any(),
                            }
                        })
                    }
                }
            </Suspense>
        </Layout>
    }
}

/// The paged list's summary line, its links to the newer and the older page of `path`, and the way
/// back to 契約法人ステータス (操作履歴照会, 通知履歴).
#[component]
pub fn Pager(
    path: &'static str,
    id: &'static str,
    total: i64,
    page: i64,
    pages: i64,
    /// The page's own query (its search), kept by the links to other pages.
    #[prop(optional, into)]
    query: String,
    /// The summary line (`{total}`, `{page}`, `{pages}`); the audit log's "newest first" by default.
    #[prop(optional)]
    summary: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let t = crate::i18n::texts();
    let more = if query.is_empty() { String::new() } else { format!("&{query}") };
    let summary = summary
        .unwrap_or(t.audit_summary)
        .replace("{total}", &total.to_string())
        .replace("{page}", &page.to_string())
        .replace("{pages}", &pages.to_string());
    view! {
        <p class="hint" id=id>{summary}</p>
        {children()}
        <nav class="pager" aria-label=t.audit_pages>
            {(page > 1).then(|| view! { <a href=format!("{path}?page={}{more}", page - 1) rel="prev">{t.audit_newer}</a> })}
            {(page < pages).then(|| view! { <a href=format!("{path}?page={}{more}", page + 1) rel="next">{t.audit_older}</a> })}
        </nav>
        <p><a href="/admin/status">{t.back_to_status}</a></p>
    }
}

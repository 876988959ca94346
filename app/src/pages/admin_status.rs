//! Screen 5, 契約法人ステータス (administrator home): corporation, previous logon, the administrator's
//! certificate expiry and the top menu. Without a session it sends the visitor to the logon page.

use crate::api::auth::admin_status;
use crate::components::{AdminMenu, Layout};
use crate::error::AppError;
use crate::i18n::{lang, texts};
use crate::time_fmt::date_time;
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn AdminStatusPage() -> impl IntoView {
    let t = texts();
    let status = Resource::new(|| (), |()| admin_status());
    view! {
        <Layout title=t.corp_status_title logged_on=true>
            <AdminMenu/>
            <Suspense fallback=move || view! { <p>{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) => view! {
                            <dl class="status">
                                <dt>{t.corp_name}</dt>
                                <dd id="corporation-name">{s.corporation_name}</dd>
                                <dt>{t.contract_id}</dt>
                                <dd>{s.contract_id}</dd>
                                <dt>{t.last_logon}</dt>
                                <dd id="previous-logon">
                                    {s.previous_logon_at.map_or_else(|| t.first_logon.to_owned(), |at| date_time(at, lang()))}
                                </dd>
                                <dt>{t.admin_cert_expiry}</dt>
                                <dd>
                                    {s.admin_certificate_expires_at.map_or_else(|| t.not_issued.to_owned(), |at| date_time(at, lang()))}
                                </dd>
                            </dl>
                        }.into_any(),
                        Err(AppError::Unauthenticated) => view! { <Redirect path="/admin/logon"/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{t.error(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

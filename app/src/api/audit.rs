//! 操作履歴照会.

use crate::error::AppError;
use crate::model::AuditPage;
use leptos::prelude::*;

/// One page (1-based) of the caller's corporation's audit log that the search finds, newest
/// first.
#[server(prefix = "/api", endpoint = "audit_log")]
pub async fn audit_log(
    page: i64,
    from: Option<String>,
    to: Option<String>,
    person: Option<String>,
    kind: Option<String>,
    outcome: Option<String>,
) -> Result<AuditPage, AppError> {
    use crate::ssr::{access::request::Call, admin::audit};
    let (call, admin) = Call::admin().await?;
    let filter = crate::model::AuditFilter {
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
        person: person.unwrap_or_default(),
        kind: kind.unwrap_or_default(),
        outcome: outcome.unwrap_or_default(),
    };
    audit::page_for(&call.state, &admin, page, &filter).await.map_err(|e| call.fail(e))
}

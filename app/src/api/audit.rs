//! 操作履歴照会.

use crate::error::AppError;
use crate::model::AuditPage;
use leptos::prelude::*;

/// One page (1-based) of the caller's corporation's audit log, newest first.
#[server(prefix = "/api", endpoint = "audit_log")]
pub async fn audit_log(page: i64) -> Result<AuditPage, AppError> {
    use crate::ssr::{access::request::Call, admin::audit};
    let (call, admin) = Call::admin().await?;
    audit::page_for(&call.state, &admin, page).await.map_err(|e| call.fail(e))
}

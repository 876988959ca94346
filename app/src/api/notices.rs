//! 通知履歴.

use crate::error::AppError;
use crate::model::NoticePage;
use leptos::prelude::*;

/// One page (1-based) of the notices to the caller's corporation's people, newest first.
#[server(prefix = "/api", endpoint = "notice_history")]
pub async fn notice_history(page: i64) -> Result<NoticePage, AppError> {
    use crate::ssr::{access::request::Call, admin::notices};
    let (call, admin) = Call::admin().await?;
    notices::page_for(&call.state, &admin, page).await.map_err(|e| call.fail(e))
}

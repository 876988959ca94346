//! 電子証明書一覧.

use crate::error::AppError;
use crate::model::Inventory;
use leptos::prelude::*;

/// One page of the caller's corporation's certificates that the filter keeps, in its order.
#[server(prefix = "/api", endpoint = "certificate_list")]
pub async fn certificate_list(
    page: i64,
    state: Option<String>,
    within: Option<String>,
    sort: Option<String>,
    order: Option<String>,
) -> Result<Inventory, AppError> {
    use crate::ssr::{access::request::Call, admin::certificates, now};
    let (call, admin) = Call::admin().await?;
    let filter = crate::model::InventoryFilter {
        state: state.unwrap_or_default(),
        within: within.unwrap_or_default(),
        sort: sort.unwrap_or_default(),
        order: order.unwrap_or_default(),
    };
    certificates::list(&call.state, &admin, page, &filter, now()).await.map_err(|e| call.fail(e))
}

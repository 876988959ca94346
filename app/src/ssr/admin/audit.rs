//! 操作履歴照会: the administrator's own corporation's audit records, newest first, a page at a
//! time.

use crate::ssr::access::auth::AdminSession;
use crate::ssr::{db, internal, AppState};

/// Records per page of 操作履歴照会 (and 通知履歴).
pub const PAGE_SIZE: i64 = 50;

/// Of `total` rows, the page asked for (1-based, kept within the pages there are), the number of
/// pages (at least one) and the offset of the page's first row.
pub fn paged(total: i64, page: i64) -> (i64, i64, i64) {
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    (page, pages, (page - 1) * PAGE_SIZE)
}

/// 操作履歴照会: the administrator's own corporation's records, newest first.
pub async fn page_for(
    state: &AppState,
    admin: &AdminSession,
    page: i64,
) -> Result<crate::model::AuditPage, crate::error::AppError> {
    let total = db::audit::count_for_corporation(&state.db, admin.corporation_id)
        .await
        .map_err(|e| internal("audit count", e))?;
    let (page, pages, offset) = paged(total, page);
    let rows = db::audit::page_for_corporation(&state.db, admin.corporation_id, PAGE_SIZE, offset)
        .await
        .map_err(|e| internal("audit page", e))?;
    Ok(crate::model::AuditPage {
        entries: rows
            .into_iter()
            .map(|r| crate::model::AuditEntry {
                seq: r.seq,
                at: r.at,
                actor: r.actor,
                action: r.action,
                target: r.target,
                success: r.outcome == "success",
                detail: r.detail,
                client_addr: r.client_addr,
            })
            .collect(),
        page,
        pages,
        total,
    })
}

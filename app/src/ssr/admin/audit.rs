//! 操作履歴照会: the administrator's own corporation's audit records, newest first, a page at a
//! time.

use crate::ssr::access::auth::AdminSession;
use crate::ssr::{db, internal, AppState};

/// Records per page of 操作履歴照会.
pub const PAGE_SIZE: i64 = 50;

/// 操作履歴照会: the administrator's own corporation's records, newest first.
pub async fn page_for(
    state: &AppState,
    admin: &AdminSession,
    page: i64,
) -> Result<crate::model::AuditPage, crate::error::AppError> {
    let total = db::audit::count_for_corporation(&state.db, admin.corporation_id)
        .await
        .map_err(|e| internal("audit count", e))?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let rows =
        db::audit::page_for_corporation(&state.db, admin.corporation_id, PAGE_SIZE, (page - 1) * PAGE_SIZE)
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

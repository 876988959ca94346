//! 通知履歴: the notices to the people of the administrator's own corporation, newest first, a
//! page at a time — what was sent, what waits, what failed.

use crate::model::{NoticeEntry, NoticePage};
use crate::ssr::access::auth::AdminSession;
use crate::ssr::admin::audit::{paged, PAGE_SIZE};
use crate::ssr::{db, internal, AppState};

/// 通知履歴 of the administrator's own corporation (never another's: the corporation comes from
/// the session).
pub async fn page_for(
    state: &AppState,
    admin: &AdminSession,
    page: i64,
) -> Result<NoticePage, crate::error::AppError> {
    let total = db::notices::count_for_corporation(&state.db, admin.corporation.id)
        .await
        .map_err(|e| internal("notice count", e))?;
    let (page, pages, offset) = paged(total, page);
    let rows = db::notices::page_for_corporation(&state.db, admin.corporation.id, PAGE_SIZE, offset)
        .await
        .map_err(|e| internal("notice page", e))?;
    let entries = rows
        .into_iter()
        .map(|r| NoticeEntry { at: r.created_at, recipient: r.recipient, subject: r.subject, state: r.state })
        .collect();
    Ok(NoticePage { entries, page, pages, total })
}

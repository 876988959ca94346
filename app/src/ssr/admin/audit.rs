//! 操作履歴照会: the administrator's own corporation's audit records, newest first, a page at a
//! time, searched by period, user, operation and outcome.

use super::csv;
use crate::error::{AppError, Field, FieldError, Problem};
use crate::model::{AuditEntry, AuditFilter, AuditPage};
use crate::ssr::access::auth::AdminSession;
use crate::ssr::db::audit::Search;
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

/// The first second of `text` (`YYYY-MM-DD`) in Japan time, `None` if it is no such date.
fn day_start(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let date = time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    Some(date.midnight().assume_offset(time::macros::offset!(+9)).unix_timestamp())
}

/// 操作履歴照会's search checked and put in the table's terms: dates as dates (the last day
/// included), a user by the names the log gives them, only the outcomes there are.
pub fn search_of(contract_id: &str, filter: &AuditFilter) -> Result<Search, AppError> {
    let date = |text: &str, field: Field| -> Result<Option<i64>, FieldError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        day_start(text).map(Some).ok_or(FieldError { field, problem: Problem::Format })
    };
    let from = date(&filter.from, Field::PeriodFrom);
    let until = date(&filter.to, Field::PeriodTo).map(|d| d.map(|d| d + 86_400));
    let mut errors: Vec<FieldError> = [from, until].into_iter().filter_map(Result::err).collect();
    if let (Ok(Some(from)), Ok(Some(until))) = (&from, &until) {
        if until <= from {
            errors.push(FieldError { field: Field::PeriodTo, problem: Problem::BeforeStart });
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let text = |t: &str| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
    Ok(Search {
        from: from.unwrap_or_default(),
        until: until.unwrap_or_default(),
        person: text(&filter.person).map(|u| (format!("user:{contract_id}/{u}"), u)),
        action: text(&filter.kind),
        outcome: text(&filter.outcome).filter(|o| o == "success" || o == "failure"),
    })
}

/// 操作履歴照会: the administrator's own corporation's records that `filter` finds, newest first.
pub async fn page_for(
    state: &AppState,
    admin: &AdminSession,
    page: i64,
    filter: &AuditFilter,
) -> Result<AuditPage, AppError> {
    let corp = &admin.corporation;
    let search = match search_of(&corp.contract_id, filter) {
        Ok(search) => search,
        Err(AppError::Invalid(problems)) => {
            return Ok(AuditPage { entries: Vec::new(), page: 1, pages: 1, total: 0, problems })
        }
        Err(e) => return Err(e),
    };
    let total =
        db::audit::count_search(&state.db, corp.id, &search).await.map_err(|e| internal("audit count", e))?;
    let (page, pages, offset) = paged(total, page);
    let rows = db::audit::page_search(&state.db, corp.id, &search, PAGE_SIZE, offset)
        .await
        .map_err(|e| internal("audit page", e))?;
    Ok(AuditPage {
        entries: rows
            .into_iter()
            .map(|r| AuditEntry {
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
        problems: Vec::new(),
    })
}

/// 操作履歴照会 [CSVファイルで保存]: every record `filter` finds, oldest first (chain order), each
/// with its raw detail and its chain hashes, so that an auditor can check the chain from the file.
/// The export is itself audited.
pub async fn export(
    state: &AppState,
    admin: &AdminSession,
    filter: &AuditFilter,
    (lang, client_addr): (crate::i18n::Lang, &str),
    now: i64,
) -> Result<csv::File, AppError> {
    let corp = &admin.corporation;
    let search = search_of(&corp.contract_id, filter)?;
    let mut rows = db::audit::page_search(&state.db, corp.id, &search, i64::MAX, 0)
        .await
        .map_err(|e| internal("audit export", e))?;
    rows.reverse();
    let t = lang.texts();
    let name = |code: &str| {
        t.audit_actions
            .iter()
            .find(|(c, _)| *c == code)
            .map_or_else(|| code.to_owned(), |(_, n)| (*n).to_owned())
    };
    let count = rows.len();
    let bytes = csv::document(
        &t.audit_export_columns,
        rows.into_iter().map(|r| {
            [
                r.seq.to_string(),
                csv::timestamp(r.at),
                r.actor,
                name(&r.action),
                r.action,
                r.target,
                if r.outcome == "success" { t.audit_success.to_owned() } else { t.audit_failure.to_owned() },
                r.detail,
                r.client_addr,
                hex::encode(r.prev_hash),
                hex::encode(r.hash),
            ]
        }),
    );
    let detail = format!("records={count} {}", filter.query());
    csv::recorded(state, corp, ("audit", "audit_export", &detail), (client_addr, now), bytes).await
}

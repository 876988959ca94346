//! 電子証明書一覧: every certificate and issuance of the corporation, current and past — its
//! holder, serial, state (awaiting acquisition, lapsed, in use, expiring, expired, revoked with
//! its reason), when it was issued and acquired, and until when it is valid — filtered by state
//! and by "ending within N days", sorted by any column, a page at a time, and saved as CSV.
//!
//! The corporation's certificates are read whole and filtered and sorted here: a corporation has
//! at most its user limit of holders, and even 10,000 rows sort in milliseconds (the benchmark
//! of `bench/`), which keeps one query for every filter and order.

use super::audit::{paged, PAGE_SIZE};
use super::csv;
use crate::error::{AppError, Field, Problem};
use crate::i18n::Lang;
use crate::model::{Inventory, InventoryEntry, InventoryFilter, InventoryState};
use crate::ssr::access::auth::AdminSession;
use crate::ssr::{db, internal, pki::reason, AppState};

/// Days before its end from which a valid certificate counts as expiring (as on the status screens).
const EXPIRING_DAYS: i64 = 30;
/// The longest "ending within" the filter takes.
const MAX_WITHIN_DAYS: i64 = 3650;

fn entry(row: db::certificates::InventoryRow, now: i64) -> InventoryEntry {
    let state = match (row.state.as_str(), row.not_after) {
        ("revoked", _) => InventoryState::Revoked,
        ("issued", Some(end)) if end <= now => InventoryState::Expired,
        ("issued", Some(end)) if end <= now + EXPIRING_DAYS * 86_400 => InventoryState::Expiring,
        ("issued", _) => InventoryState::InUse,
        _ if row.acquire_by <= now => InventoryState::Lapsed,
        _ => InventoryState::Awaiting,
    };
    InventoryEntry {
        holder: row.user_id.unwrap_or_default(),
        holder_name: row.name.unwrap_or_default(),
        serial: row.serial.map(hex::encode).unwrap_or_default(),
        state,
        reason: row.revocation_reason.map(|code| reason::name(code).to_owned()),
        issued_at: row.opened_at,
        acquired_at: row.acquired_at,
        until: row.not_after.unwrap_or(row.acquire_by),
    }
}

/// The filter checked: a known state, a number of days from 1 to 3650.
fn check(filter: &InventoryFilter) -> Result<(Option<InventoryState>, Option<i64>), AppError> {
    let state = InventoryState::ALL.into_iter().find(|s| s.code() == filter.state.trim());
    let within = filter.within.trim();
    let days = if within.is_empty() {
        None
    } else {
        match within.parse::<i64>() {
            Ok(days) if (1..=MAX_WITHIN_DAYS).contains(&days) => Some(days),
            Ok(_) => return Err(AppError::field(Field::Within, Problem::Length)),
            Err(_) => return Err(AppError::field(Field::Within, Problem::Format)),
        }
    };
    Ok((state, days))
}

/// The corporation's certificates that `filter` keeps, in its order (newest issuance first by
/// default).
async fn selected(
    state: &AppState,
    corporation_id: i64,
    filter: &InventoryFilter,
    now: i64,
) -> Result<Vec<InventoryEntry>, AppError> {
    let (wanted, days) = check(filter)?;
    let rows = db::certificates::inventory(&state.db, corporation_id)
        .await
        .map_err(|e| internal("certificate inventory", e))?;
    let mut entries: Vec<InventoryEntry> = rows
        .into_iter()
        .map(|r| entry(r, now))
        .filter(|e| wanted.is_none_or(|w| e.state == w))
        .filter(|e| {
            days.is_none_or(|d| {
                matches!(e.state, InventoryState::InUse | InventoryState::Expiring)
                    && e.until <= now + d * 86_400
            })
        })
        .collect();
    let key = filter.sort.as_str();
    entries.sort_by(|a, b| match key {
        "holder" => a.holder.cmp(&b.holder),
        "serial" => a.serial.cmp(&b.serial),
        "state" => a.state.index().cmp(&b.state.index()),
        "acquired" => a.acquired_at.cmp(&b.acquired_at),
        "until" => a.until.cmp(&b.until),
        _ => a.issued_at.cmp(&b.issued_at),
    });
    let descending = match filter.order.as_str() {
        "asc" => false,
        "desc" => true,
        _ => !matches!(key, "holder" | "serial" | "state" | "until"),
    };
    if descending {
        entries.reverse();
    }
    Ok(entries)
}

/// 電子証明書一覧: one page.
pub async fn list(
    state: &AppState,
    admin: &AdminSession,
    page: i64,
    filter: &InventoryFilter,
    now: i64,
) -> Result<Inventory, AppError> {
    let entries = match selected(state, admin.corporation.id, filter, now).await {
        Ok(entries) => entries,
        Err(AppError::Invalid(problems)) => {
            return Ok(Inventory { entries: Vec::new(), page: 1, pages: 1, total: 0, problems })
        }
        Err(e) => return Err(e),
    };
    let total = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    let (page, pages, offset) = paged(total, page);
    let entries = entries
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or_default())
        .take(usize::try_from(PAGE_SIZE).unwrap_or_default())
        .collect();
    Ok(Inventory { entries, page, pages, total, problems: Vec::new() })
}

/// 電子証明書一覧 [CSVファイルで保存]: every certificate the filter keeps, in its order. Audited.
pub async fn export(
    state: &AppState,
    admin: &AdminSession,
    filter: &InventoryFilter,
    (lang, client_addr): (Lang, &str),
    now: i64,
) -> Result<csv::File, AppError> {
    let corp = &admin.corporation;
    let entries = selected(state, corp.id, filter, now).await?;
    let t = lang.texts();
    let when = |at: Option<i64>| at.map(csv::timestamp).unwrap_or_default();
    let count = entries.len();
    let bytes = csv::document(
        &t.inventory.columns,
        entries.into_iter().map(|e| {
            let reason = e
                .reason
                .as_deref()
                .map(|r| t.detail.reasons.iter().find(|(code, _)| *code == r).map_or(r, |(_, words)| words))
                .unwrap_or_default();
            [
                if e.holder.is_empty() { t.inventory.administrator.to_owned() } else { e.holder },
                e.holder_name,
                e.serial,
                t.inventory.states[e.state.index()].to_owned(),
                reason.to_owned(),
                csv::timestamp(e.issued_at),
                when(e.acquired_at),
                csv::timestamp(e.until),
            ]
        }),
    );
    let detail = format!("records={count} {}", filter.query());
    csv::recorded(state, corp, ("certificates", "certificates_export", &detail), (client_addr, now), bytes)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldError;

    #[test]
    fn the_filter_takes_known_states_and_one_to_3650_days() {
        let f = |state: &str, within: &str| InventoryFilter {
            state: state.into(),
            within: within.into(),
            ..Default::default()
        };
        assert_eq!(check(&f("revoked", "")).ok(), Some((Some(InventoryState::Revoked), None)));
        assert_eq!(check(&f("", "30")).ok(), Some((None, Some(30))));
        assert!(
            matches!(check(&f("", "0")), Err(AppError::Invalid(e)) if e[0] == FieldError { field: Field::Within, problem: Problem::Length })
        );
        assert!(matches!(check(&f("", "x")), Err(AppError::Invalid(e)) if e[0].problem == Problem::Format));
    }
}

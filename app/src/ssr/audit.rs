//! The tamper-evident audit log.
//!
//! Every record is appended inside the same write transaction as the change it describes, so a
//! change without its record (or a record without its change) never commits. Records are chained:
//! `hash = SHA-256(prev_hash ‖ len-prefixed fields)`, so editing, inserting or deleting a row
//! breaks the chain at that point, which [`verify_chain`] reports.

use super::db::Pool;
use super::db::{self, audit::AuditRow, Tx};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// One thing that happened.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub actor: &'a str,
    pub corporation_id: Option<i64>,
    pub action: &'a str,
    pub target: &'a str,
    pub outcome: Outcome,
    pub detail: &'a str,
    pub client_addr: &'a str,
}

fn chain_hash(prev: &[u8], row: &AuditRow) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(prev);
    let corp = row.corporation_id.map(|c| c.to_string()).unwrap_or_default();
    let fields: [&[u8]; 10] = [
        &row.seq.to_be_bytes(),
        &row.at.to_be_bytes(),
        row.actor.as_bytes(),
        corp.as_bytes(),
        row.action.as_bytes(),
        row.target.as_bytes(),
        row.outcome.as_bytes(),
        row.detail.as_bytes(),
        row.client_addr.as_bytes(),
        b"v1",
    ];
    for f in fields {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f);
    }
    h.finalize().to_vec()
}

/// Appends `event` to the chain inside `tx` (which must be a [`db::begin_write`] transaction).
/// Writes the change's audit record and commits the change with it (fail closed: if the record
/// cannot be written, nothing commits).
pub async fn commit_with(mut tx: Tx, event: &Event<'_>, now: i64) -> Result<(), crate::error::AppError> {
    record(&mut tx, event, now).await.map_err(|e| super::internal("audit", e))?;
    tx.commit().await.map_err(|e| super::internal("commit", e))
}

pub async fn record(tx: &mut Tx, event: &Event<'_>, now: i64) -> Result<(), sqlx::Error> {
    record_all(tx, &[(event.clone(), now)]).await
}

/// Appends several events, in order, reading the chain's head once and writing them with one
/// statement (a [group commit](super::group_commit) of many acquisitions).
pub async fn record_all(tx: &mut Tx, events: &[(Event<'_>, i64)]) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let (mut seq, head) = match db::audit::last(tx).await? {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, vec![0u8; 32]),
    };
    let mut rows = Vec::with_capacity(events.len());
    for (event, now) in events {
        let prev_hash = rows.last().map_or_else(|| head.clone(), |r: &AuditRow| r.hash.clone());
        let mut row = AuditRow {
            seq,
            at: *now,
            actor: event.actor.to_owned(),
            corporation_id: event.corporation_id,
            action: event.action.to_owned(),
            target: event.target.to_owned(),
            outcome: event.outcome.as_str().to_owned(),
            detail: event.detail.to_owned(),
            client_addr: event.client_addr.to_owned(),
            prev_hash,
            hash: Vec::new(),
        };
        row.hash = chain_hash(&row.prev_hash, &row);
        seq += 1;
        rows.push(row);
    }
    db::audit::insert(tx, &rows).await
}

/// Where the chain first breaks, if it does.
#[derive(Debug, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: &'static str,
}

/// Re-computes the whole chain. `Ok(None)` means intact.
pub async fn verify_chain(pool: &Pool) -> Result<Option<ChainBreak>, sqlx::Error> {
    let rows = db::audit::all(pool).await?;
    let mut prev = vec![0u8; 32];
    for (expected_seq, row) in (1..).zip(rows) {
        if row.seq != expected_seq {
            return Ok(Some(ChainBreak { seq: row.seq, reason: "sequence gap" }));
        }
        if row.prev_hash != prev {
            return Ok(Some(ChainBreak { seq: row.seq, reason: "previous hash mismatch" }));
        }
        if chain_hash(&prev, &row) != row.hash {
            return Ok(Some(ChainBreak { seq: row.seq, reason: "record altered" }));
        }
        prev = row.hash;
    }
    Ok(None)
}

/// Records per page of 操作履歴照会.
pub const PAGE_SIZE: i64 = 50;

/// 操作履歴照会: the administrator's own corporation's records, newest first.
pub async fn page_for(
    state: &super::AppState,
    admin: &super::auth::AdminSession,
    page: i64,
) -> Result<crate::model::AuditPage, crate::error::AppError> {
    let total = db::audit::count_for_corporation(&state.db, admin.corporation_id)
        .await
        .map_err(|e| super::internal("audit count", e))?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let rows =
        db::audit::page_for_corporation(&state.db, admin.corporation_id, PAGE_SIZE, (page - 1) * PAGE_SIZE)
            .await
            .map_err(|e| super::internal("audit page", e))?;
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

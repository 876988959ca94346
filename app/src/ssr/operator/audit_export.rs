//! `server audit export`: the audit log as JSON lines for a SIEM, each record with its chain
//! hashes, from a sequence number on (`--since-seq N`: the records after N), so that a collector
//! can ingest and verify it incrementally; and `server audit verify-export`, which checks such a
//! file with the same computation as `server audit verify` (`audit::verify_rows`).
//!
//! A record's `hash` is SHA-256 over `prev_hash` followed by, for each of `seq` (8 bytes,
//! big-endian), `at` (idem), `actor`, `corporation_id` (decimal, empty when none), `action`,
//! `target`, `outcome`, `detail`, `client_addr` and the version tag `v1`: its length (8 bytes,
//! big-endian) and its bytes. The first record's `prev_hash` is 32 zero bytes.

use crate::ssr::audit::{self, ChainBreak};
use crate::ssr::db::{self, audit::AuditRow};
use crate::ssr::AppState;
use serde::{Deserialize, Serialize};
use std::io::Write;

/// Records read per query.
const PAGE: i64 = 1000;

/// One line of the export.
#[derive(Debug, Serialize, Deserialize)]
pub struct Exported {
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// The same instant, RFC 3339 in UTC, for readers.
    pub time: String,
    pub actor: String,
    pub corporation_id: Option<i64>,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: String,
    pub client_addr: String,
    /// Hex.
    pub prev_hash: String,
    /// Hex.
    pub hash: String,
}

impl Exported {
    fn of(row: AuditRow) -> Self {
        let time = time::OffsetDateTime::from_unix_timestamp(row.at)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default();
        Self {
            seq: row.seq,
            at: row.at,
            time,
            actor: row.actor,
            corporation_id: row.corporation_id,
            action: row.action,
            target: row.target,
            outcome: row.outcome,
            detail: row.detail,
            client_addr: row.client_addr,
            prev_hash: hex::encode(row.prev_hash),
            hash: hex::encode(row.hash),
        }
    }

    fn row(self) -> Result<AuditRow, String> {
        let seq = self.seq;
        let hash = |text: &str| hex::decode(text).map_err(|e| format!("record {seq}: hash: {e}"));
        Ok(AuditRow {
            prev_hash: hash(&self.prev_hash)?,
            hash: hash(&self.hash)?,
            seq: self.seq,
            at: self.at,
            actor: self.actor,
            corporation_id: self.corporation_id,
            action: self.action,
            target: self.target,
            outcome: self.outcome,
            detail: self.detail,
            client_addr: self.client_addr,
        })
    }
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("writing: {0}")]
    Write(#[from] std::io::Error),
    #[error("writing: {0}")]
    Json(#[from] serde_json::Error),
}

/// Writes every record after `since_seq` to `out`, one JSON object per line; how many.
pub async fn export(state: &AppState, since_seq: i64, out: &mut impl Write) -> Result<u64, ExportError> {
    let (mut after, mut written) = (since_seq, 0);
    loop {
        let rows = db::audit::after(&state.db, after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for row in rows {
            serde_json::to_writer(&mut *out, &Exported::of(row))?;
            out.write_all(b"\n")?;
            written += 1;
        }
    }
    out.flush()?;
    Ok(written)
}

/// What an export holds: its records' first and last sequence numbers, and whether their chain
/// holds (from the first record's own `prev_hash`: a collector that kept the hash of the record
/// before compares it with `first_prev_hash`).
#[derive(Debug)]
pub struct ExportCheck {
    pub records: usize,
    pub first: i64,
    pub last: i64,
    pub first_prev_hash: String,
    pub broken: Option<ChainBreak>,
}

/// Reads an export back and checks its chain; `Err` when a line is no record.
pub fn verify_export(text: &str) -> Result<ExportCheck, String> {
    let rows = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str::<Exported>(line)
                .map_err(|e| format!("line {}: {e}", i + 1))
                .and_then(Exported::row)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let Some(first) = rows.first() else {
        return Ok(ExportCheck {
            records: 0,
            first: 0,
            last: 0,
            first_prev_hash: String::new(),
            broken: None,
        });
    };
    Ok(ExportCheck {
        records: rows.len(),
        first: first.seq,
        last: rows.last().map_or(0, |r| r.seq),
        first_prev_hash: hex::encode(&first.prev_hash),
        broken: audit::verify_rows(first.seq, &first.prev_hash, &rows),
    })
}

//! The tamper-evident audit log.
//!
//! Every record is appended inside the same write transaction as the change it describes, so a
//! change without its record (or a record without its change) never commits. Records are chained:
//! `hash = SHA-256(prev_hash ‖ len-prefixed fields)`, so editing, inserting or deleting a row
//! breaks the chain at that point, which [`verify_chain`] reports. Every record names its
//! [`Actor`] the same way, whoever writes it.
//!
//! An ID typed at a logon or an acquisition that names no corporation or no user is never recorded
//! as typed (it may be a PIN typed in the wrong field): [`IdKey::unknown`] names it by a keyed
//! hash, the same for the same typed text, so repeated attempts can be correlated.
//!
//! Never: decides whether something may happen; it records what its callers decided, in their
//! transaction.

use super::db::Pool;
use super::db::{self, audit::AuditRow, Tx, WriteTx};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The secret of the keyed hash that names unknown typed IDs in the audit log (HMAC-SHA-256).
/// Kept in `<data-dir>/audit/id.key`, readable by the server's account only: without it a reader
/// of the log cannot test guesses of what was typed.
pub struct IdKey(Zeroizing<Vec<u8>>);

impl IdKey {
    /// Bytes of a new secret.
    pub const LEN: usize = 32;

    pub fn new(secret: Zeroizing<Vec<u8>>) -> Self {
        Self(secret)
    }

    /// A fresh random secret (a process that keeps no audit key file).
    pub fn random() -> Self {
        use rand::RngCore;
        let mut secret = Zeroizing::new(vec![0u8; Self::LEN]);
        rand::rngs::OsRng.fill_bytes(&mut secret);
        Self(secret)
    }

    /// How the audit log names typed text that matched nothing: `unknown#` and the first 16 hex
    /// digits of its keyed hash.
    pub fn unknown(&self, typed: &str) -> String {
        // HMAC takes a key of any length: the `Err` arm is never taken, and names nothing either.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else { return "unknown".to_owned() };
        mac.update(typed.as_bytes());
        format!("unknown#{}", hex::encode(&mac.finalize().into_bytes()[..8]))
    }
}

impl std::fmt::Debug for IdKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdKey(***)")
    }
}

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

/// Who does something, as every audit record names them: `admin:<契約法人ID>`,
/// `user:<契約法人ID>/<利用者ID>`, `bank` (the operator's command line) or `system`; their
/// corporation; and the client's address. Records are written through [`Actor::did`] and
/// [`Actor::tried`], so every record of one actor names them alike.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub name: &'a str,
    pub corporation_id: Option<i64>,
    pub client_addr: &'a str,
}

impl<'a> Actor<'a> {
    /// The server itself (scheduled work).
    pub const SYSTEM: Actor<'static> = Actor { name: "system", corporation_id: None, client_addr: "" };

    /// The bank operator at the command line, acting on `corporation_id`'s behalf (if any).
    pub fn bank(corporation_id: Option<i64>) -> Self {
        Self { name: "bank", corporation_id, client_addr: "cli" }
    }

    /// The record of something this actor did to `target`.
    pub fn did(self, action: &'a str, target: &'a str, detail: &'a str) -> Event<'a> {
        self.event(action, target, Outcome::Success, detail)
    }

    /// The record of an attempt: a success with `detail`, or a failure with the reason the
    /// attempt carries beside its answer.
    pub fn tried<T, A>(
        self,
        action: &'a str,
        target: &'a str,
        attempt: &'a Result<T, (A, &'static str)>,
        detail: &'a str,
    ) -> Event<'a> {
        match attempt {
            Ok(_) => self.event(action, target, Outcome::Success, detail),
            Err((_, reason)) => self.event(action, target, Outcome::Failure, reason),
        }
    }

    /// The record of this actor's `action` on `target`.
    pub fn event(self, action: &'a str, target: &'a str, outcome: Outcome, detail: &'a str) -> Event<'a> {
        Event {
            actor: self.name,
            corporation_id: self.corporation_id,
            action,
            target,
            outcome,
            detail,
            client_addr: self.client_addr,
        }
    }
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
pub async fn commit_with(mut tx: WriteTx, event: &Event<'_>, now: i64) -> Result<(), crate::error::AppError> {
    write(&mut tx, event, now).await?;
    tx.commit().await.map_err(|e| super::internal("commit", e))
}

/// Commits `tx` with the record of `actor`'s attempt ([`Actor::tried`]) and answers the attempt:
/// its value, or the answer its failure carries.
pub async fn commit_attempt<T>(
    tx: WriteTx,
    actor: Actor<'_>,
    action: &str,
    attempt: Result<T, (crate::error::AppError, &'static str)>,
    detail: &str,
    now: i64,
) -> Result<T, crate::error::AppError> {
    commit_with(tx, &actor.tried(action, "", &attempt, detail), now).await?;
    attempt.map_err(|(answer, _)| answer)
}

/// Appends `event` in `tx` (the transaction of the change it describes).
pub async fn write(tx: &mut Tx, event: &Event<'_>, now: i64) -> Result<(), crate::error::AppError> {
    record(tx, event, now).await.map_err(|e| super::internal("audit", e))
}

pub async fn record(tx: &mut Tx, event: &Event<'_>, now: i64) -> Result<(), sqlx::Error> {
    record_all(tx, &[(event.clone(), now)]).await
}

/// Appends several events, in order, reading the chain's head once and writing them with one
/// statement (the group commit of many acquisitions).
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
    Ok(verify_rows(1, &[0u8; 32], &db::audit::all(pool).await?))
}

/// Checks consecutive records from sequence number `first`, the first chained to `prev` (the
/// hash of the record before it; 32 zero bytes before the first record of all): the same
/// computation for the database and for an export read back. `None` means intact.
pub fn verify_rows(first: i64, prev: &[u8], rows: &[AuditRow]) -> Option<ChainBreak> {
    let mut prev = prev.to_vec();
    for (expected_seq, row) in (first..).zip(rows) {
        if row.seq != expected_seq {
            return Some(ChainBreak { seq: row.seq, reason: "sequence gap" });
        }
        if row.prev_hash != prev {
            return Some(ChainBreak { seq: row.seq, reason: "previous hash mismatch" });
        }
        if chain_hash(&prev, row) != row.hash {
            return Some(ChainBreak { seq: row.seq, reason: "record altered" });
        }
        prev.clone_from(&row.hash);
    }
    None
}

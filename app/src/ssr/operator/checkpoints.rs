//! Signed checkpoints of the audit log: the anchor that a hash chain alone lacks. Whoever can
//! write the database can truncate the chain's tail, or rewrite and re-hash it whole, and the
//! chain still verifies; a checkpoint — {record count, head hash, time}, signed with the server's
//! audit key ([`AuditSigner`], never the CA's) and kept outside the database — cannot be rewritten
//! with it. [`verify`] compares every checkpoint with the database: fewer records than a
//! checkpoint counted is a truncated tail; a different hash at a checkpoint's record is a removed,
//! inserted or altered record, or a re-hashed chain.
//!
//! A checkpoint is one line of JSON (`{"records":…,"head":"<hex>","at":…,"sig":"<base64>"}`);
//! the signature (ECDSA P-256, SHA-256, DER) is over [`Checkpoint::message`], so that
//! `openssl dgst -sha256 -verify checkpoint.pub` checks it too.

use crate::ssr::db;
use crate::ssr::pki::ca::key::AuditSigner;
use crate::ssr::AppState;
use base64::Engine as _;

/// One signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// Records in the log at the time (the newest record's sequence number).
    pub records: i64,
    /// That record's chain hash (hex; 64 zeros for an empty log).
    pub head: String,
    /// Unix time of the checkpoint.
    pub at: i64,
    /// The signature of [`Checkpoint::message`], base64 of DER.
    pub sig: String,
}

impl Checkpoint {
    /// What is signed.
    pub fn message(records: i64, head: &str, at: i64) -> String {
        format!("bizdirect audit checkpoint v1\nrecords={records}\nhead={head}\nat={at}\n")
    }

    /// The JSON line of the sink.
    pub fn line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Why a checkpoint could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("signing: {0}")]
    Sign(#[from] rcgen::Error),
}

/// Reads the log's head and signs it.
pub async fn make(state: &AppState, signer: &AuditSigner, now: i64) -> Result<Checkpoint, CheckpointError> {
    let (records, head) = match db::audit::head(&state.db).await? {
        Some((seq, hash)) => (seq, hex::encode(hash)),
        None => (0, hex::encode([0u8; 32])),
    };
    let sig = signer.sign(Checkpoint::message(records, &head, now).as_bytes())?;
    Ok(Checkpoint { records, head, at: now, sig: base64::engine::general_purpose::STANDARD.encode(sig) })
}

/// What [`verify`] found wrong, one line each (empty: every checkpoint holds).
pub type Findings = Vec<String>;

/// Checks every checkpoint of `lines` (one JSON object per line; blank lines skipped): its
/// signature under `public_pem` (SPKI PEM), then the database against it.
pub async fn verify(
    state: &AppState,
    public_pem: &str,
    lines: &str,
) -> Result<(usize, Findings), sqlx::Error> {
    let mut findings = Vec::new();
    let Some(point) = spki_point(public_pem) else {
        return Ok((0, vec!["the checkpoint public key is not a P-256 SPKI PEM".to_owned()]));
    };
    let key = ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, point);
    let records = db::audit::count(&state.db).await?;
    let mut checked = 0;
    for (number, line) in (1..).zip(lines.lines()) {
        if line.trim().is_empty() {
            continue;
        }
        checked += 1;
        let Ok(cp) = serde_json::from_str::<Checkpoint>(line) else {
            findings.push(format!("line {number}: not a checkpoint"));
            continue;
        };
        let sig = base64::engine::general_purpose::STANDARD.decode(&cp.sig).unwrap_or_default();
        if key.verify(Checkpoint::message(cp.records, &cp.head, cp.at).as_bytes(), &sig).is_err() {
            findings
                .push(format!("line {number}: the signature does not verify (forged or altered checkpoint)"));
            continue;
        }
        let when = crate::time_fmt::date_time(cp.at, crate::i18n::Lang::En);
        if cp.records > records {
            findings.push(format!(
                "line {number}: the checkpoint of {when} counted {} records, the log holds {records}: its tail was removed",
                cp.records
            ));
            continue;
        }
        let hash = match cp.records {
            0 => Some(vec![0u8; 32]),
            seq => db::audit::hash_of(&state.db, seq).await?,
        };
        if hash.map(hex::encode).as_deref() != Some(cp.head.as_str()) {
            findings.push(format!(
                "line {number}: record {} differs from the checkpoint of {when}: records before it were removed, inserted or altered and the chain re-hashed",
                cp.records
            ));
        }
    }
    Ok((checked, findings))
}

/// The uncompressed P-256 point of an SPKI PEM.
fn spki_point(public_pem: &str) -> Option<Vec<u8>> {
    use x509_parser::prelude::FromDer;
    let pem = pem::parse(public_pem.trim()).ok()?;
    let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(pem.contents()).ok()?;
    let point = spki.subject_public_key.data.to_vec();
    (point.len() == 65 && point[0] == 0x04).then_some(point)
}

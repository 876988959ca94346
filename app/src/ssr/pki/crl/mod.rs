//! The CRLs, one per partition. A certificate names its corporation's CRL
//! (`/crl/c/{corporation id}.crl`) as its distribution point, so a revocation re-signs, inside
//! its own transaction, only the CRL of the corporation it touched: its size and signing time
//! follow that corporation, not the bank (docs/PERFORMANCE.md, P12). Certificates issued before
//! the partitioning name the shared CRL (`/crl/bizdirect.crl`, partition [`SHARED`]), which keeps
//! listing them. Every CRL carries a critical issuingDistributionPoint naming its own URL, so a
//! relying party never takes one partition's CRL for another's. Each is also re-signed, on
//! schedule, before it expires; the DER is written by [`der`].

pub mod der;

use super::ca::{CrlIssue, Revoked};
use super::{odt, Pki};
use crate::error::AppError;
use crate::ssr::audit::{self, Actor};
use crate::ssr::db::{self, certificates::CrlRow, Tx};
use crate::ssr::internal;
use crate::ssr::settings::Settings;
use std::collections::{BTreeMap, HashMap};

/// Path of the shared CRL (DER), served without a session.
pub const CRL_PATH: &str = "/crl/bizdirect.crl";
/// Where the corporations' CRLs are served: `/crl/c/{corporation id}.crl`.
pub const PARTITION_DIR: &str = "/crl/c/";
/// Path of the CA certificate (PEM), served without a session.
pub const CA_CERT_PATH: &str = "/crl/ca.crt";
/// The partition of the shared CRL; every other partition is a corporation's id.
pub const SHARED: i64 = db::certificates::SHARED_PARTITION;

/// The partition whose CRL lists a certificate of `corporation_id` (`shared_crl`: the
/// certificate's column of that name).
pub fn partition_of(corporation_id: i64, shared_crl: Option<i64>) -> i64 {
    if shared_crl.is_some() {
        SHARED
    } else {
        corporation_id
    }
}

/// The path `partition`'s CRL is served at.
pub fn path(partition: i64) -> String {
    if partition == SHARED {
        CRL_PATH.to_owned()
    } else {
        format!("{PARTITION_DIR}{partition}.crl")
    }
}

/// `partition`'s CRL's URL: the distribution point its certificates name, and its
/// issuingDistributionPoint.
pub fn url(settings: &Settings, partition: i64) -> String {
    format!("{}{}", settings.public_url, path(partition))
}

/// The partition a file name under [`PARTITION_DIR`] names: `{id}.crl`, `id` a corporation's id
/// in decimal, without sign or leading zero.
pub fn partition_named(file: &str) -> Option<i64> {
    let id = file.strip_suffix(".crl")?;
    if id.is_empty() || id.starts_with('0') || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}

/// The current CRL of the HTTPS certificate's issuer (`ca::tls_issuer`), DER, as published at
/// `ca::tls_issuer::TLS_CRL_PATH`; empty while the server presents the operator's own certificate.
#[derive(Debug, Default)]
pub struct TlsCrl(std::sync::RwLock<Option<std::sync::Arc<[u8]>>>);

impl TlsCrl {
    /// Publishes `der` from now on.
    pub fn set(&self, der: Vec<u8>) {
        let mut slot = self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *slot = Some(der.into());
    }

    /// The CRL published now, if any.
    pub fn get(&self) -> Option<std::sync::Arc<[u8]>> {
        self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// A CRL is valid this long, and re-signed (besides every revocation) once it is
/// [`CRL_RESIGN_AFTER_SECS`] old: the hourly check keeps every CRL younger than a day, so a CRL
/// older than that means its re-signing fails (the operators' alert), long before relying
/// parties' copies run out at nextUpdate.
pub const CRL_VALIDITY_SECS: i64 = 7 * 86_400;
pub const CRL_RESIGN_AFTER_SECS: i64 = 23 * 3600;

/// Re-signs `partition`'s CRL, inside `tx`, with every revoked certificate of the partition that
/// had not expired when its current CRL was signed.
///
/// RFC 5280 (3.3) lets an entry leave the CRL once it has appeared on one CRL issued after the
/// certificate expired. A certificate that expired before the current CRL was signed is listed
/// on every CRL until the first one signed after its expiry, that one included, so it can go now.
/// Without this the CRL, re-signed on every revocation, would grow with every certificate ever
/// revoked (docs/PERFORMANCE.md, "再発行 on a grown CA"). OCSP still answers "revoked" for it: OCSP
/// answers come from the database.
///
/// `newly` are the certificates of the partition this transaction has just revoked. The entries
/// of the last CRL this process signed for each partition are kept ([`CrlCache`]); when the
/// partition's current CRL is still that one, the new one's entries are those, less the
/// expired, plus `newly`, instead of every revoked certificate read again. That holds because
/// every revocation re-signs its partition's CRL in its own transaction, naming what it revoked:
/// a CRL still current has seen every revocation but these. Without `newly` (a new partition,
/// the scheduled re-signing) every entry is read from the database.
pub async fn refresh_crl(
    tx: &mut Tx,
    pki: &Pki,
    partition: i64,
    newly: Option<Vec<Revoked>>,
    now: i64,
) -> Result<(), AppError> {
    let (number, previous, tail) =
        db::certificates::crl_head(tx, partition).await.map_err(|e| internal("crl", e))?;
    let listed = |r: &Revoked| r.not_after.is_none_or(|na| na >= previous);
    let kept = newly.and_then(|newly| Some((pki.crl.take(partition, number, &tail, previous)?, newly)));
    let revoked: Vec<Revoked> = if let Some((mut kept, newly)) = kept {
        kept.extend(newly);
        kept.retain(listed);
        kept
    } else {
        db::certificates::revoked(tx, partition, previous)
            .await
            .map_err(|e| internal("revoked", e))?
            .into_iter()
            .map(|(serial, at, reason, not_after)| Revoked {
                serial,
                at: odt(at),
                reason: u8::try_from(reason).unwrap_or(0),
                not_after,
                partition,
            })
            .collect()
    };
    let number = number + 1;
    let next = now + CRL_VALIDITY_SECS;
    let url = url(&pki.settings, partition);
    let issue = CrlIssue {
        number: u64::try_from(number).unwrap_or(1),
        this_update: odt(now),
        next_update: odt(next),
        url: &url,
    };
    let der = pki.ca.sign_crl(&revoked, issue).map_err(|e| internal("sign crl", e))?;
    let tail = der[der.len().saturating_sub(db::certificates::CRL_TAIL)..].to_vec();
    db::certificates::store_crl(tx, partition, &CrlRow { number, this_update: now, next_update: next, der })
        .await
        .map_err(|e| internal("store crl", e))?;
    pki.crl.keep(partition, CachedCrl { number, tail, valid_at: previous, entries: revoked });
    Ok(())
}

/// Re-signs, inside `tx`, the CRL of every partition `revoked` (certificates this transaction
/// has just revoked) touches, each once.
pub async fn sign_revoked(tx: &mut Tx, pki: &Pki, revoked: Vec<Revoked>, now: i64) -> Result<(), AppError> {
    let mut by_partition: BTreeMap<i64, Vec<Revoked>> = BTreeMap::new();
    for r in revoked {
        by_partition.entry(r.partition).or_default().push(r);
    }
    for (partition, newly) in by_partition {
        refresh_crl(tx, pki, partition, Some(newly), now).await?;
    }
    Ok(())
}

/// The entries of the last CRL this process signed, with what identifies that CRL.
pub struct CachedCrl {
    number: i64,
    /// Its DER's last bytes (its signature's).
    tail: Vec<u8>,
    /// The `this_update` its entries were chosen by: every revoked certificate valid then.
    valid_at: i64,
    entries: Vec<Revoked>,
}

/// The entries of the last CRL this process signed for each partition ([`refresh_crl`]). They
/// are used only while the partition's current CRL in the database is that one — same number,
/// same signature — so a transaction rolled back after signing, or a CRL signed meanwhile by
/// another instance on the same PostgreSQL database, makes the next CRL read the partition's
/// revoked certificates again.
#[derive(Default)]
pub struct CrlCache(std::sync::Mutex<HashMap<i64, CachedCrl>>);

impl CrlCache {
    /// The entries, if `partition`'s current CRL (`number`, `tail`, signed at `this_update`) is
    /// the one kept, and it chose its entries at or before `this_update` (a clock set back could
    /// otherwise let an entry it left out come back). Leaves the partition out of the cache.
    fn take(&self, partition: i64, number: i64, tail: &[u8], this_update: i64) -> Option<Vec<Revoked>> {
        let kept = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&partition)?;
        (kept.number == number && kept.tail == tail && kept.valid_at <= this_update).then_some(kept.entries)
    }

    fn keep(&self, partition: i64, crl: CachedCrl) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(partition, crl);
    }
}

/// How many partitions' CRLs one scheduled transaction signs: the first start of a bank's
/// database signs one for every corporation, without holding the write lock for all of them.
const SCHEDULED_PER_COMMIT: usize = 256;

/// Signs the CRL of every partition (the shared one and each corporation's) that has none, or
/// whose current one is [`CRL_RESIGN_AFTER_SECS`] old (at start and every hour).
pub async fn ensure_fresh_crl(pki: &Pki, now: i64) -> Result<(), AppError> {
    let stale = db::certificates::stale_crls(&pki.db, now - CRL_RESIGN_AFTER_SECS)
        .await
        .map_err(|e| internal("crl", e))?;
    for partitions in stale.chunks(SCHEDULED_PER_COMMIT) {
        let mut tx = db::begin_write(&pki.db).await.map_err(|e| internal("begin", e))?;
        for &partition in partitions {
            refresh_crl(&mut tx, pki, partition, None, now).await?;
        }
        let detail = format!("scheduled partitions={}", joined(partitions));
        audit::commit_with(tx, &Actor::SYSTEM.did("crl_sign", "", &detail), now).await?;
    }
    Ok(())
}

/// `0-3,7,9-10`: the partitions (in order), runs of consecutive ones as ranges.
fn joined(partitions: &[i64]) -> String {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for &p in partitions {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == p => *end = p,
            _ => runs.push((p, p)),
        }
    }
    let runs: Vec<String> =
        runs.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect();
    runs.join(",")
}

/// `partition`'s current CRL's DER (`None` before the first is signed, or no such partition).
pub async fn current(db: &db::Pool, partition: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    Ok(db::certificates::crl(db, partition).await?.map(|c| c.der))
}

#[cfg(test)]
mod tests {
    use super::{joined, partition_named};

    #[test]
    fn file_names_name_partitions() {
        assert_eq!(partition_named("12.crl"), Some(12));
        for bad in [
            "0.crl",
            "012.crl",
            "-1.crl",
            "+1.crl",
            ".crl",
            "12",
            "12.crl.crl",
            "1a.crl",
            "99999999999999999999.crl",
        ] {
            assert_eq!(partition_named(bad), None, "{bad}");
        }
    }

    #[test]
    fn partitions_are_listed_with_ranges() {
        assert_eq!(joined(&[0, 1, 2, 3, 7, 9, 10]), "0-3,7,9-10");
        assert_eq!(joined(&[5]), "5");
        assert_eq!(joined(&[]), "");
    }
}

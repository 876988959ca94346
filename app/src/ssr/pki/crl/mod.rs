//! The CRL: re-signed inside the transaction of every revocation (so `/crl/bizdirect.crl` never
//! lags one) and, on schedule, before it expires; its DER is written by [`der`].

pub mod der;

use super::ca::{CrlIssue, Revoked};
use super::{odt, Pki};
use crate::error::AppError;
use crate::ssr::audit::{self, Actor};
use crate::ssr::db::{self, certificates::CrlRow, Tx};
use crate::ssr::internal;

/// Path of the CRL (DER), served without a session; also the CRL distribution point's path.
pub const CRL_PATH: &str = "/crl/bizdirect.crl";
/// Path of the CA certificate (PEM), served without a session.
pub const CA_CERT_PATH: &str = "/crl/ca.crt";

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

/// Re-signs the CRL, inside `tx`, with every revoked certificate that had not expired when the
/// current CRL was signed.
///
/// RFC 5280 (3.3) lets an entry leave the CRL once it has appeared on one CRL issued after the
/// certificate expired. A certificate that expired before the current CRL was signed is listed
/// on every CRL until the first one signed after its expiry, that one included, so it can go now.
/// Without this the CRL, re-signed on every revocation, would grow with every certificate ever
/// revoked (docs/PERFORMANCE.md, "再発行 on a grown CA"). OCSP still answers "revoked" for it: OCSP
/// answers come from the database.
///
/// `newly` are the certificates this transaction has just revoked. The entries of the last CRL
/// this process signed are kept ([`CrlCache`]); when the current CRL is still that one, the new
/// one's entries are those, less the expired, plus `newly`, instead of every revoked certificate
/// read again (docs/PERFORMANCE.md, "再発行 on a grown CA"). That holds because every revocation
/// re-signs the CRL in its own transaction, naming what it revoked: a CRL still current has seen
/// every revocation but these. Without `newly` (at start, the scheduled re-signing) every
/// entry is read from the database.
pub async fn refresh_crl(
    tx: &mut Tx,
    pki: &Pki,
    newly: Option<Vec<Revoked>>,
    now: i64,
) -> Result<(), AppError> {
    let (number, previous, tail) = db::certificates::crl_head(tx).await.map_err(|e| internal("crl", e))?;
    let listed = |r: &Revoked| r.not_after.is_none_or(|na| na >= previous);
    let kept = newly.and_then(|newly| Some((pki.crl.take(number, &tail, previous)?, newly)));
    let revoked: Vec<Revoked> = if let Some((mut kept, newly)) = kept {
        kept.extend(newly);
        kept.retain(listed);
        kept
    } else {
        db::certificates::revoked(tx, previous)
            .await
            .map_err(|e| internal("revoked", e))?
            .into_iter()
            .map(|(serial, at, reason, not_after)| Revoked {
                serial,
                at: odt(at),
                reason: u8::try_from(reason).unwrap_or(0),
                not_after,
            })
            .collect()
    };
    let number = number + 1;
    let next = now + CRL_VALIDITY_SECS;
    let der = pki
        .ca
        .sign_crl(
            &revoked,
            CrlIssue {
                number: u64::try_from(number).unwrap_or(1),
                this_update: odt(now),
                next_update: odt(next),
            },
        )
        .map_err(|e| internal("sign crl", e))?;
    let tail = der[der.len().saturating_sub(db::certificates::CRL_TAIL)..].to_vec();
    db::certificates::store_crl(tx, &CrlRow { number, this_update: now, next_update: next, der })
        .await
        .map_err(|e| internal("store crl", e))?;
    pki.crl.keep(CachedCrl { number, tail, valid_at: previous, entries: revoked });
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

/// The entries of the last CRL this process signed ([`refresh_crl`]). They are used only while
/// the database's current CRL is that one — same number, same signature — so a transaction
/// rolled back after signing, or a CRL signed meanwhile by another instance on the same
/// PostgreSQL database, makes the next CRL read every revoked certificate again.
#[derive(Default)]
pub struct CrlCache(std::sync::Mutex<Option<CachedCrl>>);

impl CrlCache {
    /// The entries, if the current CRL (`number`, `tail`, signed at `this_update`) is the one
    /// kept, and it chose its entries at or before `this_update` (a clock set back could
    /// otherwise let an entry it left out come back). Leaves the cache empty.
    fn take(&self, number: i64, tail: &[u8], this_update: i64) -> Option<Vec<Revoked>> {
        let kept = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()?;
        (kept.number == number && kept.tail == tail && kept.valid_at <= this_update).then_some(kept.entries)
    }

    fn keep(&self, crl: CachedCrl) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(crl);
    }
}

/// Signs a CRL if there is none or the current one is [`CRL_RESIGN_AFTER_SECS`] old (at start and
/// every hour).
pub async fn ensure_fresh_crl(pki: &Pki, now: i64) -> Result<(), AppError> {
    let current = db::certificates::crl(&pki.db).await.map_err(|e| internal("crl", e))?;
    if current.is_some_and(|c| now - c.this_update < CRL_RESIGN_AFTER_SECS) {
        return Ok(());
    }
    let mut tx = db::begin_write(&pki.db).await.map_err(|e| internal("begin", e))?;
    refresh_crl(&mut tx, pki, None, now).await?;
    audit::commit_with(tx, &Actor::SYSTEM.did("crl_sign", "", "scheduled"), now).await
}

/// The current CRL's DER (`None` before the first is signed).
pub async fn current(db: &db::Pool) -> Result<Option<Vec<u8>>, sqlx::Error> {
    Ok(db::certificates::crl(db).await?.map(|c| c.der))
}

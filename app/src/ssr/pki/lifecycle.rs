//! A certificate's life: its state as the screens show it, revocation and 再発行 (each inside
//! the caller's write transaction, with its audit record and, for an issued certificate, the
//! re-signed CRL and the end of the sessions bound to it), and the open issuance an acquisition
//! completes.

use super::crl::{partition_of, sign_revoked};
use super::writes::Batch;
use super::{ca::Revoked, odt, reason, Pki};
use crate::error::AppError;
use crate::model::{CertState, CertificateStatus};
use crate::ssr::audit::{self, Actor};
use crate::ssr::db::{self, certificates::CertRow, Tx};
use crate::ssr::outbox::{self, texts};
use crate::ssr::{internal, telemetry};

/// Warn from this long before expiry ("expiring within 30 days").
const EXPIRING_SOON_SECS: i64 = 30 * 86_400;

/// The 電子証明書 column's state of a live row.
pub fn state_of(row: Option<&CertRow>, now: i64) -> CertState {
    state_from(row.map(|r| r.state.as_str()), row.and_then(|r| r.not_after), now)
}

/// The 電子証明書 column's state from a live row's `state` and `not_after` (`None`: no live row).
pub fn state_from(state: Option<&str>, not_after: Option<i64>, now: i64) -> CertState {
    match state {
        Some("awaiting") => CertState::AwaitingAcquisition,
        Some("issued") => match not_after {
            Some(na) if na - now <= EXPIRING_SOON_SECS => CertState::ExpiringSoon,
            _ => CertState::InUse,
        },
        _ => CertState::None,
    }
}

/// Renewal is open from this long before expiry (SPEC: 30 days).
pub const RENEWAL_OPENS_SECS: i64 = EXPIRING_SOON_SECS;

/// Whether a certificate valid until `not_after` may be renewed at `now`.
pub fn renewal_open(not_after: i64, now: i64) -> bool {
    now < not_after && not_after - now <= RENEWAL_OPENS_SECS
}

/// Whose certificate: the corporation, the user ID shown in the audit log, and the user's row
/// (`None`: the corporation's administrator).
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    pub corporation_id: i64,
    pub name: &'a str,
    pub user_pk: Option<i64>,
}

/// Revokes the holder's live certificate, if any, in `tx`; re-signs the CRL when an issued
/// certificate was revoked (its partition's). Returns whether anything was revoked.
pub async fn revoke_live(
    tx: &mut Tx,
    pki: &Pki,
    actor: Actor<'_>,
    holder: Holder<'_>,
    reason_code: u8,
    now: i64,
) -> Result<bool, AppError> {
    let mut listed = Vec::new();
    let revoked = revoke_unlisted(tx, pki, actor, holder, reason_code, now, &mut listed).await?;
    sign_revoked(tx, pki, listed, now).await?;
    Ok(revoked)
}

/// [`revoke_live`] without the CRL: an issued certificate it revokes is added to `listed`, for
/// the caller to sign into the CRL in the same transaction.
async fn revoke_unlisted(
    tx: &mut Tx,
    pki: &Pki,
    actor: Actor<'_>,
    holder: Holder<'_>,
    reason_code: u8,
    now: i64,
    listed: &mut Vec<Revoked>,
) -> Result<bool, AppError> {
    let target = holder.name;
    let revoked = db::certificates::revoke_live(tx, holder.corporation_id, holder.user_pk, reason_code, now)
        .await
        .map_err(|e| internal("revoke", e))?;
    let Some(old) = revoked else { return Ok(false) };
    let serial = old.serial.as_deref().map(hex::encode).unwrap_or_default();
    let detail = format!(
        "{} reason={} serial={}",
        if old.state == "issued" { "certificate" } else { "issuance" },
        reason::name(i64::from(reason_code)),
        if serial.is_empty() { "-" } else { &serial }
    );
    audit::write(tx, &actor.did("certificate_revoke", target, &detail), now).await?;
    telemetry::revoked(reason::name(i64::from(reason_code)));
    if let Some(serial) = old.serial {
        if reason_code != reason::SUPERSEDED {
            // A 再発行's replacement is told by its issuance notice.
            tell_revoked(tx, pki, holder, &serial, reason_code, now).await?;
        }
        db::sessions::delete_for_certificate(tx, &serial).await.map_err(|e| internal("end sessions", e))?;
        let partition = partition_of(old.corporation_id, old.shared_crl);
        listed.push(Revoked {
            serial,
            at: odt(now),
            reason: reason_code,
            not_after: old.not_after,
            partition,
        });
    }
    Ok(true)
}

/// 電子証明書失効のお知らせ to the holder and the administrator.
async fn tell_revoked(
    tx: &mut Tx,
    pki: &Pki,
    holder: Holder<'_>,
    serial: &[u8],
    reason_code: u8,
    now: i64,
) -> Result<(), AppError> {
    let (serial, why) = (hex::encode_upper(serial), reason::name(i64::from(reason_code)));
    let lines = format!("電子証明書（シリアル番号 {serial}）を失効しました。理由: {why}");
    let lines_en = format!("The certificate with serial number {serial} has been revoked. Reason: {why}");
    let said = texts::Said {
        kind: "certificate_revoked",
        subject: ("電子証明書失効のお知らせ", "Certificate revoked"),
        lines: (&lines, &lines_en),
    };
    tell(tx, pki, holder.corporation_id, holder.user_pk, &said, true, now).await
}

/// Writes the security notice `said` about the holder (`user_pk` `None`: the administrator) in
/// `tx`: to the holder, and (`to_admin`) to the administrator.
pub async fn tell(
    tx: &mut Tx,
    pki: &Pki,
    corporation_id: i64,
    user_pk: Option<i64>,
    said: &texts::Said<'_>,
    to_admin: bool,
    now: i64,
) -> Result<(), AppError> {
    let addressee =
        db::notices::addressee(tx, corporation_id, user_pk).await.map_err(|e| internal("addressee", e))?;
    let about = texts::About::of(corporation_id, &addressee);
    for notice in texts::security(&about, said, to_admin) {
        outbox::enqueue(tx, &pki.settings, &notice, now).await.map_err(|e| internal("notice", e))?;
    }
    Ok(())
}

/// Revokes the issued certificate with this serial, whoever holds it, in `tx`: its sessions end,
/// the CRL is re-signed and its holder and the administrator are told. Returns `false` when no
/// issued certificate has that serial.
pub async fn revoke_serial(
    tx: &mut Tx,
    pki: &Pki,
    serial: &[u8],
    reason_code: u8,
    now: i64,
) -> Result<bool, AppError> {
    let Some(revoked) = db::certificates::revoke_serial(tx, serial, reason_code, now)
        .await
        .map_err(|e| internal("revoke", e))?
    else {
        return Ok(false);
    };
    telemetry::revoked(reason::name(i64::from(reason_code)));
    let holder = Holder { corporation_id: revoked.corporation_id, name: "", user_pk: revoked.user_pk };
    tell_revoked(tx, pki, holder, serial, reason_code, now).await?;
    let not_after = revoked.not_after;
    db::sessions::delete_for_certificate(tx, serial).await.map_err(|e| internal("end sessions", e))?;
    let partition = partition_of(revoked.corporation_id, revoked.shared_crl);
    let newly = Revoked { serial: serial.to_vec(), at: odt(now), reason: reason_code, not_after, partition };
    sign_revoked(tx, pki, vec![newly], now).await?;
    Ok(true)
}

/// 再発行 / 発行: revokes the holder's live certificate (superseded, or keyCompromise) and opens a
/// new issuance awaiting acquisition — all inside `tx`, with audit records.
/// `expected_live` is the live certificate's id the administrator saw (0: none); if it changed
/// meanwhile (another administrator acted), nothing happens and the answer is a conflict.
pub async fn reissue(
    tx: &mut Tx,
    pki: &Pki,
    actor: Actor<'_>,
    holder: Holder<'_>,
    expected_live: i64,
    key_compromise: bool,
    now: i64,
) -> Result<(), AppError> {
    still_live(tx, holder, expected_live).await?;
    reissue_all(tx, pki, actor, &[holder], key_compromise, now).await
}

/// A conflict unless the holder's live certificate is still `expected_live` (0: none).
async fn still_live(tx: &mut Tx, holder: Holder<'_>, expected_live: i64) -> Result<(), AppError> {
    let live = db::certificates::live(tx, holder.corporation_id, holder.user_pk)
        .await
        .map_err(|e| internal("live", e))?;
    if live.as_ref().map_or(0, |c| c.id) == expected_live {
        Ok(())
    } else {
        Err(AppError::Conflict)
    }
}

/// [`reissue`] in a [group commit](super::writes)'s batch, whose CRL re-signing lists what it
/// revokes.
pub async fn reissue_in(
    batch: &mut Batch,
    pki: &Pki,
    actor: Actor<'_>,
    holder: Holder<'_>,
    expected_live: i64,
    key_compromise: bool,
    now: i64,
) -> Result<(), AppError> {
    let (tx, listed) = batch.parts();
    still_live(tx, holder, expected_live).await?;
    reissue_unlisted(tx, pki, actor, &[holder], key_compromise, now, listed).await
}

/// [`revoke_live`] in a [group commit](super::writes)'s batch, whose CRL re-signing lists what it
/// revokes.
pub async fn revoke_live_in(
    batch: &mut Batch,
    pki: &Pki,
    actor: Actor<'_>,
    holder: Holder<'_>,
    reason_code: u8,
    now: i64,
) -> Result<bool, AppError> {
    let (tx, listed) = batch.parts();
    revoke_unlisted(tx, pki, actor, holder, reason_code, now, listed).await
}

/// 一括再発行: [`reissue`] for each of `holders` in `tx`, whatever certificate each has now, with
/// one CRL re-signing for all the certificates revoked.
pub async fn reissue_all(
    tx: &mut Tx,
    pki: &Pki,
    actor: Actor<'_>,
    holders: &[Holder<'_>],
    key_compromise: bool,
    now: i64,
) -> Result<(), AppError> {
    let mut listed = Vec::new();
    reissue_unlisted(tx, pki, actor, holders, key_compromise, now, &mut listed).await?;
    sign_revoked(tx, pki, listed, now).await
}

/// [`reissue_all`] without the CRL: the issued certificates it revokes are added to `listed`.
async fn reissue_unlisted(
    tx: &mut Tx,
    pki: &Pki,
    actor: Actor<'_>,
    holders: &[Holder<'_>],
    key_compromise: bool,
    now: i64,
    listed: &mut Vec<Revoked>,
) -> Result<(), AppError> {
    let code = if key_compromise { reason::KEY_COMPROMISE } else { reason::SUPERSEDED };
    for &holder in holders {
        revoke_unlisted(tx, pki, actor, holder, code, now, listed).await?;
        open_issuance(tx, pki, actor, holder, now).await?;
    }
    Ok(())
}

/// Opens the holder's new issuance, awaiting acquisition, with its notice and audit record.
async fn open_issuance(
    tx: &mut Tx,
    pki: &Pki,
    actor: Actor<'_>,
    holder: Holder<'_>,
    now: i64,
) -> Result<(), AppError> {
    let Holder { corporation_id, name: target, user_pk } = holder;
    let acquire_by = now + pki.settings.acquire_window_secs;
    match db::certificates::open(tx, corporation_id, user_pk, now, acquire_by).await {
        Ok(_) => {}
        Err(e) if e.as_database_error().is_some_and(sqlx::error::DatabaseError::is_unique_violation) => {
            return Err(AppError::Conflict);
        }
        Err(e) => return Err(internal("open issuance", e)),
    }
    // 電子証明書発行のお知らせ, in this transaction: the notice commits with the issuance or not at all.
    let addressee =
        db::notices::addressee(tx, corporation_id, user_pk).await.map_err(|e| internal("addressee", e))?;
    let about = texts::About::of(corporation_id, &addressee);
    let notice = outbox::issuance_opened(&about, &pki.settings.public_url, acquire_by);
    outbox::enqueue(tx, &pki.settings, &notice, now).await.map_err(|e| internal("notice", e))?;
    let detail = format!("acquire_by={acquire_by}");
    audit::write(tx, &actor.did("certificate_issue", target, &detail), now).await?;
    telemetry::issuance_opened();
    Ok(())
}

/// How the administrator appears as a certificate holder in the audit log.
pub const ADMIN_HOLDER: &str = "(admin)";

/// The issuance open at `now` among the holder's live row, or why there is none.
pub(crate) fn open_in(live: Option<CertRow>, now: i64) -> Result<CertRow, AppError> {
    let Some(issuance) = live.filter(|c| c.state == "awaiting") else {
        return Err(AppError::NoOpenIssuance);
    };
    if issuance.acquire_by <= now {
        return Err(AppError::AcquisitionExpired);
    }
    Ok(issuance)
}

/// The certificate part of a status screen.
pub async fn status(
    pool: &db::Pool,
    corporation_id: i64,
    user_pk: Option<i64>,
    now: i64,
) -> Result<CertificateStatus, AppError> {
    let live =
        db::certificates::live_of(pool, corporation_id, user_pk).await.map_err(|e| internal("live", e))?;
    Ok(status_from(
        live.map(|c| db::users::LiveCertificate {
            state: c.state,
            not_after: c.not_after,
            acquire_by: c.acquire_by,
        }),
        now,
    ))
}

/// The certificate part of a status screen from the holder's live certificate, if any.
pub fn status_from(live: Option<db::users::LiveCertificate>, now: i64) -> CertificateStatus {
    let cert_state =
        state_from(live.as_ref().map(|c| c.state.as_str()), live.as_ref().and_then(|c| c.not_after), now);
    let until = live.as_ref().map(|c| {
        if cert_state == CertState::AwaitingAcquisition {
            c.acquire_by
        } else {
            c.not_after.unwrap_or(0)
        }
    });
    let renewal_open = live
        .as_ref()
        .filter(|c| c.state == "issued")
        .and_then(|c| c.not_after)
        .is_some_and(|na| renewal_open(na, now));
    CertificateStatus { state: cert_state, until, renewal_open }
}

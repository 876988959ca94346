//! Certificates: issue / reissue / revoke (inside the caller's transaction, with audit records),
//! the CRL (re-signed in the transaction of every revocation and before it expires), and the
//! server side of acquisition (CSR in, certificate out).

use super::audit::{self, Event, Outcome};
use super::ca::{self, CertificateAuthority, ClientProfile, Revoked};
use super::db::{
    self,
    certificates::{CertRow, Completed, CrlRow},
    Tx,
};
use super::group_commit::Issuance;
use super::lockout;
use super::secret::Pin;
use super::state::Settings;
use super::{internal, AppState};
use crate::error::{AppError, Field, Problem};
use crate::model::{AcquiredCertificate, AcquisitionTarget, CertState};
use time::OffsetDateTime;

pub use super::reason;

/// A CRL is valid this long, and re-signed when less than [`CRL_REFRESH_BEFORE_SECS`] remain.
pub const CRL_VALIDITY_SECS: i64 = 7 * 86_400;
pub const CRL_REFRESH_BEFORE_SECS: i64 = 86_400;
/// Warn from this long before expiry ("expiring within 30 days").
const EXPIRING_SOON_SECS: i64 = 30 * 86_400;

fn odt(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

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
/// `newly` is the certificate this transaction has just revoked. The entries of the last CRL
/// this process signed are kept ([`CrlCache`]); when the current CRL is still that one, the new
/// one's entries are those, less the expired, plus `newly`, instead of every revoked certificate
/// read again (docs/PERFORMANCE.md, "再発行 on a grown CA"). That holds because every revocation
/// re-signs the CRL in its own transaction, naming what it revoked: a CRL still current has seen
/// every revocation but this one. Without `newly` (at start, the scheduled re-signing) every
/// entry is read from the database.
pub async fn refresh_crl(
    tx: &mut Tx,
    state: &AppState,
    newly: Option<Revoked>,
    now: i64,
) -> Result<(), AppError> {
    let (number, previous, tail) = db::certificates::crl_head(tx).await.map_err(|e| internal("crl", e))?;
    let listed = |r: &Revoked| r.not_after.is_none_or(|na| na >= previous);
    let kept = newly.and_then(|newly| Some((state.crl.take(number, &tail, previous)?, newly)));
    let revoked: Vec<Revoked> = if let Some((mut kept, newly)) = kept {
        kept.push(newly);
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
    let der = state
        .ca
        .sign_crl(&revoked, u64::try_from(number).unwrap_or(1), odt(now), odt(next))
        .map_err(|e| internal("sign crl", e))?;
    let tail = der[der.len().saturating_sub(db::certificates::CRL_TAIL)..].to_vec();
    db::certificates::store_crl(tx, &CrlRow { number, this_update: now, next_update: next, der })
        .await
        .map_err(|e| internal("store crl", e))?;
    state.crl.keep(CachedCrl { number, tail, valid_at: previous, entries: revoked });
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

/// Signs a CRL if there is none or it expires within a day (at start and periodically).
pub async fn ensure_fresh_crl(state: &AppState, now: i64) -> Result<(), AppError> {
    let current = db::certificates::crl(&state.db).await.map_err(|e| internal("crl", e))?;
    if current.is_some_and(|c| c.next_update - now > CRL_REFRESH_BEFORE_SECS) {
        return Ok(());
    }
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    refresh_crl(&mut tx, state, None, now).await?;
    audit::commit_with(
        tx,
        &Event {
            actor: "system",
            corporation_id: None,
            action: "crl_sign",
            target: "",
            outcome: Outcome::Success,
            detail: "scheduled",
            client_addr: "",
        },
        now,
    )
    .await
}

/// Whose certificate: the user ID shown in the audit log, and the user's row (`None`: the
/// corporation's administrator).
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    pub name: &'a str,
    pub user_pk: Option<i64>,
}

/// Who acts on a holder's certificate, for the audit records.
pub struct Actor<'a> {
    pub name: &'a str,
    pub corporation_id: i64,
    pub client_addr: &'a str,
}

/// Revokes the holder's live certificate, if any, in `tx`; re-signs the CRL when an issued
/// certificate was revoked. Returns whether anything was revoked.
pub async fn revoke_live(
    tx: &mut Tx,
    state: &AppState,
    actor: &Actor<'_>,
    holder: Holder<'_>,
    reason_code: u8,
    now: i64,
) -> Result<bool, AppError> {
    let target = holder.name;
    let revoked = db::certificates::revoke_live(tx, actor.corporation_id, holder.user_pk, reason_code, now)
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
    audit::record(
        tx,
        &Event {
            actor: actor.name,
            corporation_id: Some(actor.corporation_id),
            action: "certificate_revoke",
            target,
            outcome: Outcome::Success,
            detail: &detail,
            client_addr: actor.client_addr,
        },
        now,
    )
    .await
    .map_err(|e| internal("audit", e))?;
    if let Some(serial) = old.serial {
        db::sessions::delete_for_certificate(tx, &serial).await.map_err(|e| internal("end sessions", e))?;
        let newly = Revoked { serial, at: odt(now), reason: reason_code, not_after: old.not_after };
        refresh_crl(tx, state, Some(newly), now).await?;
    }
    Ok(true)
}

/// 再発行 / 発行: revokes the holder's live certificate (superseded, or keyCompromise) and opens a
/// new issuance awaiting acquisition — all inside `tx`, with audit records.
/// `expected_live` is the live certificate's id the administrator saw (0: none); if it changed
/// meanwhile (another administrator acted), nothing happens and the answer is a conflict.
pub async fn reissue(
    tx: &mut Tx,
    state: &AppState,
    actor: &Actor<'_>,
    holder: Holder<'_>,
    expected_live: i64,
    key_compromise: bool,
    now: i64,
) -> Result<(), AppError> {
    let (target, user_pk) = (holder.name, holder.user_pk);
    let live =
        db::certificates::live(tx, actor.corporation_id, user_pk).await.map_err(|e| internal("live", e))?;
    if live.as_ref().map_or(0, |c| c.id) != expected_live {
        return Err(AppError::Conflict);
    }
    let code = if key_compromise { reason::KEY_COMPROMISE } else { reason::SUPERSEDED };
    revoke_live(tx, state, actor, holder, code, now).await?;
    let acquire_by = now + state.settings.acquire_window_secs;
    match db::certificates::open(tx, actor.corporation_id, user_pk, now, acquire_by).await {
        Ok(_) => {}
        Err(e) if e.as_database_error().is_some_and(sqlx::error::DatabaseError::is_unique_violation) => {
            return Err(AppError::Conflict);
        }
        Err(e) => return Err(internal("open issuance", e)),
    }
    let detail = format!("acquire_by={acquire_by}");
    audit::record(
        tx,
        &Event {
            actor: actor.name,
            corporation_id: Some(actor.corporation_id),
            action: "certificate_issue",
            target,
            outcome: Outcome::Success,
            detail: &detail,
            client_addr: actor.client_addr,
        },
        now,
    )
    .await
    .map_err(|e| internal("audit", e))
}

/// What 電子証明書取得 sends: the holder's credentials (`user_id` `None`: the corporation's
/// administrator, with the two administrator PINs) and, on [取得], the CSR.
#[derive(Debug)]
pub struct AcquireRequest<'a> {
    pub contract_id: &'a str,
    pub user_id: Option<&'a str>,
    pub pin: &'a Pin,
    pub confirm_pin: &'a Pin,
}

/// The holder whose two PINs were right (`user` `None`: the corporation's administrator);
/// `actor` is how the audit log names them.
pub struct Checked {
    pub corp: db::corporations::CorporationRow,
    pub user: Option<db::users::UserRow>,
    pub actor: String,
}

impl Checked {
    /// The contract is suspended, or the user is 利用停止 or 事故登録: no acquisition.
    fn blocked(&self) -> bool {
        self.corp.suspended_at.is_some() || self.user.as_ref().is_some_and(|u| u.suspended || u.accident)
    }

    fn holder(&self) -> Holder<'_> {
        match &self.user {
            Some(u) => Holder { name: &u.user_id, user_pk: Some(u.id) },
            None => Holder { name: ADMIN_HOLDER, user_pk: None },
        }
    }
}

/// How the administrator appears as a certificate holder in the audit log.
pub const ADMIN_HOLDER: &str = "(admin)";

/// Checks the two PINs of the holder (always hashing twice, whoever it is). A wrong credential is
/// [`AppError::LogonFailed`] and is audited.
async fn check_holder(
    state: &AppState,
    req: &AcquireRequest<'_>,
    client_addr: &str,
    now: i64,
) -> Result<Checked, AppError> {
    let account = format!("{}/{}", req.contract_id, req.user_id.unwrap_or(ADMIN_HOLDER));
    super::throttle::attempt(state, client_addr, &account, now)?;
    let corp = db::corporations::find_by_contract_id(&state.db, req.contract_id)
        .await
        .map_err(|e| internal("corp", e))?;
    let user = match (&corp, req.user_id) {
        (Some(c), Some(user_id)) => {
            db::users::find(&state.db, c.id, user_id).await.map_err(|e| internal("user", e))?
        }
        _ => None,
    };
    let (pin_hash, confirm_hash) = match (&corp, req.user_id, &user) {
        (Some(c), None, _) => (Some(&c.admin_pin_hash.0), Some(&c.admin_confirm_pin_hash.0)),
        (_, Some(_), Some(u)) => (Some(&u.pin_hash.0), Some(&u.confirm_pin_hash.0)),
        _ => (None, None),
    };
    // Both hashes at once, on two of the pool's threads: the answer waits for one hash, not two.
    let (pin_ok, confirm_ok) =
        tokio::join!(state.pins.verify(pin_hash, req.pin), state.pins.verify(confirm_hash, req.confirm_pin));
    let (pin_ok, confirm_ok) =
        (pin_ok.map_err(|e| internal("pin", e))?, confirm_ok.map_err(|e| internal("pin", e))?);
    let typed = |s: &str| s.chars().take(32).collect::<String>();
    let actor = match req.user_id {
        Some(u) => format!("user:{}/{}", typed(req.contract_id), typed(u)),
        None => format!("admin:{}", typed(req.contract_id)),
    };
    let who = match (&corp, req.user_id, &user) {
        (Some(c), None, _) => Some(lockout::Holder::Admin(c.id)),
        (Some(c), Some(_), Some(u)) => Some(lockout::Holder::User(c.id, u.id)),
        _ => None,
    };
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    let refusal = match (lockout::check(&mut tx, state, who, pin_ok && confirm_ok, now).await?, corp) {
        (Ok(()), Some(corp)) => {
            tx.commit().await.map_err(|e| internal("commit", e))?;
            return Ok(Checked { corp, user, actor });
        }
        (Ok(()), None) => return Err(AppError::Internal),
        (Err(refusal), corp) => (refusal, corp),
    };
    let ((answer, reason), corp) = refusal;
    audit::commit_with(
        tx,
        &Event {
            actor: &actor,
            corporation_id: corp.as_ref().map(|c| c.id),
            action: "certificate_acquire",
            target: req.user_id.unwrap_or(ADMIN_HOLDER),
            outcome: Outcome::Failure,
            detail: reason,
            client_addr,
        },
        now,
    )
    .await?;
    Err(answer)
}

/// The open issuance of a checked holder, or why there is none. `blocked`: the contract is
/// suspended, or the user is 利用停止 or 事故登録 (as read when the PINs were checked).
async fn open_issuance(
    tx: &mut Tx,
    blocked: bool,
    corporation_id: i64,
    user_pk: Option<i64>,
    now: i64,
) -> Result<CertRow, AppError> {
    if blocked {
        return Err(AppError::NoOpenIssuance);
    }
    let live = db::certificates::live(tx, corporation_id, user_pk).await.map_err(|e| internal("live", e))?;
    open_in(live, now)
}

/// The issuance open at `now` among the holder's live row, or why there is none.
pub(super) fn open_in(live: Option<CertRow>, now: i64) -> Result<CertRow, AppError> {
    let Some(issuance) = live.filter(|c| c.state == "awaiting") else {
        return Err(AppError::NoOpenIssuance);
    };
    if issuance.acquire_by <= now {
        return Err(AppError::AcquisitionExpired);
    }
    Ok(issuance)
}

/// 電子証明書取得, first step: who the certificate will be for (after checking both PINs and
/// that an issuance is open). Nothing changes.
pub async fn preview(
    state: &AppState,
    req: &AcquireRequest<'_>,
    client_addr: &str,
    now: i64,
) -> Result<AcquisitionTarget, AppError> {
    let checked = check_holder(state, req, client_addr, now).await?;
    let mut tx = state.db.begin().await.map_err(|e| internal("begin", e))?;
    let issuance =
        open_issuance(&mut tx, checked.blocked(), checked.corp.id, checked.holder().user_pk, now).await?;
    Ok(AcquisitionTarget {
        corporation_name: checked.corp.name.clone(),
        contract_id: checked.corp.contract_id.clone(),
        user_id: checked.user.as_ref().map(|u| u.user_id.clone()),
        holder_name: checked.user.as_ref().map(|u| u.name.clone()),
        acquire_by: issuance.acquire_by,
    })
}

/// Server side of 電子証明書取得: checks the holder's two PINs, the open issuance and its window,
/// verifies the CSR, issues the certificate with our profile and records it. The issuance stays
/// open until this succeeds, so an interrupted acquisition loses nothing.
pub async fn acquire(
    state: &AppState,
    req: &AcquireRequest<'_>,
    csr_pem: &str,
    client_addr: &str,
    now: i64,
) -> Result<AcquiredCertificate, AppError> {
    let checked = check_holder(state, req, client_addr, now).await?;
    issue_acquired(state, &checked, csr_pem, client_addr, now).await
}

/// The part of 電子証明書取得 after both PINs were checked: the signing pool verifies the CSR,
/// signs, and hands the certificate straight to the [group commit](super::group_commit), which
/// completes the open issuance with it and appends its audit record. Answers once that is on
/// disk: the task waits once, for the answer, however many threads the work passed through.
/// (`server bench issuance` measures this.)
pub async fn issue_acquired(
    state: &AppState,
    checked: &Checked,
    csr_pem: &str,
    client_addr: &str,
    now: i64,
) -> Result<AcquiredCertificate, AppError> {
    let signing = signing(state, checked, csr_pem, client_addr, now);
    let queue = state.group.queue();
    let (reply, answer) = tokio::sync::oneshot::channel();
    state
        .signing
        .spawn(move || match signing() {
            Ok(issuance) => queue.submit(issuance, reply),
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        })
        .map_err(|e| internal("sign", e))?;
    answer.await.map_err(|_| internal("sign", "an acquisition was dropped"))?
}

/// The signing half of [`issue_acquired`] alone: the CSR verified and the certificate signed, as
/// the group commit takes it.
pub async fn signed_issuance(
    state: &AppState,
    checked: &Checked,
    csr_pem: &str,
    client_addr: &str,
    now: i64,
) -> Result<Issuance, AppError> {
    let signing = signing(state, checked, csr_pem, client_addr, now);
    state.signing.run(signing).await.map_err(|e| internal("sign", e))?
}

/// An acquisition's work on the signing pool: [`verified_and_signed`], and the group commit's
/// issuance with the holder's answer.
fn signing(
    state: &AppState,
    checked: &Checked,
    csr_pem: &str,
    client_addr: &str,
    now: i64,
) -> impl FnOnce() -> Result<Issuance, AppError> + Send + 'static {
    let (ca, settings) = (state.ca.clone(), state.settings.clone());
    let subject = Subject::of(&checked.corp, checked.user.as_ref());
    let (corporation_id, user_pk, blocked) = (checked.corp.id, checked.holder().user_pk, checked.blocked());
    let (csr_pem, actor) = (csr_pem.to_owned(), checked.actor.clone());
    let (target, client_addr) = (checked.holder().name.to_owned(), client_addr.to_owned());
    move || {
        let issued = verified_and_signed(&ca, &settings, &subject, &csr_pem, &actor, now)?;
        let answer = issued.acquired(&ca);
        let Issued { serial, der, not_before, not_after } = issued;
        Ok(Issuance {
            corporation_id,
            user_pk,
            blocked,
            serial,
            der,
            not_before,
            not_after,
            actor,
            target,
            client_addr,
            now,
            answer,
        })
    }
}

/// The CSR's public key, or a field error on `csr`.
fn checked_csr(csr_pem: &str, actor: &str) -> Result<Vec<u8>, AppError> {
    ca::verify_csr(&pem_or_der(csr_pem)).map_err(|e| {
        tracing::info!("refused CSR from {actor}: {e}");
        AppError::field(Field::Csr, Problem::Format)
    })
}

/// A certificate just signed (not yet stored).
struct Issued {
    serial: Vec<u8>,
    der: Vec<u8>,
    not_before: i64,
    not_after: i64,
}

impl Issued {
    fn completed(&self) -> Completed<'_> {
        Completed {
            serial: &self.serial,
            der: &self.der,
            not_before: self.not_before,
            not_after: self.not_after,
        }
    }

    fn acquired(&self, ca: &CertificateAuthority) -> AcquiredCertificate {
        AcquiredCertificate {
            certificate_pem: pem("CERTIFICATE", &self.der),
            chain_pem: ca.cert_pem().to_owned(),
            serial: hex::encode(&self.serial),
            not_after: self.not_after,
            issuer: ca.subject().to_owned(),
        }
    }
}

/// Whom a certificate names.
struct Subject {
    corporation_name: String,
    contract_id: String,
    user_id: Option<String>,
}

impl Subject {
    fn of(corp: &db::corporations::CorporationRow, user: Option<&db::users::UserRow>) -> Self {
        Self {
            corporation_name: corp.name.clone(),
            contract_id: corp.contract_id.clone(),
            user_id: user.map(|u| u.user_id.clone()),
        }
    }
}

/// Checks the CSR (a field error on `csr` if it is not one, or its signature does not verify)
/// and signs a certificate for its key — on the signing threads ([`super::cpu::Pool`]), not the
/// async threads that the group commit's writer and every other request need.
async fn verify_and_sign(
    state: &AppState,
    subject: Subject,
    csr_pem: &str,
    actor: &str,
    now: i64,
) -> Result<Issued, AppError> {
    let (ca, settings) = (state.ca.clone(), state.settings.clone());
    let (csr_pem, actor) = (csr_pem.to_owned(), actor.to_owned());
    state
        .signing
        .run(move || verified_and_signed(&ca, &settings, &subject, &csr_pem, &actor, now))
        .await
        .map_err(|e| internal("sign", e))?
}

/// [`checked_csr`], then [`sign`]: a signing thread's work.
fn verified_and_signed(
    ca: &CertificateAuthority,
    settings: &Settings,
    subject: &Subject,
    csr_pem: &str,
    actor: &str,
    now: i64,
) -> Result<Issued, AppError> {
    let spki = checked_csr(csr_pem, actor)?;
    sign(ca, settings, subject, &spki, now)
}

/// Signs a certificate for the holder's key with a fresh serial ([`ca::random_serial`]: the
/// millisecond, then 80 random bits; the caller relies on the column's UNIQUE constraint, see
/// [`store_failed`]).
fn sign(
    ca: &CertificateAuthority,
    settings: &Settings,
    subject: &Subject,
    spki: &[u8],
    now: i64,
) -> Result<Issued, AppError> {
    let serial = ca::random_serial().to_bytes();
    let not_before = now - 300;
    let not_after = now + settings.certificate_validity_secs;
    let der = ca
        .issue_client(
            spki,
            &ClientProfile {
                corporation_name: &subject.corporation_name,
                contract_id: &subject.contract_id,
                user_id: subject.user_id.as_deref(),
                serial: &serial,
                not_before: odt(not_before),
                not_after: odt(not_after),
                crl_url: &settings.crl_url,
                ocsp_url: &settings.ocsp_url,
            },
        )
        .map_err(|e| internal("issue", e))?;
    Ok(Issued { serial, der, not_before, not_after })
}

/// Maps an error from storing a signed certificate. Serials never repeat: the column is UNIQUE,
/// and a used serial (two serials meet only if drawn in the same millisecond with the same 80
/// random bits) is logged as such; nothing is stored and the issuance stays open for another try.
fn store_failed(serial: &[u8]) -> impl FnOnce(sqlx::Error) -> AppError + '_ {
    move |e| {
        if e.as_database_error().is_some_and(sqlx::error::DatabaseError::is_unique_violation) {
            tracing::error!("random serial {} already used: issuance refused", hex::encode(serial));
            return AppError::Internal;
        }
        internal("store certificate", e)
    }
}

/// The owner of a current certificate, as [`judge`] found it.
#[derive(Debug, Clone)]
pub struct CertOwner {
    pub corporation_id: i64,
    /// `None`: the corporation's administrator.
    pub user_pk: Option<i64>,
    pub serial: Vec<u8>,
    pub not_after: i64,
    /// For the audit log: `admin:<契約法人ID>` or `user:<契約法人ID>/<利用者ID>`.
    pub actor: String,
    pub corporation_name: String,
    pub contract_id: String,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
}

/// Decides, against the database, whether a presented client certificate is current: issued by
/// us (the exact certificate on record), not revoked, not expired, and its owner may log on.
/// Run on every request of the certificate listener — the TLS layer checks only the chain.
pub async fn judge(state: &AppState, der: &[u8], now: i64) -> Result<CertOwner, AppError> {
    use crate::error::CertProblem;
    let refused = |p| Err(AppError::CertificateRefused(p));
    let Some(serial) = ca::serial_of(der) else { return refused(CertProblem::NotOurs) };
    let row = db::certificates::by_serial(&state.db, &serial).await.map_err(|e| internal("by serial", e))?;
    let Some(row) = row.filter(|r| r.der.as_deref() == Some(der)) else {
        return refused(CertProblem::NotOurs);
    };
    if row.state == "revoked" {
        let reissued = row.revocation_reason == Some(i64::from(reason::SUPERSEDED));
        return refused(if reissued { CertProblem::Reissued } else { CertProblem::Revoked });
    }
    let not_after = row.not_after.unwrap_or(0);
    if not_after <= now {
        return refused(CertProblem::Expired);
    }
    let corp = db::corporations::find_by_id(&state.db, row.corporation_id)
        .await
        .map_err(|e| internal("corp", e))?
        .ok_or(AppError::CertificateRefused(CertProblem::NotOurs))?;
    if corp.suspended_at.is_some() {
        return refused(CertProblem::Blocked);
    }
    let user = match row.user_pk {
        Some(pk) => Some(
            db::users::find_by_pk(&state.db, pk)
                .await
                .map_err(|e| internal("user", e))?
                .ok_or(AppError::CertificateRefused(CertProblem::NotOurs))?,
        ),
        None => None,
    };
    if user.as_ref().is_some_and(|u| u.deleted_at.is_some() || u.suspended || u.accident) {
        return refused(CertProblem::Blocked);
    }
    Ok(CertOwner {
        corporation_id: corp.id,
        user_pk: row.user_pk,
        serial,
        not_after,
        actor: match &user {
            Some(u) => format!("user:{}/{}", corp.contract_id, u.user_id),
            None => format!("admin:{}", corp.contract_id),
        },
        corporation_name: corp.name,
        contract_id: corp.contract_id,
        user_id: user.as_ref().map(|u| u.user_id.clone()),
        user_name: user.map(|u| u.name),
    })
}

/// Renewal is open from this long before expiry (SPEC: 30 days).
pub const RENEWAL_OPENS_SECS: i64 = EXPIRING_SOON_SECS;

/// Whether a certificate valid until `not_after` may be renewed at `now`.
pub fn renewal_open(not_after: i64, now: i64) -> bool {
    now < not_after && not_after - now <= RENEWAL_OPENS_SECS
}

/// 更新: with the current certificate (the caller judged it), a new certificate for a new key;
/// the current one is revoked as superseded in the same transaction, and its sessions end.
pub async fn renew(
    state: &AppState,
    owner: &CertOwner,
    csr_pem: &str,
    client_addr: &str,
    now: i64,
) -> Result<AcquiredCertificate, AppError> {
    if !renewal_open(owner.not_after, now) {
        return Err(AppError::RenewalNotOpen);
    }
    let corp = db::corporations::find_by_id(&state.db, owner.corporation_id)
        .await
        .map_err(|e| internal("corp", e))?
        .ok_or(AppError::Unauthenticated)?;
    let user = match owner.user_pk {
        Some(pk) => db::users::find_by_pk(&state.db, pk).await.map_err(|e| internal("user", e))?,
        None => None,
    };
    let issued =
        verify_and_sign(state, Subject::of(&corp, user.as_ref()), csr_pem, &owner.actor, now).await?;
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    let live = db::certificates::live(&mut tx, owner.corporation_id, owner.user_pk)
        .await
        .map_err(|e| internal("live", e))?;
    if live.as_ref().and_then(|c| c.serial.as_deref()) != Some(owner.serial.as_slice()) {
        return Err(AppError::Conflict);
    }
    let holder = Holder { name: owner.user_id.as_deref().unwrap_or(ADMIN_HOLDER), user_pk: owner.user_pk };
    let actor = Actor { name: &owner.actor, corporation_id: owner.corporation_id, client_addr };
    revoke_live(&mut tx, state, &actor, holder, reason::SUPERSEDED, now).await?;
    db::certificates::insert_issued(&mut tx, corp.id, owner.user_pk, &issued.completed(), now)
        .await
        .map_err(store_failed(&issued.serial))?;
    let detail = format!(
        "renewal of serial={} serial={} not_after={}",
        hex::encode(&owner.serial),
        hex::encode(&issued.serial),
        issued.not_after
    );
    audit::commit_with(
        tx,
        &Event {
            actor: &owner.actor,
            corporation_id: Some(corp.id),
            action: "certificate_renew",
            target: holder.name,
            outcome: Outcome::Success,
            detail: &detail,
            client_addr,
        },
        now,
    )
    .await?;
    Ok(issued.acquired(&state.ca))
}

/// Bank operator: opens an issuance of the administrator's own certificate (revoking the
/// current one as superseded). Returns the end of the acquisition window.
pub async fn issue_admin(state: &AppState, contract_id: &str, now: i64) -> Result<Option<i64>, AppError> {
    let Some(corp) = db::corporations::find_by_contract_id(&state.db, contract_id)
        .await
        .map_err(|e| internal("corp", e))?
    else {
        return Ok(None);
    };
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    let live = db::certificates::live(&mut tx, corp.id, None).await.map_err(|e| internal("live", e))?;
    let actor = Actor { name: "bank", corporation_id: corp.id, client_addr: "cli" };
    let holder = Holder { name: ADMIN_HOLDER, user_pk: None };
    reissue(&mut tx, state, &actor, holder, live.map_or(0, |c| c.id), false, now).await?;
    tx.commit().await.map_err(|e| internal("commit", e))?;
    Ok(Some(now + state.settings.acquire_window_secs))
}

/// The DER inside a PEM block (empty if it is not PEM, which the CSR check then refuses).
fn pem_or_der(text: &str) -> Vec<u8> {
    pem::parse(text).map(pem::Pem::into_contents).unwrap_or_default()
}

/// PEM armour around DER.
pub fn pem(label: &str, der: &[u8]) -> String {
    pem::encode(&pem::Pem::new(label, der.to_vec()))
}

/// Path of the CRL (DER), served without a session; also the CRL distribution point's path.
pub const CRL_PATH: &str = "/crl/bizdirect.crl";
/// Path of the CA certificate (PEM), served without a session.
pub const CA_CERT_PATH: &str = "/crl/ca.crt";

/// axum handler body: the current CRL as `application/pkix-crl`.
pub async fn crl_response(state: AppState) -> axum::response::Response {
    use axum::response::IntoResponse;
    match db::certificates::crl(&state.db).await {
        Ok(Some(c)) => ([(http::header::CONTENT_TYPE, "application/pkix-crl")], c.der).into_response(),
        Ok(None) => http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Err(e) => {
            tracing::error!("crl: {e}");
            http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// axum handler body: the CA certificate (PEM).
pub fn ca_cert_response(state: &AppState) -> axum::response::Response {
    use axum::response::IntoResponse;
    ([(http::header::CONTENT_TYPE, "application/x-pem-file")], state.ca.cert_pem().to_owned()).into_response()
}

/// Bank operator: revokes an issued certificate by serial (hex) and re-signs the CRL.
/// Returns `Ok(false)` when no issued certificate has that serial.
pub async fn revoke_by_serial(
    state: &AppState,
    serial_hex: &str,
    reason_code: u8,
    now: i64,
) -> Result<bool, AppError> {
    let serial =
        hex::decode(serial_hex.replace(':', "")).map_err(|_| AppError::field(Field::Csr, Problem::Format))?;
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    let Some(not_after) = db::certificates::revoke_serial(&mut tx, &serial, reason_code, now)
        .await
        .map_err(|e| internal("revoke", e))?
    else {
        return Ok(false);
    };
    db::sessions::delete_for_certificate(&mut tx, &serial).await.map_err(|e| internal("end sessions", e))?;
    let detail = format!("reason={} serial={}", reason::name(i64::from(reason_code)), hex::encode(&serial));
    audit::record(
        &mut tx,
        &Event {
            actor: "bank",
            corporation_id: None,
            action: "certificate_revoke",
            target: "",
            outcome: Outcome::Success,
            detail: &detail,
            client_addr: "cli",
        },
        now,
    )
    .await
    .map_err(|e| internal("audit", e))?;
    let newly = Revoked { serial, at: odt(now), reason: reason_code, not_after };
    refresh_crl(&mut tx, state, Some(newly), now).await?;
    tx.commit().await.map_err(|e| internal("commit", e))?;
    Ok(true)
}

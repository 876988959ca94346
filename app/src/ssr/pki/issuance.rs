//! Issuance: a CSR verified and a certificate signed with our profile on the signing threads
//! ([`crate::ssr::cpu::Pool`]), stored by the [group commit](super::group_commit) (acquisition)
//! or in its own transaction (renewal).
//!
//! Whom an acquisition issues for ([`Applicant`]) is decided by the caller after both of the
//! holder's PINs were right (the holder's room above); the entries that take one are
//! crate-private, so no code outside the domain can issue without that check.

use super::group_commit::Issuance;
use super::lifecycle::{renewal_open, revoke_live, Holder, ADMIN_HOLDER};
use super::{ca::CertificateAuthority, ca::ClientProfile, odt, reason, CertOwner, Pki};
use crate::error::{AppError, Field, Problem};
use crate::model::AcquiredCertificate;
use crate::ssr::audit::{self, Actor};
use crate::ssr::db::{self, certificates::Completed};
use crate::ssr::outbox::texts;
use crate::ssr::{internal, Settings};

/// The holder an acquisition issues for (`user` `None`: the corporation's administrator), as
/// read when their PINs were checked; `actor` is how the audit log names them.
pub(crate) struct Applicant {
    pub(crate) corp: db::corporations::CorporationRow,
    pub(crate) user: Option<db::users::UserRow>,
    pub(crate) actor: String,
}

impl Applicant {
    /// The contract is suspended, or the user is 利用停止 or 事故登録: no acquisition.
    pub(crate) fn blocked(&self) -> bool {
        self.corp.suspended_at.is_some() || self.user.as_ref().is_some_and(|u| u.suspended || u.accident)
    }

    pub(crate) fn holder(&self) -> Holder<'_> {
        match &self.user {
            Some(u) => Holder { corporation_id: self.corp.id, name: &u.user_id, user_pk: Some(u.id) },
            None => Holder { corporation_id: self.corp.id, name: ADMIN_HOLDER, user_pk: None },
        }
    }
}

/// The part of 電子証明書取得 after both PINs were checked: the signing pool verifies the CSR,
/// signs, and hands the certificate straight to the [group commit](super::group_commit), which
/// completes the open issuance with it and appends its audit record. Answers once that is on
/// disk: the task waits once, for the answer, however many threads the work passed through.
/// (The issuance benchmark measures this.)
pub(crate) async fn issue_acquired(
    pki: &Pki,
    checked: &Applicant,
    csr_pem: &str,
    client_addr: &str,
    now: i64,
) -> Result<AcquiredCertificate, AppError> {
    let signing = signing(pki, checked, csr_pem, client_addr, now);
    let queue = pki.group.queue();
    let (reply, answer) = tokio::sync::oneshot::channel();
    pki.signing
        .spawn(move || match signing() {
            Ok(issuance) => queue.submit(issuance, reply),
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        })
        .map_err(|e| internal("sign", e))?;
    answer.await.map_err(|_| internal("sign", "an acquisition was dropped"))?
}

/// An acquisition's work on the signing pool: [`verified_and_signed`], and the group commit's
/// issuance with the holder's answer.
pub(crate) fn signing(
    pki: &Pki,
    checked: &Applicant,
    csr_pem: &str,
    client_addr: &str,
    now: i64,
) -> impl FnOnce() -> Result<Issuance, AppError> + Send + 'static {
    let (ca, settings) = (pki.ca.clone(), pki.settings.clone());
    let subject = Subject::of(&checked.corp, checked.user.as_ref());
    let (corporation_id, user_pk, blocked) = (checked.corp.id, checked.holder().user_pk, checked.blocked());
    let (csr_pem, actor) = (csr_pem.to_owned(), checked.actor.clone());
    let (target, client_addr) = (checked.holder().name.to_owned(), client_addr.to_owned());
    let (corporation_name, admin_email) = (checked.corp.name.clone(), checked.corp.admin_email.clone());
    let admin_lang = texts::lang_of(&checked.corp.admin_lang);
    let user = checked
        .user
        .as_ref()
        .map(|u| (u.name.clone(), u.email.clone().unwrap_or_default(), texts::lang_of(&u.lang)));
    move || {
        let issued = verified_and_signed(&ca, &settings, &subject, &csr_pem, &actor, now)?;
        let answer = issued.acquired(&ca);
        let Issued { serial, der, not_before, not_after } = issued;
        let about = texts::About {
            corporation_id,
            corporation_name: &corporation_name,
            user: user.as_ref().map(|(name, email, lang)| (name.as_str(), email.as_str(), *lang)),
            admin_email: &admin_email,
            admin_lang,
        };
        let notices = texts::certificate_acquired(&about, &hex::encode_upper(&serial), not_after);
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
            notices,
        })
    }
}

/// The CSR's public key, or a field error on `csr`.
fn checked_csr(csr_pem: &str, actor: &str) -> Result<Vec<u8>, AppError> {
    super::x509::verify_csr(&pem_or_der(csr_pem)).map_err(|e| {
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
    /// Its CRL partition (`crl::partition_of`): a new certificate names its corporation's CRL.
    corporation_id: i64,
    corporation_name: String,
    contract_id: String,
    user_id: Option<String>,
}

impl Subject {
    fn of(corp: &db::corporations::CorporationRow, user: Option<&db::users::UserRow>) -> Self {
        Self {
            corporation_id: corp.id,
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
    pki: &Pki,
    subject: Subject,
    csr_pem: &str,
    actor: &str,
    now: i64,
) -> Result<Issued, AppError> {
    let (ca, settings) = (pki.ca.clone(), pki.settings.clone());
    let (csr_pem, actor) = (csr_pem.to_owned(), actor.to_owned());
    pki.signing
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

/// Signs a certificate for the holder's key with a fresh serial ([`super::x509::random_serial`]: the
/// millisecond, then 80 random bits; the caller relies on the column's UNIQUE constraint, see
/// [`store_failed`]).
fn sign(
    ca: &CertificateAuthority,
    settings: &Settings,
    subject: &Subject,
    spki: &[u8],
    now: i64,
) -> Result<Issued, AppError> {
    let serial = super::x509::random_serial().to_bytes();
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
                crl_url: &super::crl::url(settings, subject.corporation_id),
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

/// 更新: with the current certificate (the caller judged it), a new certificate for a new key;
/// the current one is revoked as superseded in the same transaction, and its sessions end.
pub async fn renew(
    pki: &Pki,
    owner: &CertOwner,
    csr_pem: &str,
    client_addr: &str,
    now: i64,
) -> Result<AcquiredCertificate, AppError> {
    if !renewal_open(owner.not_after, now) {
        return Err(AppError::RenewalNotOpen);
    }
    let (corp, user) = owner.rows(&pki.db).await?.ok_or(AppError::Unauthenticated)?;
    let issued = verify_and_sign(pki, Subject::of(&corp, user.as_ref()), csr_pem, &owner.actor, now).await?;
    let mut tx = db::begin_write(&pki.db).await.map_err(|e| internal("begin", e))?;
    let live = db::certificates::live(&mut tx, owner.corporation_id, owner.user_pk)
        .await
        .map_err(|e| internal("live", e))?;
    if live.as_ref().and_then(|c| c.serial.as_deref()) != Some(owner.serial.as_slice()) {
        return Err(AppError::Conflict);
    }
    let holder = Holder {
        corporation_id: owner.corporation_id,
        name: owner.user_id.as_deref().unwrap_or(ADMIN_HOLDER),
        user_pk: owner.user_pk,
    };
    let actor = Actor { name: &owner.actor, corporation_id: Some(corp.id), client_addr };
    revoke_live(&mut tx, pki, actor, holder, reason::SUPERSEDED, now).await?;
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
        &Actor { name: &owner.actor, corporation_id: Some(corp.id), client_addr }.did(
            "certificate_renew",
            holder.name,
            &detail,
        ),
        now,
    )
    .await?;
    crate::ssr::telemetry::certificates_issued("renewal", 1);
    Ok(issued.acquired(&pki.ca))
}

/// The DER inside a PEM block (empty if it is not PEM, which the CSR check then refuses).
fn pem_or_der(text: &str) -> Vec<u8> {
    pem::parse(text).map(pem::Pem::into_contents).unwrap_or_default()
}

/// PEM armour around DER.
pub fn pem(label: &str, der: &[u8]) -> String {
    pem::encode(&pem::Pem::new(label, der.to_vec()))
}

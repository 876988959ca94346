//! Certificates: issue / reissue / revoke (inside the caller's transaction, with audit records),
//! the CRL (re-signed in the transaction of every revocation and before it expires), and the
//! server side of acquisition (CSR in, certificate out).

use super::audit::{self, Event, Outcome};
use super::ca::{self, ClientProfile, Revoked};
use super::db::{
    self,
    certificates::{CertRow, Completed, CrlRow},
    Tx,
};
use super::secret::Pin;
use super::{internal, AppState};
use crate::error::{AppError, Field, Problem};
use crate::model::{AcquiredCertificate, CertState};
use time::OffsetDateTime;

/// RFC 5280 CRLReason codes used here.
pub mod reason {
    pub const KEY_COMPROMISE: u8 = 1;
    pub const SUPERSEDED: u8 = 4;
    pub const CESSATION_OF_OPERATION: u8 = 5;

    pub fn name(code: i64) -> &'static str {
        match code {
            1 => "keyCompromise",
            3 => "affiliationChanged",
            4 => "superseded",
            5 => "cessationOfOperation",
            9 => "privilegeWithdrawn",
            _ => "unspecified",
        }
    }
}

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
    match row {
        Some(r) if r.state == "awaiting" => CertState::AwaitingAcquisition,
        Some(r) if r.state == "issued" => match r.not_after {
            Some(na) if na - now <= EXPIRING_SOON_SECS => CertState::ExpiringSoon,
            _ => CertState::InUse,
        },
        _ => CertState::None,
    }
}

/// Re-signs the CRL with every revoked certificate, inside `tx`.
pub async fn refresh_crl(tx: &mut Tx, state: &AppState, now: i64) -> Result<(), AppError> {
    let number = db::certificates::crl_number(tx).await.map_err(|e| internal("crl number", e))? + 1;
    let revoked: Vec<Revoked> = db::certificates::revoked(tx)
        .await
        .map_err(|e| internal("revoked", e))?
        .into_iter()
        .map(|(serial, at, reason)| Revoked {
            serial,
            at: odt(at),
            reason: u8::try_from(reason).unwrap_or(0),
        })
        .collect();
    let next = now + CRL_VALIDITY_SECS;
    let der = state
        .ca
        .sign_crl(&revoked, u64::try_from(number).unwrap_or(1), odt(now), odt(next))
        .map_err(|e| internal("sign crl", e))?;
    db::certificates::store_crl(tx, &CrlRow { number, this_update: now, next_update: next, der })
        .await
        .map_err(|e| internal("store crl", e))
}

/// Signs a CRL if there is none or it expires within a day (at start and periodically).
pub async fn ensure_fresh_crl(state: &AppState, now: i64) -> Result<(), AppError> {
    let current = db::certificates::crl(&state.db).await.map_err(|e| internal("crl", e))?;
    if current.is_some_and(|c| c.next_update - now > CRL_REFRESH_BEFORE_SECS) {
        return Ok(());
    }
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    refresh_crl(&mut tx, state, now).await?;
    audit::record(
        &mut tx,
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
    .map_err(|e| internal("audit", e))?;
    tx.commit().await.map_err(|e| internal("commit", e))
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
    if old.serial.is_some() {
        refresh_crl(tx, state, now).await?;
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

/// Server side of 電子証明書取得: checks the user's two PINs, the open issuance and its window,
/// verifies the CSR, issues the certificate with our profile and records it.
/// What 電子証明書取得 sends.
#[derive(Debug)]
pub struct AcquireRequest<'a> {
    pub contract_id: &'a str,
    pub user_id: &'a str,
    pub pin: &'a Pin,
    pub confirm_pin: &'a Pin,
    /// PKCS#10, PEM.
    pub csr_pem: &'a str,
}

pub async fn acquire(
    state: &AppState,
    req: &AcquireRequest<'_>,
    client_addr: &str,
    now: i64,
) -> Result<AcquiredCertificate, AppError> {
    let AcquireRequest { contract_id, user_id, pin, confirm_pin, csr_pem } = *req;
    let corp = db::corporations::find_by_contract_id(&state.db, contract_id)
        .await
        .map_err(|e| internal("corp", e))?;
    let user = match &corp {
        Some(c) => db::users::find(&state.db, c.id, user_id).await.map_err(|e| internal("user", e))?,
        None => None,
    };
    let pin_ok =
        state.pins.verify(user.as_ref().map(|u| &u.pin_hash.0), pin).await.map_err(|e| internal("pin", e))?;
    let confirm_ok = state
        .pins
        .verify(user.as_ref().map(|u| &u.confirm_pin_hash.0), confirm_pin)
        .await
        .map_err(|e| internal("pin", e))?;
    let actor = format!("user:{contract_id}/{user_id}");
    let (Some(corp), Some(user), true, true) = (corp, user, pin_ok, confirm_ok) else {
        return Err(AppError::LogonFailed);
    };
    if corp.suspended_at.is_some() || user.suspended || user.accident {
        return Err(AppError::NoOpenIssuance);
    }
    let spki = ca::verify_csr(&pem_or_der(csr_pem)).map_err(|e| {
        tracing::info!("refused CSR from {actor}: {e}");
        AppError::field(Field::Csr, Problem::Format)
    })?;

    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    let live =
        db::certificates::live(&mut tx, corp.id, Some(user.id)).await.map_err(|e| internal("live", e))?;
    let Some(issuance) = live.filter(|c| c.state == "awaiting") else {
        return Err(AppError::NoOpenIssuance);
    };
    if issuance.acquire_by <= now {
        return Err(AppError::AcquisitionExpired);
    }
    let serial = loop {
        let s = ca::random_serial().to_bytes();
        if !db::certificates::serial_exists(&mut tx, &s).await.map_err(|e| internal("serial", e))? {
            break s;
        }
    };
    let not_before = now - 300;
    let not_after = now + state.settings.certificate_validity_secs;
    let der = state
        .ca
        .issue_client(
            &spki,
            &ClientProfile {
                corporation_name: &corp.name,
                contract_id: &corp.contract_id,
                user_id: Some(&user.user_id),
                serial: &serial,
                not_before: odt(not_before),
                not_after: odt(not_after),
                crl_url: &state.settings.crl_url,
            },
        )
        .map_err(|e| internal("issue", e))?;
    db::certificates::complete(
        &mut tx,
        &Completed { id: issuance.id, serial: &serial, der: &der, not_before, not_after },
        now,
    )
    .await
    .map_err(|e| internal("complete", e))?;
    let detail = format!("serial={} not_after={not_after}", hex::encode(&serial));
    audit::record(
        &mut tx,
        &Event {
            actor: &actor,
            corporation_id: Some(corp.id),
            action: "certificate_acquire",
            target: &user.user_id,
            outcome: Outcome::Success,
            detail: &detail,
            client_addr,
        },
        now,
    )
    .await
    .map_err(|e| internal("audit", e))?;
    tx.commit().await.map_err(|e| internal("commit", e))?;
    Ok(AcquiredCertificate {
        certificate_pem: pem("CERTIFICATE", &der),
        chain_pem: state.ca.cert_pem().to_owned(),
        serial: hex::encode(&serial),
        not_after,
    })
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

/// The reason names the bank operator may give, with their RFC 5280 codes.
pub const REASONS: [(&str, u8); 6] = [
    ("unspecified", 0),
    ("keyCompromise", 1),
    ("affiliationChanged", 3),
    ("superseded", 4),
    ("cessationOfOperation", 5),
    ("privilegeWithdrawn", 9),
];

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
    if !db::certificates::revoke_serial(&mut tx, &serial, reason_code, now)
        .await
        .map_err(|e| internal("revoke", e))?
    {
        return Ok(false);
    }
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
    refresh_crl(&mut tx, state, now).await?;
    tx.commit().await.map_err(|e| internal("commit", e))?;
    Ok(true)
}

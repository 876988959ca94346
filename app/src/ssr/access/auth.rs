//! Logon, logoff and "who is calling": the use cases behind the authentication server functions.
//!
//! Logon failures are indistinguishable to the caller: unknown contract ID, wrong PIN and a
//! suspended contract all answer [`AppError::LogonFailed`] after the same amount of hashing work.
//! The audit log records the real reason.

use super::lockout::{self, Holder, PinKind};
use super::request::{Call, TlsClient};
use super::second_factor::{next_page, stage_after_pin};
use super::session::{self, LiveSession, Principal, Stage};
use crate::error::{AppError, CertProblem, Field, FieldError, Problem};
use crate::i18n::Lang;
use crate::model::{CertificateHolder, LogonHistory, LogonRecord};
use crate::ssr::audit::{self, Actor, Outcome};
use crate::ssr::db;
use crate::ssr::db::corporations::CorporationRow;
use crate::ssr::pki::{judge, CertOwner};
use crate::ssr::secret::{Pin, SessionToken};
use crate::ssr::{internal, telemetry, AppState};
use crate::validate;

/// How the audit log names whoever typed `contract_id` (and `user_id`, for a user): as typed
/// where it names a corporation (`corp`) and a user of it (`user`), else by a keyed hash
/// ([`crate::ssr::audit::IdKey::unknown`]) — typed text that matched nothing may be a PIN typed in
/// the wrong field, and is never recorded in clear.
pub fn typed_actor(
    state: &AppState,
    contract_id: &str,
    user_id: Option<&str>,
    corp: bool,
    user: bool,
) -> String {
    let ids = &state.audit_ids;
    match (user_id, corp, user) {
        (None, true, _) => format!("admin:{contract_id}"),
        (None, false, _) => format!("admin:{}", ids.unknown(contract_id)),
        (Some(u), true, true) => format!("user:{contract_id}/{u}"),
        (Some(u), true, false) => format!("user:{contract_id}/{}", ids.unknown(u)),
        (Some(u), false, _) => format!("user:{}", ids.unknown(&format!("{contract_id}/{u}"))),
    }
}

/// An authenticated administrator.
#[derive(Debug, Clone)]
pub struct AdminSession {
    /// The corporation's row, read with the session.
    pub corporation: CorporationRow,
    /// Logged on by certificate: its owner record (checked at this request).
    pub certificate: Option<CertOwner>,
}

/// An authenticated user.
#[derive(Debug, Clone)]
pub struct UserSession {
    /// The corporation's row, read with the session.
    pub corporation: CorporationRow,
    pub user_pk: i64,
    pub certificate: Option<CertOwner>,
    /// When this session's logon was (its absolute lifetime counts from there).
    pub logged_on_at: i64,
}

/// 管理者ログオン (ID・暗証番号方式). Returns the new logon's token and where it goes on (its
/// second factor, or 契約法人ステータス).
pub async fn admin_logon(
    state: &AppState,
    contract_id: &str,
    pin: &Pin,
    client_addr: &str,
    lang: Lang,
    now: i64,
) -> Result<(SessionToken, &'static str), AppError> {
    let errors = validate::admin_logon(contract_id, pin.expose());
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    super::throttle_attempt(state, client_addr, contract_id, now)?;

    let corp = db::corporations::find_by_contract_id(&state.db, contract_id)
        .await
        .map_err(|e| internal("logon lookup", e))?;
    let pin_ok = state
        .pins
        .verify(corp.as_ref().map(|c| &c.admin_pin_hash.0), pin)
        .await
        .map_err(|e| internal("pin verify", e))?;
    let step = match &corp {
        Some(c) if pin_ok => stage_after_pin(state, c, None).await?,
        _ => Stage::Full,
    };

    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    let who = corp.as_ref().map(|c| Holder::Admin(c.id));
    let outcome = match (lockout::check(&mut tx, state, who, &[(PinKind::Logon, pin_ok)], now).await?, &corp)
    {
        // 電子証明書方式 only: the ID logon gets the usual failure, whoever knows the PIN.
        (Ok(()), Some(c)) if c.admin_logon_method == "certificate" => {
            Err((AppError::LogonFailed, "logon method is certificate"))
        }
        (Ok(()), Some(c)) => {
            db::corporations::record_admin_logon(&mut tx, c.id, now, lang.code())
                .await
                .map_err(|e| internal("record logon", e))?;
            let principal = Principal::Admin { corporation_id: c.id };
            let token = session::open(&mut tx, &principal, None, client_addr, step, now).await?;
            Ok((token, next_page(step, "/admin/status")))
        }
        (Ok(()), None) => return Err(AppError::Internal),
        (Err(refusal), _) => Err(refusal),
    };
    let name = typed_actor(state, contract_id, None, corp.is_some(), false);
    let actor = Actor { name: &name, corporation_id: corp.as_ref().map(|c| c.id), client_addr };
    let result =
        audit::commit_attempt(tx, actor, "admin_logon", outcome, logon_detail("id_pin", step), now).await;
    telemetry::logon("id_pin", "admin", &result);
    result
}

/// The audit detail of a logon's PIN step: its method, and the second factor it goes on to.
fn logon_detail(method: &str, step: Stage) -> &'static str {
    match (method, step) {
        ("id_pin", Stage::Full) => "method=id_pin",
        ("id_pin", Stage::Code) => "method=id_pin; second factor asked",
        ("id_pin", Stage::Enrol) => "method=id_pin; second factor to be registered",
        (_, Stage::Full) => "method=certificate",
        (_, Stage::Code) => "method=certificate; second factor asked",
        (_, Stage::Enrol) => "method=certificate; second factor to be registered",
    }
}

/// Who is calling, decided at every request: a session (a logon waiting at its second factor
/// is none). On the certificate listener the presented certificate is judged first (so a
/// reissued certificate gets its clear message even though its sessions already ended); a
/// certificate session must come with exactly its certificate, and an ID session is refused
/// there. On the ID listener a certificate session is refused.
pub async fn authenticate(
    state: &AppState,
    token: Option<&SessionToken>,
    tls: Option<&TlsClient>,
    now: i64,
) -> Result<(LiveSession, Option<CertOwner>), AppError> {
    let (live, owner) = resume_any_stage(state, token, tls, now).await?;
    if live.stage != Stage::Full {
        return Err(AppError::Unauthenticated);
    }
    Ok((live, owner))
}

/// The caller's logon at whatever stage it is (the second factor's pages), checked as
/// [`authenticate`] checks a session.
pub async fn any_stage(call: &Call, now: i64) -> Result<(LiveSession, Option<CertOwner>), AppError> {
    let tls = call.parts.extensions.get::<TlsClient>();
    resume_any_stage(&call.state, call.session_token().as_ref(), tls, now).await
}

async fn resume_any_stage(
    state: &AppState,
    token: Option<&SessionToken>,
    tls: Option<&TlsClient>,
    now: i64,
) -> Result<(LiveSession, Option<CertOwner>), AppError> {
    let presented = match tls {
        Some(tls) => {
            let der = tls.certificate.as_deref().ok_or(AppError::CertificateRefused(CertProblem::Missing))?;
            Some(judge(&state.pki, der, now).await?)
        }
        None => None,
    };
    let token = token.ok_or(AppError::Unauthenticated)?;
    let live = session::resume(&state.db, &state.settings, token, now)
        .await
        .map_err(|e| internal("resume session", e))?
        .ok_or(AppError::Unauthenticated)?;
    match (&live.cert_serial, presented) {
        (None, None) => Ok((live, None)),
        (Some(serial), Some(owner)) if &owner.serial == serial => Ok((live, Some(owner))),
        (Some(_), Some(_)) => Err(AppError::CertificateRefused(CertProblem::Mismatch)),
        _ => Err(AppError::Unauthenticated),
    }
}

/// The administrator calling, or [`AppError::Unauthenticated`].
pub async fn require_admin(call: &Call, now: i64) -> Result<AdminSession, AppError> {
    let tls = call.parts.extensions.get::<TlsClient>();
    match authenticate(&call.state, call.session_token().as_ref(), tls, now).await? {
        (LiveSession { principal: Principal::Admin { corporation_id }, corporation, .. }, certificate) => {
            call.note_corporation(corporation_id);
            Ok(AdminSession { corporation, certificate })
        }
        _ => Err(AppError::Unauthenticated),
    }
}

/// The user calling, or [`AppError::Unauthenticated`]. A user who was locked, set 事故登録 or
/// deleted since logon is refused at the next request. With provisional PINs only the PIN change
/// is allowed (`pin_change`).
pub async fn require_user(call: &Call, now: i64, pin_change: bool) -> Result<UserSession, AppError> {
    let tls = call.parts.extensions.get::<TlsClient>();
    let token = call.session_token();
    let (
        LiveSession {
            principal: Principal::User { corporation_id, user_pk }, logged_on_at, corporation, ..
        },
        certificate,
    ) = authenticate(&call.state, token.as_ref(), tls, now).await?
    else {
        return Err(AppError::Unauthenticated);
    };
    call.note_corporation(corporation_id);
    let user = db::users::find_by_pk(&call.state.db, user_pk)
        .await
        .map_err(|e| internal("user", e))?
        .ok_or(AppError::Unauthenticated)?;
    if user.deleted_at.is_some() || user.suspended || user.accident {
        return Err(AppError::Unauthenticated);
    }
    if user.pins_provisional && !pin_change {
        return Err(AppError::PinChangeRequired);
    }
    Ok(UserSession { corporation, user_pk, certificate, logged_on_at })
}

/// The certificate presented on the certificate-logon origin, and whose it is.
pub async fn presented(call: &Call, now: i64) -> Result<(CertOwner, CertificateHolder), AppError> {
    let tls =
        call.parts.extensions.get::<TlsClient>().ok_or(AppError::CertificateRefused(CertProblem::Missing))?;
    let der = tls.certificate.as_deref().ok_or(AppError::CertificateRefused(CertProblem::Missing))?;
    let owner = judge(&call.state.pki, der, now).await?;
    let shown = CertificateHolder {
        corporation_name: owner.corporation_name.clone(),
        contract_id: owner.contract_id.clone(),
        user_id: owner.user_id.clone(),
        user_name: owner.user_name.clone(),
        not_after: owner.not_after,
    };
    Ok((owner, shown))
}

/// 電子証明書方式のログオン: the presented certificate names the person; only its owner's PIN is
/// asked (契約法人暗証番号 or 利用者暗証番号). The new session is bound to the certificate.
/// Returns the token and where to go next.
/// `field` is the PIN field of the form used: [`Field::Pin`] (administrator) or
/// [`Field::UserPin`]; a certificate of the other kind of holder is refused.
pub async fn certificate_logon(
    call: &Call,
    pin: &Pin,
    field: Field,
    now: i64,
) -> Result<(SessionToken, &'static str), AppError> {
    if let Err(problem) = validate::logon_pin(pin.expose()) {
        return Err(AppError::field(field, problem));
    }
    let (owner, _) = presented(call, now).await?;
    if owner.user_pk.is_some() != (field == Field::UserPin) {
        return Err(AppError::Forbidden);
    }
    super::throttle_attempt(&call.state, &call.client_addr, &owner.actor, now)?;
    let state = &call.state;
    let (corp, user) = owner.rows(&state.db).await?.ok_or(AppError::LogonFailed)?;
    let hash = match &user {
        Some(u) => &u.pin_hash.0,
        None => &corp.admin_pin_hash.0,
    };
    let pin_ok = state.pins.verify(Some(hash), pin).await.map_err(|e| internal("pin verify", e))?;
    let step =
        if pin_ok { stage_after_pin(state, &corp, user.as_ref().map(|u| u.id)).await? } else { Stage::Full };
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    let who = match &user {
        Some(u) => Holder::User(corp.id, u.id),
        None => Holder::Admin(corp.id),
    };
    let outcome = match lockout::check(&mut tx, state, Some(who), &[(PinKind::Logon, pin_ok)], now).await? {
        Ok(()) => {
            let principal = if let Some(u) = &user {
                db::users::record_logon(&mut tx, u.id, now, call.lang().code())
                    .await
                    .map_err(|e| internal("record logon", e))?;
                Principal::User { corporation_id: corp.id, user_pk: u.id }
            } else {
                db::corporations::record_admin_logon(&mut tx, corp.id, now, call.lang().code())
                    .await
                    .map_err(|e| internal("record logon", e))?;
                Principal::Admin { corporation_id: corp.id }
            };
            let token =
                session::open(&mut tx, &principal, Some(&owner.serial), &call.client_addr, step, now).await?;
            let next = match &user {
                Some(u) if u.pins_provisional => "/user/pins",
                Some(_) => "/user/status",
                None => "/admin/status",
            };
            Ok((token, next_page(step, next)))
        }
        Err(refusal) => Err(refusal),
    };
    let detail = format!(
        "{} serial={}{}",
        logon_detail("certificate", step),
        hex::encode(&owner.serial),
        outcome.as_ref().err().map(|(_, reason)| format!(" {reason}")).unwrap_or_default()
    );
    audit::commit_with(
        tx,
        &Actor { name: &owner.actor, corporation_id: Some(corp.id), client_addr: &call.client_addr }.event(
            if user.is_some() { "user_logon" } else { "admin_logon" },
            "",
            if outcome.is_ok() { Outcome::Success } else { Outcome::Failure },
            &detail,
        ),
        now,
    )
    .await?;
    let result = outcome.map_err(|(answer, _)| answer);
    telemetry::logon("certificate", if user.is_some() { "user" } else { "admin" }, &result);
    result
}

/// 利用者ログオン (ID・暗証番号方式). Returns the token and where to go next (the PIN change
/// while the PINs are provisional). Unknown corporation or user, wrong PIN, and a user who may
/// not log on (利用停止, 事故登録, 登録抹消, 契約法人利用中止) all get one generic answer; a right PIN
/// of a user whose method is 電子証明書方式 is told to use the certificate.
pub async fn user_logon(
    state: &AppState,
    contract_id: &str,
    user_id: &str,
    pin: &Pin,
    (client_addr, lang): (&str, Lang),
    now: i64,
) -> Result<(SessionToken, &'static str), AppError> {
    let errors = validate::user_logon(contract_id, user_id, pin.expose());
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    super::throttle_attempt(state, client_addr, &format!("{contract_id}/{user_id}"), now)?;
    let corp = db::corporations::find_by_contract_id(&state.db, contract_id)
        .await
        .map_err(|e| internal("logon lookup", e))?;
    let user = match &corp {
        Some(c) => {
            db::users::find(&state.db, c.id, user_id).await.map_err(|e| internal("logon lookup", e))?
        }
        None => None,
    };
    let pin_ok = state
        .pins
        .verify(user.as_ref().map(|u| &u.pin_hash.0), pin)
        .await
        .map_err(|e| internal("pin verify", e))?;
    let step = match (&corp, &user) {
        (Some(c), Some(u)) if pin_ok && u.logon_method != "certificate" => {
            stage_after_pin(state, c, Some(u.id)).await?
        }
        _ => Stage::Full,
    };
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    let who = corp.as_ref().zip(user.as_ref()).map(|(c, u)| Holder::User(c.id, u.id));
    let outcome =
        match (lockout::check(&mut tx, state, who, &[(PinKind::Logon, pin_ok)], now).await?, &corp, &user) {
            (Ok(()), _, Some(u)) if u.logon_method == "certificate" => {
                Err((AppError::UseCertificateLogon, "logon method is certificate"))
            }
            (Ok(()), Some(c), Some(u)) => {
                db::users::record_logon(&mut tx, u.id, now, lang.code())
                    .await
                    .map_err(|e| internal("record logon", e))?;
                let principal = Principal::User { corporation_id: c.id, user_pk: u.id };
                let token = session::open(&mut tx, &principal, None, client_addr, step, now).await?;
                Ok((token, next_page(step, if u.pins_provisional { "/user/pins" } else { "/user/status" })))
            }
            (Ok(()), _, _) => return Err(AppError::Internal),
            (Err(refusal), _, _) => Err(refusal),
        };
    let name = typed_actor(state, contract_id, Some(user_id), corp.is_some(), user.is_some());
    let actor = Actor { name: &name, corporation_id: corp.as_ref().map(|c| c.id), client_addr };
    let result =
        audit::commit_attempt(tx, actor, "user_logon", outcome, logon_detail("id_pin", step), now).await;
    telemetry::logon("id_pin", "user", &result);
    result
}

/// What 暗証番号変更 sends: both new PINs, each twice (利用者暗証番号, again, 利用者確認暗証番号,
/// again), and the PINs the person has now (asked when they are final; empty otherwise).
pub struct PinChange<'a> {
    pub new_pins: [&'a str; 4],
    pub current_pin: &'a str,
    pub current_confirm_pin: &'a str,
}

/// 暗証番号変更: both PINs become final. Provisional PINs (first logon) are replaced as they are;
/// final ones only with the current 利用者暗証番号 and 利用者確認暗証番号, each checked (throttled)
/// and counted toward the lock like a logon's PIN — so a logged-on browser left alone does not
/// let anyone set the PINs. Every session of the user ends and the caller continues on a new one
/// (returned), whose absolute lifetime still counts from the logon.
pub async fn change_pins(
    state: &AppState,
    user: &UserSession,
    change: &PinChange<'_>,
    client_addr: &str,
    now: i64,
) -> Result<SessionToken, AppError> {
    let row = db::users::find_by_pk(&state.db, user.user_pk)
        .await
        .map_err(|e| internal("user", e))?
        .ok_or(AppError::Unauthenticated)?;
    let current = (!row.pins_provisional).then_some([change.current_pin, change.current_confirm_pin]);
    let errors = validate::pin_change(change.new_pins, current);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let corp = &user.corporation;
    let actor_name = format!("user:{}/{}", corp.contract_id, row.user_id);
    let actor = Actor { name: &actor_name, corporation_id: Some(corp.id), client_addr };
    let who = Holder::User(corp.id, row.id);
    let new_pins = change.new_pins;
    let (pin, confirm) = (Pin::new(new_pins[0].to_owned()), Pin::new(new_pins[2].to_owned()));
    // Final PINs: the current ones first (wrong ones counted, and nothing else told).
    let typed = if current.is_some() {
        super::throttle_attempt(state, client_addr, &format!("{}/{}", corp.contract_id, row.user_id), now)?;
        let (now_pin, now_confirm) =
            (Pin::new(change.current_pin.to_owned()), Pin::new(change.current_confirm_pin.to_owned()));
        let (pin_ok, confirm_ok) = tokio::join!(
            state.pins.verify(Some(&row.pin_hash.0), &now_pin),
            state.pins.verify(Some(&row.confirm_pin_hash.0), &now_confirm)
        );
        let typed = [
            (PinKind::Logon, pin_ok.map_err(|e| internal("pin", e))?),
            (PinKind::Confirm, confirm_ok.map_err(|e| internal("pin", e))?),
        ];
        if typed.iter().any(|&(_, ok)| !ok) {
            let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
            let refusal = lockout::check(&mut tx, state, Some(who), &typed, now).await?;
            let Err((answer, reason)) = refusal else { return Err(AppError::Internal) };
            refused_pin_change(tx, actor, &row.user_id, reason, now).await?;
            return Err(match answer {
                AppError::LogonFailed => AppError::Invalid(
                    [(Field::CurrentUserPin, typed[0].1), (Field::CurrentUserConfirmPin, typed[1].1)]
                        .into_iter()
                        .filter(|&(_, ok)| !ok)
                        .map(|(field, _)| FieldError { field, problem: Problem::Wrong })
                        .collect(),
                ),
                locked => locked,
            });
        }
        Some(typed)
    } else {
        None
    };
    // A "change" to the same PIN is no change: compared with the current PINs as typed (known
    // right by now), or for provisional ones with the stored hashes (each pair of hashes runs at
    // once on two of the pool's threads).
    let (same_pin, same_confirm) = if typed.is_some() {
        (new_pins[0] == change.current_pin, new_pins[2] == change.current_confirm_pin)
    } else {
        let (same_pin, same_confirm) = tokio::join!(
            state.pins.verify(Some(&row.pin_hash.0), &pin),
            state.pins.verify(Some(&row.confirm_pin_hash.0), &confirm)
        );
        (same_pin.map_err(|e| internal("pin", e))?, same_confirm.map_err(|e| internal("pin", e))?)
    };
    if same_pin {
        return Err(AppError::field(Field::UserPin, Problem::SameAsOld));
    }
    if same_confirm {
        return Err(AppError::field(Field::UserConfirmPin, Problem::SameAsOld));
    }
    let (pin_hash, confirm_hash) = tokio::join!(state.pins.hash(&pin), state.pins.hash(&confirm));
    let (pin_hash, confirm_hash) =
        (pin_hash.map_err(|e| internal("hash", e))?, confirm_hash.map_err(|e| internal("hash", e))?);
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    if let Some(typed) = typed {
        // Right: their counts start again — unless a lock came in between (re-read here).
        if let Err((answer, reason)) = lockout::check(&mut tx, state, Some(who), &typed, now).await? {
            refused_pin_change(tx, actor, &row.user_id, reason, now).await?;
            return Err(answer);
        }
    }
    db::users::set_final_pins(&mut tx, row.id, &pin_hash, &confirm_hash)
        .await
        .map_err(|e| internal("pins", e))?;
    // Every session of the user ends, this one included: the caller gets a new one (a new
    // token after a change of credentials), bound to the same certificate if any, and as old as
    // the logon it continues.
    db::sessions::delete_others(&mut tx, user.corporation.id, Some(row.id), &[])
        .await
        .map_err(|e| internal("sessions", e))?;
    let principal = Principal::User { corporation_id: user.corporation.id, user_pk: row.id };
    let serial = user.certificate.as_ref().map(|c| c.serial.as_slice());
    let token = session::rotate(&mut tx, &principal, serial, client_addr, user.logged_on_at, now).await?;
    let said = crate::ssr::outbox::texts::Said {
        kind: "pins_changed",
        subject: ("暗証番号変更のお知らせ", "Your PINs were changed"),
        lines: (
            "利用者暗証番号と利用者確認暗証番号が変更されました。",
            "Your user PIN and user confirmation PIN have been changed.",
        ),
    };
    crate::ssr::pki::lifecycle::tell(&mut tx, &state.pki, corp.id, Some(row.id), &said, false, now).await?;
    let detail = if current.is_some() { "both PINs; current PINs given" } else { "both PINs (provisional)" };
    audit::commit_with(tx, &actor.did("user_pin_change", &row.user_id, detail), now).await?;
    Ok(token)
}

/// Commits `tx` (the lock counts of a refused 暗証番号変更) with its audit record.
async fn refused_pin_change(
    tx: db::WriteTx,
    actor: Actor<'_>,
    user_id: &str,
    reason: &str,
    now: i64,
) -> Result<(), AppError> {
    let detail = format!("current pins: {reason}");
    audit::commit_with(tx, &actor.event("user_pin_change", user_id, Outcome::Failure, &detail), now).await
}

/// ログオフ: ends the session on the server. Logging off twice is harmless.
pub async fn logoff(
    state: &AppState,
    token: Option<&SessionToken>,
    client_addr: &str,
    now: i64,
) -> Result<(), AppError> {
    let Some(token) = token else { return Ok(()) };
    let live = session::resume(&state.db, &state.settings, token, now)
        .await
        .map_err(|e| internal("resume session", e))?;
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    db::sessions::delete(&mut tx, &session::token_hash(token))
        .await
        .map_err(|e| internal("delete session", e))?;
    if let Some(live) = live {
        let (corporation_id, user_pk) = match live.principal {
            Principal::Admin { corporation_id } => (corporation_id, None),
            Principal::User { corporation_id, user_pk } => (corporation_id, Some(user_pk)),
        };
        // ログオフ ends every session of this person (other tabs, other browsers).
        db::sessions::delete_others(&mut tx, corporation_id, user_pk, &[])
            .await
            .map_err(|e| internal("delete sessions", e))?;
        let corp = &live.corporation.contract_id;
        let (actor, action) = match user_pk {
            None => (format!("admin:{corp}"), "admin_logoff"),
            Some(pk) => {
                let user = db::users::find_by_pk(&state.db, pk).await.map_err(|e| internal("lookup", e))?;
                (format!("user:{corp}/{}", user.map(|u| u.user_id).unwrap_or_default()), "user_logoff")
            }
        };
        audit::write(
            &mut tx,
            &Actor { name: &actor, corporation_id: Some(corporation_id), client_addr }.did(action, "", ""),
            now,
        )
        .await?;
    }
    tx.commit().await.map_err(|e| internal("commit", e))
}

/// ログオン履歴 of a status screen for the person the audit log names `actor`: their last three
/// logons that opened a session, and the attempts that failed since the one before the newest
/// (the person's previous logon): failures just before the newest logon count too.
pub async fn logon_history(
    state: &AppState,
    corporation_id: i64,
    actor: &str,
) -> Result<LogonHistory, AppError> {
    let (rows, failed) = db::audit::logon_history(&state.db, corporation_id, actor, 3)
        .await
        .map_err(|e| internal("logon history", e))?;
    let recent = rows
        .into_iter()
        .map(|(_, at, detail, client_addr)| LogonRecord {
            at,
            by_certificate: detail.split("; ").any(|p| p == "method=certificate"),
            second_factor: detail
                .split("; ")
                .find_map(|p| p.strip_prefix("second_factor="))
                .map(str::to_owned),
            client_addr,
        })
        .collect();
    Ok(LogonHistory { recent, failed })
}

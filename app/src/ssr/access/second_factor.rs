//! The second factor: ワンタイムパスワード (TOTP, RFC 6238) at logon and on the administrator's
//! changes, and what it shares with パスキー ([`super::passkeys`]): the policy, the logon's
//! stages, and the end of a registration.
//!
//! The contract's policy (`off`, `optional`, `required`, set by the bank operator) decides
//! whether it is used at all. After the right PIN (and certificate) a person with a registered
//! factor gets a logon at [`Stage::Code`]; under `required` a person without one gets
//! [`Stage::Enrol`] and registers one first. Neither stage opens any screen: the session exists
//! only once the code was right ([`logon_code`], [`register`]).
//!
//! A code is good once: its time step must be later than the last one accepted, which is
//! compared and moved in one statement inside the write transaction. Wrong codes at logon and on
//! the administrator's changes count toward the lock like wrong PINs (their own count,
//! [`PinKind::Code`]). The secret is stored sealed under the server's key ([`crate::ssr::seal`]).

use super::lockout::{self, Holder, PinKind};
use super::request::Call;
use super::session::{self, LiveSession, Principal, Stage};
use crate::error::{AppError, Field, Problem};
use crate::model::LogonFactors;
use crate::ssr::audit::{self, Actor, Outcome};
use crate::ssr::db::{self, corporations::CorporationRow, users::UserRow};
use crate::ssr::outbox::texts::Said;
use crate::ssr::secret::SessionToken;
use crate::ssr::{internal, otp, AppState};
use zeroize::Zeroizing;

/// A pending registration's secret is shown again (rather than replaced) for this long.
const PENDING_SECS: i64 = 600;

/// What the associated data of a person's sealed secret says: whose it is.
pub fn sealed_for(corporation_id: i64, user_pk: Option<i64>) -> String {
    match user_pk {
        Some(pk) => format!("totp:{corporation_id}:user:{pk}"),
        None => format!("totp:{corporation_id}:admin"),
    }
}

/// A person's confirmed TOTP secret, opened.
pub struct Factor {
    id: i64,
    last_step: i64,
    secret: Zeroizing<Vec<u8>>,
}

fn db_err(context: &'static str) -> impl Fn(sqlx::Error) -> AppError {
    move |e| internal(context, e)
}

fn open_secret(
    state: &AppState,
    corporation_id: i64,
    user_pk: Option<i64>,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, AppError> {
    state.sealer.open(&sealed_for(corporation_id, user_pk), sealed).map_err(|e| internal("totp secret", e))
}

/// The person's second factor if the contract uses second factors and one is registered.
pub async fn active(
    state: &AppState,
    corp: &CorporationRow,
    user_pk: Option<i64>,
) -> Result<Option<Factor>, AppError> {
    if corp.second_factor == "off" {
        return Ok(None);
    }
    let Some(row) = db::second_factor::find(&state.db, corp.id, user_pk).await.map_err(db_err("totp"))?
    else {
        return Ok(None);
    };
    if row.confirmed_at.is_none() {
        return Ok(None);
    }
    let secret = open_secret(state, corp.id, user_pk, &row.sealed)?;
    Ok(Some(Factor { id: row.id, last_step: row.last_step, secret }))
}

/// What a status screen shows: whether the person registered a second factor, or `None` when
/// the contract does not use them.
pub async fn registered(
    state: &AppState,
    corp: &CorporationRow,
    user_pk: Option<i64>,
) -> Result<Option<bool>, AppError> {
    if corp.second_factor == "off" {
        return Ok(None);
    }
    Ok(Some(factors(state, corp.id, user_pk).await?.any()))
}

/// Which second factors the person registered (whatever the contract's policy).
pub async fn factors(
    state: &AppState,
    corporation_id: i64,
    user_pk: Option<i64>,
) -> Result<LogonFactors, AppError> {
    db::second_factor::registered(&state.db, corporation_id, user_pk).await.map_err(db_err("second factor"))
}

/// How a logon whose PINs were right goes on: straight to a session, to the code, or to the
/// registration the contract requires.
pub async fn stage_after_pin(
    state: &AppState,
    corp: &CorporationRow,
    user_pk: Option<i64>,
) -> Result<Stage, AppError> {
    Ok(match registered(state, corp, user_pk).await? {
        Some(true) => Stage::Code,
        Some(false) if corp.second_factor == "required" => Stage::Enrol,
        _ => Stage::Full,
    })
}

/// Where a logon at `stage` continues: the code, the registration, or (a session) the screens.
pub fn next_page(stage: Stage, full: &'static str) -> &'static str {
    match stage {
        Stage::Full => full,
        Stage::Code => "/logon/code",
        Stage::Enrol => "/otp/register",
    }
}

/// Accepts `typed` as the factor's current code inside `tx`: right, and of a time step later than
/// every one accepted before. Returns whether it was.
pub async fn accept(tx: &mut db::Tx, factor: &Factor, typed: &str, now: i64) -> Result<bool, AppError> {
    if !otp::well_formed(typed) {
        return Ok(false);
    }
    match otp::matching_step(&factor.secret, typed, now, factor.last_step) {
        Some(step) => {
            db::second_factor::accept_step(tx, factor.id, step, false, now).await.map_err(db_err("totp step"))
        }
        None => Ok(false),
    }
}

/// What is wrong with the shape of a typed code (required, six digits), if anything.
pub fn shape_problem(typed: &str) -> Option<Problem> {
    if typed.is_empty() {
        Some(Problem::Required)
    } else if otp::well_formed(typed) {
        None
    } else {
        Some(Problem::Format)
    }
}

fn check_shape(typed: &str) -> Result<(), AppError> {
    shape_problem(typed).map_or(Ok(()), |problem| Err(AppError::field(Field::Code, problem)))
}

/// The caller's logon (at any stage), its corporation, and its user row (users).
pub(super) struct Caller {
    pub(super) live: LiveSession,
    token_hash: Vec<u8>,
    pub(super) user: Option<UserRow>,
}

impl Caller {
    pub(super) async fn of(call: &Call, now: i64) -> Result<Self, AppError> {
        let token = call.session_token().ok_or(AppError::Unauthenticated)?;
        let (live, _) = super::auth::any_stage(call, now).await?;
        let state = &call.state;
        let (corporation_id, user_pk) = match live.principal {
            Principal::Admin { corporation_id } => (corporation_id, None),
            Principal::User { corporation_id, user_pk } => (corporation_id, Some(user_pk)),
        };
        call.note_corporation(corporation_id);
        let user = match user_pk {
            Some(pk) => Some(
                db::users::find_by_pk(&state.db, pk)
                    .await
                    .map_err(db_err("user"))?
                    .ok_or(AppError::Unauthenticated)?,
            ),
            None => None,
        };
        Ok(Self { token_hash: session::token_hash(&token), live, user })
    }

    pub(super) fn corp(&self) -> &CorporationRow {
        &self.live.corporation
    }

    pub(super) fn user_pk(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }

    pub(super) fn holder(&self) -> Holder {
        match &self.user {
            Some(u) => Holder::User(self.corp().id, u.id),
            None => Holder::Admin(self.corp().id),
        }
    }

    /// How the audit log and the authenticator app name the person.
    pub(super) fn name(&self) -> String {
        match &self.user {
            Some(u) => format!("user:{}/{}", self.corp().contract_id, u.user_id),
            None => format!("admin:{}", self.corp().contract_id),
        }
    }

    pub(super) fn account(&self) -> String {
        match &self.user {
            Some(u) => format!("{}/{}", self.corp().contract_id, u.user_id),
            None => self.corp().contract_id.clone(),
        }
    }

    /// The audit detail of the logon's second step by `factor`: with the first step's method.
    pub(super) fn logon_detail(&self, factor: &str) -> &'static str {
        match (self.live.cert_serial.is_some(), factor) {
            (false, "totp") => "method=id_pin; second_factor=totp",
            (true, "totp") => "method=certificate; second_factor=totp",
            (false, _) => "method=id_pin; second_factor=passkey",
            (true, _) => "method=certificate; second_factor=passkey",
        }
    }

    /// The screens a session of this person opens on.
    pub(super) fn first_page(&self) -> &'static str {
        match &self.user {
            Some(u) if u.pins_provisional => "/user/pins",
            Some(_) => "/user/status",
            None => "/admin/status",
        }
    }

    /// The logon's session replacing its waiting row inside `tx`: bound to the same certificate.
    pub(super) async fn open_session(
        &self,
        tx: &mut db::Tx,
        addr: &str,
        now: i64,
    ) -> Result<SessionToken, AppError> {
        db::sessions::delete(tx, &self.token_hash).await.map_err(db_err("session"))?;
        session::open(tx, &self.live.principal, self.live.cert_serial.as_deref(), addr, Stage::Full, now)
            .await
    }
}

/// The second step of a logon at [`Stage::Code`]: the one-time password. Right: the session
/// (token) and where it opens; wrong: counted toward the lock, and the code field refused.
pub async fn logon_code(call: &Call, code: &str, now: i64) -> Result<(SessionToken, &'static str), AppError> {
    let caller = Caller::of(call, now).await?;
    if caller.live.stage != Stage::Code {
        return Err(AppError::Unauthenticated);
    }
    check_shape(code)?;
    let state = &call.state;
    let name = caller.name();
    super::throttle_attempt(state, &call.client_addr, &caller.account(), now)?;
    // Removed meanwhile (by the administrator or the bank): the logon starts again.
    let factor = active(state, caller.corp(), caller.user_pk()).await?.ok_or(AppError::Unauthenticated)?;
    let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
    let right = accept(&mut tx, &factor, code, now).await?;
    let outcome =
        match lockout::check(&mut tx, state, Some(caller.holder()), &[(PinKind::Code, right)], now).await? {
            Ok(()) => Ok((caller.open_session(&mut tx, &call.client_addr, now).await?, caller.first_page())),
            Err(refusal) => Err(refusal),
        };
    let action = if caller.user.is_some() { "user_logon" } else { "admin_logon" };
    let actor = Actor { name: &name, corporation_id: Some(caller.corp().id), client_addr: &call.client_addr };
    let result = audit::commit_attempt(tx, actor, action, outcome, caller.logon_detail("totp"), now).await;
    crate::ssr::telemetry::logon("totp", if caller.user.is_some() { "user" } else { "admin" }, &result);
    result.map_err(|e| match e {
        AppError::LogonFailed => AppError::field(Field::Code, Problem::Wrong),
        other => other,
    })
}

/// The second factors a logon at [`Stage::Code`] can answer with (passkeys only where the
/// server can use them).
pub async fn logon_factors(call: &Call, now: i64) -> Result<LogonFactors, AppError> {
    let caller = Caller::of(call, now).await?;
    if caller.live.stage != Stage::Code {
        return Err(AppError::Unauthenticated);
    }
    let factors = factors(&call.state, caller.corp().id, caller.user_pk()).await?;
    Ok(LogonFactors { passkey: factors.passkey && super::passkeys::available(&call.state), ..factors })
}

/// What ワンタイムパスワード利用登録 shows: the secret (as text and as the QR code of its
/// `otpauth://` URI) — once registered, nothing but that.
pub struct Registration {
    pub registered: bool,
    /// The logon waits for it ([`Stage::Enrol`]).
    pub required: bool,
    pub account: String,
    pub secret: Zeroizing<String>,
    pub qr_svg: String,
}

/// Whether the caller may register a second factor: a logon at [`Stage::Enrol`], or a session
/// of a contract that uses second factors (a user with final PINs).
pub(super) fn may_register(caller: &Caller) -> Result<(), AppError> {
    match caller.live.stage {
        Stage::Code => Err(AppError::Unauthenticated),
        Stage::Full if caller.corp().second_factor == "off" => Err(AppError::Forbidden),
        Stage::Full if caller.user.as_ref().is_some_and(|u| u.pins_provisional) => {
            Err(AppError::PinChangeRequired)
        }
        Stage::Enrol | Stage::Full => Ok(()),
    }
}

/// ワンタイムパスワード利用登録 (page): the pending secret (made now, or the one made in the last ten
/// minutes, so that a reload shows the same QR code the app may have scanned already).
pub async fn registration(call: &Call, now: i64) -> Result<Registration, AppError> {
    let caller = Caller::of(call, now).await?;
    may_register(&caller)?;
    let state = &call.state;
    let (corp_id, user_pk) = (caller.corp().id, caller.user_pk());
    let row = db::second_factor::find(&state.db, corp_id, user_pk).await.map_err(db_err("totp"))?;
    let secret = match row {
        Some(r) if r.confirmed_at.is_some() => {
            return Ok(Registration {
                registered: true,
                required: false,
                account: caller.account(),
                secret: Zeroizing::default(),
                qr_svg: String::new(),
            })
        }
        Some(r) if r.created_at + PENDING_SECS > now => open_secret(state, corp_id, user_pk, &r.sealed)?,
        _ => {
            let secret = otp::new_secret();
            let sealed =
                state.sealer.seal(&sealed_for(corp_id, user_pk), &secret).map_err(|e| internal("seal", e))?;
            let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
            if !db::second_factor::put_pending(&mut tx, corp_id, user_pk, &sealed, now)
                .await
                .map_err(db_err("totp"))?
            {
                return Err(AppError::Conflict);
            }
            tx.commit().await.map_err(db_err("commit"))?;
            secret
        }
    };
    let uri = otp::uri(&caller.account(), &secret);
    Ok(Registration {
        registered: false,
        required: caller.live.stage == Stage::Enrol,
        account: caller.account(),
        secret: otp::grouped(&secret),
        qr_svg: otp::qr_svg(&uri).map_err(|e| internal("qr code", e))?,
    })
}

/// ワンタイムパスワード利用登録 [登録]: a current code of the pending secret completes it. Returns
/// where the person goes on: from a logon at [`Stage::Enrol`], the new session's token and its
/// first screen; from a session, back to its status screen.
pub async fn register(
    call: &Call,
    code: &str,
    now: i64,
) -> Result<(Option<SessionToken>, &'static str), AppError> {
    let caller = Caller::of(call, now).await?;
    may_register(&caller)?;
    check_shape(code)?;
    let state = &call.state;
    let name = caller.name();
    super::throttle_attempt(state, &call.client_addr, &caller.account(), now)?;
    let (corp_id, user_pk) = (caller.corp().id, caller.user_pk());
    let row = db::second_factor::find(&state.db, corp_id, user_pk)
        .await
        .map_err(db_err("totp"))?
        .filter(|r| r.confirmed_at.is_none())
        .ok_or(AppError::Conflict)?;
    let secret = open_secret(state, corp_id, user_pk, &row.sealed)?;
    let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
    let right = match otp::matching_step(&secret, code, now, row.last_step) {
        Some(step) => {
            db::second_factor::accept_step(&mut tx, row.id, step, true, now).await.map_err(db_err("totp"))?
        }
        None => false,
    };
    let actor = Actor { name: &name, corporation_id: Some(corp_id), client_addr: &call.client_addr };
    if !right {
        // A wrong first code is a mistyping of the secret just shown, not a guess: not counted.
        audit::commit_with(
            tx,
            &actor.event("second_factor_register", "", Outcome::Failure, "method=totp; wrong code"),
            now,
        )
        .await?;
        return Err(AppError::field(Field::Code, Problem::Wrong));
    }
    let said = Said {
        kind: "second_factor_registered",
        subject: ("ワンタイムパスワード利用登録のお知らせ", "One-time passwords registered"),
        lines: (
            "ワンタイムパスワードが登録されました。お心当たりのない場合は管理者（管理者の方はお取引銀行）にお申し出ください。",
            "A one-time password app was registered for your logon. If this was not you, tell your administrator (administrators: your bank).",
        ),
    };
    Ok(match completed(call, &caller, tx, &said, "method=totp", now).await? {
        Some((token, first)) => (Some(token), first),
        None if caller.user.is_some() => (None, "/user/status?done=otp"),
        None => (None, "/admin/status?done=otp"),
    })
}

/// A registration (ワンタイムパスワード or パスキー) whose proof was right, finished inside `tx`: unless
/// the person was locked, put under 事故登録 or deleted since the page was shown, they are told
/// by notice, the audit records `detail`, and a logon at [`Stage::Enrol`] becomes a session:
/// its token and first screen are returned.
pub(super) async fn completed(
    call: &Call,
    caller: &Caller,
    mut tx: db::WriteTx,
    said: &Said<'_>,
    detail: &str,
    now: i64,
) -> Result<Option<(SessionToken, &'static str)>, AppError> {
    let state = &call.state;
    if let Err((answer, _)) = lockout::check(&mut tx, state, Some(caller.holder()), &[], now).await? {
        return Err(answer);
    }
    let (corp_id, user_pk) = (caller.corp().id, caller.user_pk());
    crate::ssr::pki::lifecycle::tell(&mut tx, &state.pki, corp_id, user_pk, said, false, now).await?;
    let opened = match caller.live.stage {
        Stage::Enrol => {
            Some((caller.open_session(&mut tx, &call.client_addr, now).await?, caller.first_page()))
        }
        _ => None,
    };
    let name = caller.name();
    let actor = Actor { name: &name, corporation_id: Some(corp_id), client_addr: &call.client_addr };
    audit::commit_with(tx, &actor.did("second_factor_register", "", detail), now).await?;
    Ok(opened)
}

/// The notice a person gets when their second factor is removed by someone else.
pub fn removed_notice() -> Said<'static> {
    Said {
        kind: "second_factor_removed",
        subject: ("ワンタイムパスワード登録解除のお知らせ", "One-time passwords removed"),
        lines: (
            "ワンタイムパスワードの登録が解除されました。次回ログオン時に必要に応じて再登録してください。",
            "Your one-time password app was removed. Register it again at your next logon if asked.",
        ),
    }
}

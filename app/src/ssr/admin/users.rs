//! 利用者情報登録/変更 and 登録抹消: the administrator's use cases on users.
//!
//! Every change needs the 契約法人確認暗証番号; a wrong one changes nothing (and is audited).
//! Fields are validated with the same rules the browser runs (`crate::validate`). Each change is
//! one transaction together with its audit record. Every lookup is scoped to the administrator's
//! corporation, so another corporation's user IDs are "not found".

use crate::error::{AppError, Field, FieldError, Problem};
use crate::model::{
    BulkReissued, Changed, FileSettings, LogonFactors, LogonMethod, SkipReason, UserDetail, UserList,
    UserSummary,
};
use crate::ssr::access::auth::AdminSession;
use crate::ssr::access::lockout::{self, PinKind};
use crate::ssr::access::throttle_attempt;
use crate::ssr::access::{passkeys, second_factor};
use crate::ssr::audit::{self, Actor, Outcome};
use crate::ssr::db::{self, corporations::CorporationRow, users::NewUser, users::UserFields};
use crate::ssr::pki::lifecycle::{self as certs, Holder};
use crate::ssr::pki::reason;
use crate::ssr::secret::{Pin, PinHash};
use crate::ssr::{internal, AppState};
use crate::validate;

/// What the 利用者情報登録 / 変更 form sends. Its PINs are [`Pin`]s, so `Debug` never prints them.
#[derive(Debug, Clone, Default)]
pub struct UserInput {
    /// Only on 新規登録.
    pub user_id: Option<String>,
    pub name: String,
    pub email: String,
    pub pin: Pin,
    pub pin_again: Pin,
    pub confirm_pin: Pin,
    pub confirm_pin_again: Pin,
    pub logon_method: String,
    pub online: [bool; 7],
    pub file: [bool; 3],
    pub accident: bool,
    /// 利用停止解除 (only meaningful on 変更).
    pub unlock: bool,
    /// 「電子証明書を発行する」 (新規登録) / 「現在の電子証明書を失効し、再発行する。」 (変更).
    pub issue_certificate: bool,
    /// The device was lost: revoke as keyCompromise rather than superseded.
    pub key_compromise: bool,
    /// The live certificate id the administrator saw (see `UserDetail::cert_version`).
    pub cert_version: i64,
    /// 「ワンタイムパスワードの登録を解除する。」 (変更).
    pub remove_second_factor: bool,
    pub admin_confirm_pin: Pin,
    /// The administrator's ワンタイムパスワード, when they have one.
    pub admin_code: String,
    /// The passkey's assertion (JSON) given in place of the code.
    pub admin_passkey: String,
}

impl UserInput {
    fn form(&self, pins_required: bool) -> validate::UserForm<'_> {
        validate::UserForm {
            user_id: self.user_id.as_deref(),
            name: &self.name,
            email: &self.email,
            pin: self.pin.expose(),
            pin_again: self.pin_again.expose(),
            confirm_pin: self.confirm_pin.expose(),
            confirm_pin_again: self.confirm_pin_again.expose(),
            logon_method: &self.logon_method,
            pins_required,
            admin_confirm_pin: self.admin_confirm_pin.expose(),
        }
    }

    fn fields(&self) -> UserFields<'_> {
        UserFields {
            name: self.name.trim(),
            email: Some(self.email.trim()).filter(|e| !e.is_empty()),
            logon_method: &self.logon_method,
            online: self.online,
            file: self.file,
            accident: self.accident,
        }
    }
}

pub(super) fn db_err(context: &'static str) -> impl Fn(sqlx::Error) -> AppError {
    move |e| internal(context, e)
}

/// The administrator acting on their corporation's users: the corporation's row, and how every
/// audit record of the change names them.
pub(super) struct Acting {
    pub(super) corp: CorporationRow,
    name: String,
    client_addr: String,
}

impl Acting {
    pub(super) fn of(admin: &AdminSession, client_addr: &str) -> Self {
        let corp = admin.corporation.clone();
        Self { name: format!("admin:{}", corp.contract_id), corp, client_addr: client_addr.to_owned() }
    }

    pub(super) fn actor(&self) -> Actor<'_> {
        Actor { name: &self.name, corporation_id: Some(self.corp.id), client_addr: &self.client_addr }
    }

    /// A user of this corporation as the holder of a certificate.
    pub(super) fn holder<'u>(&self, user_id: &'u str, user_pk: i64) -> Holder<'u> {
        Holder { corporation_id: self.corp.id, name: user_id, user_pk: Some(user_pk) }
    }
}

impl UserInput {
    /// What the administrator gave beside the form to confirm it.
    fn proof(&self) -> AdminProof<'_> {
        AdminProof {
            pin: self.admin_confirm_pin.expose(),
            code: &self.admin_code,
            passkey: &self.admin_passkey,
        }
    }
}

/// What the administrator gives to confirm a change: 契約法人確認暗証番号 and, when they have a
/// second factor, its ワンタイムパスワード or a パスキー's assertion (the browser's JSON).
#[derive(Clone, Copy)]
pub struct AdminProof<'a> {
    pub pin: &'a str,
    pub code: &'a str,
    pub passkey: &'a str,
}

impl<'a> AdminProof<'a> {
    /// The proof as a change's form sends it: `admin_confirm_pin`, and `otp` / `passkey` when
    /// the administrator has a second factor.
    pub fn from_form(pin: &'a str, otp: Option<&'a str>, passkey: Option<&'a str>) -> Self {
        Self { pin, code: otp.unwrap_or_default().trim(), passkey: passkey.unwrap_or_default() }
    }
}

/// Checks the 契約法人確認暗証番号 and, when the administrator has a second factor, the
/// ワンタイムパスワード typed beside it or the passkey's assertion (first that one was given at
/// all). A wrong one is audited (in its own transaction, since the change itself does not
/// happen), counted toward the lock, and answered as a field error.
pub(super) async fn confirm(
    state: &AppState,
    acting: &Acting,
    proof: AdminProof<'_>,
    action: &str,
    target: &str,
    now: i64,
) -> Result<(), AppError> {
    let corp = &acting.corp;
    let factors = admin_factors_of(state, corp).await?;
    let has_factor = factors.any();
    let by_passkey = factors.passkey && !proof.passkey.is_empty();
    let mut errors = Vec::new();
    if let Err(problem) = validate::logon_pin(proof.pin) {
        errors.push(FieldError { field: Field::AdminConfirmPin, problem });
    }
    if has_factor && !by_passkey {
        // The code when there is one; otherwise the passkey was not used.
        let missing = if factors.totp {
            second_factor::shape_problem(proof.code).map(|problem| (Field::Code, problem))
        } else {
            Some((Field::Passkey, Problem::Required))
        };
        errors.extend(missing.map(|(field, problem)| FieldError { field, problem }));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    // Throttled as the administrator's logon is, on the same account: guesses of the
    // confirmation PIN cost what guesses of the logon PIN cost.
    throttle_attempt(state, &acting.client_addr, &corp.contract_id, now)?;
    let ok = state
        .pins
        .verify(Some(&corp.admin_confirm_pin_hash.0), &Pin::new(proof.pin.to_owned()))
        .await
        .map_err(|e| internal("confirm pin", e))?;
    if ok
        && !has_factor
        && lockout::clean(&state.db, lockout::Holder::Admin(corp.id), &[(PinKind::Confirm, ok)]).await?
    {
        return Ok(());
    }
    let totp = if has_factor && !by_passkey { second_factor::active(state, corp, None).await? } else { None };
    let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
    // The second factor is tried only with the right PIN: a wrong PIN uses up no code.
    let mut typed = vec![(PinKind::Confirm, ok)];
    if ok && by_passkey {
        typed.push((
            PinKind::Code,
            passkeys::accept(&mut tx, state, (corp.id, None), proof.passkey, now).await?,
        ));
    } else if ok && has_factor {
        let right = match &totp {
            Some(factor) => second_factor::accept(&mut tx, factor, proof.code, now).await?,
            None => false,
        };
        typed.push((PinKind::Code, right));
    }
    let (answer, reason) =
        match lockout::check(&mut tx, state, Some(lockout::Holder::Admin(corp.id)), &typed, now).await? {
            Ok(()) => {
                tx.commit().await.map_err(db_err("commit"))?;
                return Ok(());
            }
            Err(refusal) => refusal,
        };
    // The reason names the credential that was wrong; the PIN's keeps its established wording.
    let detail = match (ok, by_passkey) {
        (false, _) => format!("confirmation pin: {reason}"),
        (true, true) => format!("passkey: {reason}"),
        (true, false) => reason.to_owned(),
    };
    audit::write(&mut tx, &acting.actor().event(action, target, Outcome::Failure, &detail), now).await?;
    tx.commit().await.map_err(db_err("commit"))?;
    Err(match answer {
        AppError::LogonFailed => AppError::field(
            match (ok, by_passkey) {
                (false, _) => Field::AdminConfirmPin,
                (true, true) => Field::Passkey,
                (true, false) => Field::Code,
            },
            Problem::Wrong,
        ),
        locked => locked,
    })
}

/// The administrator's second factors, when the contract uses them: what their changes ask for
/// beside 契約法人確認暗証番号.
pub async fn admin_factors(state: &AppState, admin: &AdminSession) -> Result<LogonFactors, AppError> {
    admin_factors_of(state, &admin.corporation).await
}

async fn admin_factors_of(state: &AppState, corp: &CorporationRow) -> Result<LogonFactors, AppError> {
    if corp.second_factor == "off" {
        return Ok(LogonFactors { totp: false, passkey: false });
    }
    let factors = second_factor::factors(state, corp.id, None).await?;
    Ok(LogonFactors { passkey: factors.passkey && passkeys::available(state), ..factors })
}

/// 利用者情報選択 saved as CSV: every column of the screen as shown (○ / -), the certificate's
/// state in words beside its mark. The download is audited.
pub async fn export(
    state: &AppState,
    admin: &AdminSession,
    (lang, client_addr): (crate::i18n::Lang, &str),
    now: i64,
) -> Result<super::csv::File, AppError> {
    use super::csv::{document, mark};
    let corp = &admin.corporation;
    let (users, _) =
        db::users::list_with_certificates(&state.db, corp.id).await.map_err(db_err("list users"))?;
    let t = lang.texts();
    let mut header = vec![
        t.col_user_id,
        t.col_user_name,
        t.col_cert,
        t.col_cert_state,
        t.col_suspended,
        t.col_accident,
        t.col_collection_blocked,
        t.col_collection_cum_blocked,
    ];
    header.extend(t.online_perms.iter().copied());
    let count = users.len();
    let bytes = document(
        &header,
        users.iter().map(|u| {
            let s = summary(u, now);
            let index = match s.cert {
                crate::model::CertState::None => 0,
                crate::model::CertState::AwaitingAcquisition => 1,
                crate::model::CertState::InUse => 2,
                crate::model::CertState::ExpiringSoon => 3,
            };
            let mut row = vec![s.user_id, s.name, mark(index > 0), t.cert_states[index].to_owned()];
            row.extend([s.suspended, s.accident, s.collection_blocked, s.collection_cum_blocked].map(mark));
            row.extend(s.online.map(mark));
            row
        }),
    );
    let detail = format!("records={count}");
    super::csv::recorded(state, corp, ("users", "users_export", &detail), (client_addr, now), bytes).await
}

fn summary(u: &db::users::ListedUser, now: i64) -> UserSummary {
    UserSummary {
        user_id: u.user_id.clone(),
        name: u.name.clone(),
        cert: certs::state_from(u.cert_state.as_deref(), u.cert_not_after, now),
        suspended: u.suspended,
        accident: u.accident,
        collection_blocked: u.collection_blocked,
        collection_cum_blocked: u.collection_cum_blocked,
        online: u.online,
    }
}

/// 利用者情報選択.
pub async fn list(state: &AppState, admin: &AdminSession) -> Result<UserList, AppError> {
    let corp = &admin.corporation;
    let (users, _) =
        db::users::list_with_certificates(&state.db, corp.id).await.map_err(db_err("list users"))?;
    let now = crate::ssr::now();
    Ok(UserList {
        users: users.iter().map(|u| summary(u, now)).collect(),
        file_settings: FileSettings {
            register: corp.file_register_enabled,
            approve: corp.file_approve_enabled,
            send: corp.file_send_enabled,
        },
        max_users: corp.max_users,
    })
}

/// One user for 利用者情報変更 or 登録抹消.
pub async fn get(state: &AppState, admin: &AdminSession, user_id: &str) -> Result<UserDetail, AppError> {
    let u = db::users::find(&state.db, admin.corporation.id, user_id)
        .await
        .map_err(db_err("find user"))?
        .ok_or(AppError::NotFound)?;
    let live = db::certificates::live_of(&state.db, admin.corporation.id, Some(u.id))
        .await
        .map_err(db_err("certificates"))?;
    let cert = certs::state_of(live.as_ref(), crate::ssr::now());
    let second_factor = second_factor::factors(state, admin.corporation.id, Some(u.id)).await?.any();
    Ok(UserDetail {
        second_factor,
        cert_version: live.as_ref().map_or(0, |c| c.id),
        cert_serial: live.as_ref().and_then(|c| c.serial.as_deref()).map(hex::encode),
        cert_until: live.as_ref().map(|c| {
            if c.state == "issued" {
                c.not_after.unwrap_or(c.acquire_by)
            } else {
                c.acquire_by
            }
        }),
        user_id: u.user_id.clone(),
        name: u.name.clone(),
        email: u.email.clone().unwrap_or_default(),
        logon_method: LogonMethod::from_value(&u.logon_method).unwrap_or(LogonMethod::Certificate),
        online: u.online(),
        file: u.file(),
        suspended: u.suspended,
        accident: u.accident,
        pins_provisional: u.pins_provisional,
        cert,
    })
}

/// 新規登録. Returns the new user's ID.
pub async fn register(
    state: &AppState,
    admin: &AdminSession,
    input: &UserInput,
    client_addr: &str,
    now: i64,
) -> Result<String, AppError> {
    let errors = validate::user_form(&input.form(true));
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let user_id = input.user_id.clone().unwrap_or_default();
    let acting = Acting::of(admin, client_addr);
    confirm(state, &acting, input.proof(), "user_create", &user_id, now).await?;
    // Both at once, on two of the PIN pool's threads.
    let (pin_hash, confirm_hash) =
        tokio::join!(state.pins.hash(&input.pin), state.pins.hash(&input.confirm_pin));
    let hashed = |hash: Result<PinHash, crate::ssr::pin::PinError>| hash.map_err(|e| internal("hash pin", e));
    let (pin_hash, confirm_hash) = (hashed(pin_hash)?, hashed(confirm_hash)?);

    let (pki, input) = (state.pki.clone(), input.clone());
    state
        .pki
        .writes
        .run(&state.pki, move |batch| {
            Box::pin(async move {
                let corp = &acting.corp;
                if db::users::count_live(&mut batch.tx, corp.id).await.map_err(db_err("count"))?
                    >= corp.max_users
                {
                    return Err(AppError::LimitReached { max: corp.max_users });
                }
                let new = NewUser {
                    corporation_id: corp.id,
                    user_id: &user_id,
                    pin_hash: &pin_hash,
                    confirm_pin_hash: &confirm_hash,
                    pins_provisional: true,
                    fields: input.fields(),
                };
                let user_pk = match db::users::insert(&mut batch.tx, &new, now).await {
                    Ok(id) => id,
                    Err(e) if db::users::is_duplicate_user_id(&e) => {
                        return Err(AppError::field(Field::UserId, Problem::Taken));
                    }
                    Err(e) => return Err(internal("insert user", e)),
                };
                let detail = describe_fields(&input.fields());
                audit::write(&mut batch.tx, &acting.actor().did("user_create", &user_id, &detail), now)
                    .await?;
                if input.issue_certificate {
                    let holder = acting.holder(&user_id, user_pk);
                    certs::reissue_in(batch, &pki, acting.actor(), holder, 0, false, now).await?;
                }
                Ok(user_id)
            })
        })
        .await
}

pub(super) fn describe_fields(f: &UserFields<'_>) -> String {
    let bits = |b: &[bool]| b.iter().map(|&x| if x { '1' } else { '0' }).collect::<String>();
    format!(
        "name={} email={} logon_method={} online={} file={} accident={}",
        f.name,
        f.email.unwrap_or(""),
        f.logon_method,
        bits(&f.online),
        bits(&f.file),
        f.accident
    )
}

/// 変更. Returns what changed, empty if nothing did.
pub async fn change(
    state: &AppState,
    admin: &AdminSession,
    user_id: &str,
    input: &UserInput,
    client_addr: &str,
    now: i64,
) -> Result<Vec<Changed>, AppError> {
    let form = input.form(false);
    let errors = validate::user_form(&validate::UserForm { user_id: None, ..form });
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let acting = Acting::of(admin, client_addr);
    // Not found before the PIN check: the administrator learns nothing new either way (own corp).
    let before = db::users::find(&state.db, acting.corp.id, user_id)
        .await
        .map_err(db_err("find user"))?
        .ok_or(AppError::NotFound)?;
    confirm(state, &acting, input.proof(), "user_change", user_id, now).await?;

    // The two PINs must differ also when only one of them is reset.
    let new_pin = (!input.pin.expose().is_empty()).then(|| input.pin.clone());
    let new_confirm = (!input.confirm_pin.expose().is_empty()).then(|| input.confirm_pin.clone());
    let same_as = |pin: &Option<Pin>, other_hash: &PinHash| {
        let pin = pin.clone();
        let other = other_hash.clone();
        async move {
            match pin {
                Some(p) => state.pins.verify(Some(&other), &p).await.map_err(|e| internal("verify", e)),
                None => Ok(false),
            }
        }
    };
    if new_confirm.is_none() && same_as(&new_pin, &before.confirm_pin_hash.0).await?
        || new_pin.is_none() && same_as(&new_confirm, &before.pin_hash.0).await?
    {
        return Err(AppError::field(Field::UserConfirmPin, Problem::SameAsOtherPin));
    }
    let hash = |pin: Option<Pin>| async move {
        match pin {
            Some(p) => state.pins.hash(&p).await.map(Some).map_err(|e| internal("hash", e)),
            None => Ok(None),
        }
    };
    let (pin_hash, confirm_hash) = tokio::join!(hash(new_pin), hash(new_confirm));
    let (pin_hash, confirm_hash) = (pin_hash?, confirm_hash?);

    let fields = input.fields();
    let mut changed = Vec::new();
    if fields.name != before.name {
        changed.push(Changed::Name);
    }
    if !validate::same_address(fields.email.unwrap_or_default(), before.email.as_deref().unwrap_or_default())
    {
        changed.push(Changed::Email);
    }
    if fields.logon_method != before.logon_method {
        changed.push(Changed::LogonMethod);
    }
    if pin_hash.is_some() {
        changed.push(Changed::Pin);
    }
    if confirm_hash.is_some() {
        changed.push(Changed::ConfirmPin);
    }
    if fields.online != before.online() {
        changed.push(Changed::Online);
    }
    if fields.file != before.file() {
        changed.push(Changed::File);
    }
    if fields.accident != before.accident {
        changed.push(Changed::Accident);
    }
    let unlock = input.unlock && before.suspended;
    if unlock {
        changed.push(Changed::Unlocked);
    }
    if input.issue_certificate {
        changed.push(Changed::Reissued);
    }
    let remove_second_factor = input.remove_second_factor
        && second_factor::factors(state, acting.corp.id, Some(before.id)).await?.any();
    if remove_second_factor {
        changed.push(Changed::SecondFactor);
    }
    if changed.is_empty() {
        return Ok(changed);
    }

    // In the administrators' group commit: the change, its audit record and notices, and the
    // CRL re-signed for what it revokes, committed with the changes beside it.
    let (state, input, user_id) = (state.clone(), input.clone(), user_id.to_owned());
    let done = changed.clone();
    let pki = state.pki.clone();
    pki.writes
        .run(&pki, move |batch| {
            Box::pin(async move {
                let (state, fields) = (&state, input.fields());
                let tx = &mut batch.tx;
                db::users::update(tx, before.id, &fields, unlock).await.map_err(db_err("update user"))?;
                if pin_hash.is_some() || confirm_hash.is_some() {
                    db::users::reset_pins(tx, before.id, pin_hash.as_ref(), confirm_hash.as_ref())
                        .await
                        .map_err(db_err("reset pins"))?;
                }
                if remove_second_factor {
                    db::second_factor::remove(tx, acting.corp.id, Some(before.id))
                        .await
                        .map_err(db_err("second factor"))?;
                    let said = second_factor::removed_notice();
                    certs::tell(tx, &state.pki, acting.corp.id, Some(before.id), &said, false, now).await?;
                }
                // A reset PIN, 事故登録, another logon method or a removed second factor ends every
                // session of the user at once: a session opened with the old credentials never
                // outlives them.
                let ends_sessions = pin_hash.is_some()
                    || confirm_hash.is_some()
                    || (fields.accident && !before.accident)
                    || fields.logon_method != before.logon_method
                    || remove_second_factor;
                if ends_sessions {
                    db::sessions::delete_others(tx, acting.corp.id, Some(before.id), &[])
                        .await
                        .map_err(db_err("end sessions"))?;
                }
                let detail = format!("changed={} {}", Changed::codes(&done), describe_fields(&fields));
                audit::write(tx, &acting.actor().did("user_change", &user_id, &detail), now).await?;
                tell_changes(tx, state, &acting, &before, &fields, &done, now).await?;
                let holder = acting.holder(&user_id, before.id);
                if fields.accident && !before.accident {
                    // 事故登録 revokes at once; acquisition stays blocked until it is cleared.
                    certs::revoke_live_in(
                        batch,
                        &state.pki,
                        acting.actor(),
                        holder,
                        reason::KEY_COMPROMISE,
                        now,
                    )
                    .await?;
                } else if input.issue_certificate {
                    if fields.accident {
                        return Err(AppError::Conflict);
                    }
                    let (version, compromised) = (input.cert_version, input.key_compromise);
                    certs::reissue_in(batch, &state.pki, acting.actor(), holder, version, compromised, now)
                        .await?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(changed)
}

/// 利用者情報変更のお知らせ: the changes a holder must know about (PINs reset, address, 事故登録,
/// logon method), to the user at the new address — and, when the address changed, at the old one.
async fn tell_changes(
    tx: &mut db::Tx,
    state: &AppState,
    acting: &Acting,
    before: &db::users::UserRow,
    fields: &UserFields<'_>,
    changed: &[Changed],
    now: i64,
) -> Result<(), AppError> {
    let items: Vec<(&str, &str)> = changed
        .iter()
        .filter_map(|c| match c {
            Changed::Pin | Changed::ConfirmPin => Some((
                "暗証番号が再設定されました（仮暗証番号）。",
                "Your PINs were reset (provisional PINs).",
            )),
            Changed::Email => Some(("メールアドレスが変更されました。", "Your e-mail address was changed.")),
            Changed::Accident if fields.accident => {
                Some(("事故登録されました。", "An incident (事故登録) was registered for you."))
            }
            Changed::LogonMethod => {
                Some(("ログオン方式が変更されました。", "Your logon method was changed."))
            }
            _ => None,
        })
        .collect();
    let mut ja: Vec<&str> = items.iter().map(|(ja, _)| *ja).collect();
    let mut en: Vec<&str> = items.iter().map(|(_, en)| *en).collect();
    ja.dedup();
    en.dedup();
    if ja.is_empty() {
        return Ok(());
    }
    let (lines, lines_en) = (ja.join("\n"), en.join("\n"));
    let said = crate::ssr::outbox::texts::Said {
        kind: "user_changed",
        subject: ("利用者情報変更のお知らせ", "Your account was changed"),
        lines: (&lines, &lines_en),
    };
    certs::tell(tx, &state.pki, acting.corp.id, Some(before.id), &said, false, now).await?;
    let old = before.email.as_deref().unwrap_or_default();
    if changed.contains(&Changed::Email) && !old.is_empty() {
        let about = crate::ssr::outbox::texts::About {
            corporation_id: acting.corp.id,
            corporation_name: &acting.corp.name,
            user: Some((&before.name, old, crate::ssr::outbox::texts::lang_of(&before.lang))),
            admin_email: "",
            admin_lang: crate::i18n::Lang::Ja,
        };
        for notice in crate::ssr::outbox::texts::security(&about, &said, false) {
            crate::ssr::outbox::enqueue(tx, &state.settings, &notice, now).await.map_err(db_err("notice"))?;
        }
    }
    Ok(())
}

/// 登録抹消: the user can no longer log on; the row stays and the ID is never reused.
pub async fn delete(
    state: &AppState,
    admin: &AdminSession,
    user_id: &str,
    admin_confirm: AdminProof<'_>,
    client_addr: &str,
    now: i64,
) -> Result<(), AppError> {
    let acting = Acting::of(admin, client_addr);
    let user = db::users::find(&state.db, acting.corp.id, user_id)
        .await
        .map_err(db_err("find user"))?
        .ok_or(AppError::NotFound)?;
    confirm(state, &acting, admin_confirm, "user_delete", user_id, now).await?;
    let (pki, user_id) = (state.pki.clone(), user_id.to_owned());
    state
        .pki
        .writes
        .run(&state.pki, move |batch| {
            Box::pin(async move {
                db::users::mark_deleted(&mut batch.tx, user.id, now).await.map_err(db_err("delete user"))?;
                audit::write(&mut batch.tx, &acting.actor().did("user_delete", &user_id, ""), now).await?;
                let holder = acting.holder(&user_id, user.id);
                let reason = reason::CESSATION_OF_OPERATION;
                certs::revoke_live_in(batch, &pki, acting.actor(), holder, reason, now).await.map(drop)
            })
        })
        .await
}

/// 一括再発行: with one confirmation, revokes the live certificate of each selected user and opens
/// a new issuance — one transaction, one `certificate_issue` record (and, for a live
/// certificate, one `certificate_revoke`) per user, one CRL re-signing for all. A selected user
/// who is not a live user of the corporation, or is under 事故登録, is left out and named in the
/// result.
pub async fn reissue_many(
    state: &AppState,
    admin: &AdminSession,
    user_ids: &[String],
    key_compromise: bool,
    proof: AdminProof<'_>,
    client_addr: &str,
    now: i64,
) -> Result<BulkReissued, AppError> {
    let mut selected: Vec<&str> = user_ids.iter().map(|id| id.trim()).filter(|id| !id.is_empty()).collect();
    selected.sort_unstable();
    selected.dedup();
    let mut errors = Vec::new();
    if selected.is_empty() {
        errors.push(FieldError { field: Field::Selection, problem: Problem::Required });
    }
    if let Err(problem) = validate::logon_pin(proof.pin) {
        errors.push(FieldError { field: Field::AdminConfirmPin, problem });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let acting = Acting::of(admin, client_addr);
    confirm(state, &acting, proof, "users_reissue", "", now).await?;
    let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
    let live = db::users::live_brief(&mut tx, acting.corp.id).await.map_err(db_err("users"))?;
    let mut done = BulkReissued::default();
    let mut holders = Vec::new();
    for id in selected {
        match live.iter().find(|(_, user_id, _)| user_id == id) {
            None => done.skipped.push((id.to_owned(), SkipReason::NotFound)),
            Some((_, _, true)) => done.skipped.push((id.to_owned(), SkipReason::Accident)),
            Some((user_pk, user_id, false)) => {
                holders.push(acting.holder(user_id, *user_pk));
                done.issued.push(user_id.clone());
            }
        }
    }
    certs::reissue_all(&mut tx, &state.pki, acting.actor(), &holders, key_compromise, now).await?;
    let detail = format!("records={} skipped={}", done.issued.len(), done.skipped.len());
    audit::write(&mut tx, &acting.actor().did("users_reissue", "", &detail), now).await?;
    tx.commit().await.map_err(db_err("commit"))?;
    Ok(done)
}

/// 外部ファイル送信権限設定 (登録, 承認, 送信).
pub async fn change_file_settings(
    state: &AppState,
    admin: &AdminSession,
    steps: [bool; 3],
    admin_confirm: AdminProof<'_>,
    client_addr: &str,
    now: i64,
) -> Result<(), AppError> {
    let acting = Acting::of(admin, client_addr);
    confirm(state, &acting, admin_confirm, "file_settings_change", "", now).await?;
    let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
    db::corporations::set_file_settings(&mut tx, acting.corp.id, steps)
        .await
        .map_err(db_err("file settings"))?;
    let detail = format!("register={} approve={} send={}", steps[0], steps[1], steps[2]);
    audit::write(&mut tx, &acting.actor().did("file_settings_change", "", &detail), now).await?;
    tx.commit().await.map_err(db_err("commit"))
}

/// 管理者メールアドレス変更 [OK]: the administrator's own address for the notices, with the
/// 契約法人確認暗証番号; the old and the new address are both told.
pub async fn change_admin_email(
    state: &AppState,
    admin: &AdminSession,
    email: &str,
    admin_confirm: AdminProof<'_>,
    client_addr: &str,
    now: i64,
) -> Result<(), AppError> {
    let email = email.trim();
    let mut errors = Vec::new();
    if let Err(problem) = validate::email(email) {
        errors.push(crate::error::FieldError { field: Field::Email, problem });
    }
    if let Err(problem) = validate::logon_pin(admin_confirm.pin) {
        errors.push(crate::error::FieldError { field: Field::AdminConfirmPin, problem });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let acting = Acting::of(admin, client_addr);
    confirm(state, &acting, admin_confirm, "admin_email_change", "", now).await?;
    let old = acting.corp.admin_email.clone();
    if validate::same_address(&old, email) {
        return Ok(());
    }
    let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
    db::corporations::set_admin_email(&mut tx, &acting.corp.contract_id, email)
        .await
        .map_err(db_err("admin email"))?;
    let detail = format!("email={email}");
    audit::write(&mut tx, &acting.actor().did("admin_email_change", "", &detail), now).await?;
    let said = crate::ssr::outbox::texts::Said {
        kind: "admin_email_changed",
        subject: ("メールアドレス変更のお知らせ", "Your e-mail address was changed"),
        lines: (
            "管理者のメールアドレスが変更されました。",
            "The administrator's e-mail address was changed.",
        ),
    };
    for address in [email, old.as_str()] {
        let about = crate::ssr::outbox::texts::About {
            corporation_id: acting.corp.id,
            corporation_name: &acting.corp.name,
            user: None,
            admin_email: address,
            admin_lang: crate::ssr::outbox::texts::lang_of(&acting.corp.admin_lang),
        };
        for notice in crate::ssr::outbox::texts::security(&about, &said, true) {
            crate::ssr::outbox::enqueue(&mut tx, &state.settings, &notice, now)
                .await
                .map_err(db_err("notice"))?;
        }
    }
    tx.commit().await.map_err(db_err("commit"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_input_never_prints_its_pins() {
        let input = UserInput {
            pin: Pin::new("User1111".into()),
            pin_again: Pin::new("User2222".into()),
            confirm_pin: Pin::new("Conf3333".into()),
            confirm_pin_again: Pin::new("Conf4444".into()),
            admin_confirm_pin: Pin::new("Admin555".into()),
            name: "テスト".into(),
            ..UserInput::default()
        };
        let printed = format!("{input:?}");
        assert!(printed.contains("テスト"), "{printed}");
        for pin in ["User1111", "User2222", "Conf3333", "Conf4444", "Admin555"] {
            assert!(!printed.contains(pin), "{pin} in {printed}");
        }
    }
}

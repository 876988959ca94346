//! パスキー (WebAuthn) as a second factor, beside the ワンタイムパスワード of
//! [`super::second_factor`]: registration (パスキー登録), the logon's second step, and the
//! assertion the administrator's changes accept in place of a code.
//!
//! The relying party is the public URL's host, with the ID and certificate-logon listeners'
//! origins both allowed; a host that is an IP address cannot be one (browsers refuse it), so
//! passkeys are unavailable there and the screens say so. User verification is required
//! (webauthn-rs's passkey ceremonies). Each ceremony's server half is kept in
//! `passkey_ceremonies` for five minutes, per person and purpose, and is taken by its finish
//! whether that succeeds or not: a challenge is answered once. After each use the stored
//! credential is updated as webauthn-rs advises (its counter, which must grow when it is not
//! zero, and its backup state).

use super::lockout::{self, PinKind};
use super::request::Call;
use super::second_factor::{completed, may_register, Caller};
use super::session::Stage;
use crate::error::{AppError, Field, Problem};
use crate::model::{PasskeyEntry, PasskeyList};
use crate::ssr::audit::{self, Actor, Outcome};
use crate::ssr::db;
use crate::ssr::outbox::texts::Said;
use crate::ssr::secret::SessionToken;
use crate::ssr::{internal, AppState};
use crate::validate;
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    Url, Uuid, Webauthn, WebauthnBuilder,
};

/// How long a started ceremony waits for its finish.
const CEREMONY_SECS: i64 = 300;
/// The most passkeys one person may register.
pub const MAX_PER_PERSON: usize = 10;

fn db_err(context: &'static str) -> impl Fn(sqlx::Error) -> AppError {
    move |e| internal(context, e)
}

/// The relying party of the configured public URL, or `None` when its host is an IP address.
fn relying_party(state: &AppState) -> Result<Option<Webauthn>, AppError> {
    let public = Url::parse(&state.settings.public_url).map_err(|e| internal("public url", e))?;
    let Some(url::Host::Domain(rp_id)) = public.host() else { return Ok(None) };
    let cert = Url::parse(&state.settings.cert_url).map_err(|e| internal("cert url", e))?;
    let builder = WebauthnBuilder::new(rp_id, &public).map_err(|e| internal("webauthn", e))?;
    let builder =
        if cert.origin() == public.origin() { builder } else { builder.append_allowed_origin(&cert) };
    builder.rp_name(crate::ssr::otp::ISSUER).build().map(Some).map_err(|e| internal("webauthn", e))
}

/// Whether passkeys can be used on this server (its public host is a name).
pub fn available(state: &AppState) -> bool {
    matches!(relying_party(state), Ok(Some(_)))
}

/// The person's WebAuthn user handle: stable, and naming nobody outside this server.
fn user_handle(corporation_id: i64, user_pk: Option<i64>) -> Uuid {
    let digest =
        Sha256::digest(format!("bizdirect passkey holder {corporation_id}/{}", user_pk.unwrap_or(0)));
    let mut bytes = [0; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid_v4_shape(bytes)
}

fn uuid_v4_shape(mut bytes: [u8; 16]) -> Uuid {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

/// The options as the browser's `PublicKeyCredential.parse…OptionsFromJSON` reads them: absent
/// members left out rather than `null` (which the WebIDL dictionaries would refuse).
fn options_json(options: &impl serde::Serialize) -> Result<String, AppError> {
    fn strip(value: serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, strip(v))).collect()
            }
            serde_json::Value::Array(items) => items.into_iter().map(strip).collect(),
            other => other,
        }
    }
    let value = serde_json::to_value(options).map_err(|e| internal("webauthn options", e))?;
    let public_key = value.get("publicKey").cloned().unwrap_or(value);
    Ok(strip(public_key).to_string())
}

fn stored(row: &db::passkeys::PasskeyRow) -> Result<Passkey, AppError> {
    serde_json::from_str(&row.credential).map_err(|e| internal("stored passkey", e))
}

fn json(value: &impl serde::Serialize) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| internal("webauthn state", e))
}

async fn start(
    state: &AppState,
    holder: (i64, Option<i64>),
    purpose: &str,
    ceremony: &str,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
    db::passkeys::put_ceremony(&mut tx, holder, purpose, ceremony, (now, now + CEREMONY_SECS))
        .await
        .map_err(db_err("passkey ceremony"))?;
    tx.commit().await.map_err(db_err("commit"))
}

/// パスキー登録 (page): the caller's passkeys, and whether more can be registered here.
pub async fn list(call: &Call, now: i64) -> Result<PasskeyList, AppError> {
    let caller = Caller::of(call, now).await?;
    may_register(&caller)?;
    let rows = db::passkeys::list(&call.state.db, caller.corp().id, caller.user_pk())
        .await
        .map_err(db_err("passkeys"))?;
    Ok(PasskeyList {
        available: available(&call.state),
        required: caller.live.stage == Stage::Enrol,
        passkeys: rows
            .into_iter()
            .map(|r| PasskeyEntry {
                id: r.id,
                name: r.name,
                created_at: r.created_at,
                last_used_at: r.last_used_at,
            })
            .collect(),
    })
}

/// パスキー登録 [登録] pressed: the options for `navigator.credentials.create` (the caller's
/// registered passkeys excluded), the ceremony kept for [`register`].
pub async fn registration_options(call: &Call, now: i64) -> Result<String, AppError> {
    let caller = Caller::of(call, now).await?;
    may_register(&caller)?;
    let state = &call.state;
    let rp = relying_party(state)?.ok_or(AppError::Forbidden)?;
    let holder = (caller.corp().id, caller.user_pk());
    let rows = db::passkeys::list(&state.db, holder.0, holder.1).await.map_err(db_err("passkeys"))?;
    if rows.len() >= MAX_PER_PERSON {
        return Err(AppError::Conflict);
    }
    let exclude =
        rows.iter().map(|r| stored(r).map(|p| p.cred_id().clone())).collect::<Result<Vec<_>, _>>()?;
    let display = caller.user.as_ref().map_or_else(|| caller.account(), |u| u.name.clone());
    let (options, ceremony) = rp
        .start_passkey_registration(
            user_handle(holder.0, holder.1),
            &caller.account(),
            &display,
            Some(exclude),
        )
        .map_err(|e| internal("webauthn", e))?;
    start(state, holder, "register", &json(&ceremony)?, now).await?;
    options_json(&options)
}

/// パスキー登録 [登録]: the browser's new credential, named `name`, completes the ceremony. Returns
/// where the person goes on: from a logon at [`Stage::Enrol`], the new session and its first
/// screen; from a session, back to パスキー登録.
pub async fn register(
    call: &Call,
    name: &str,
    credential: &str,
    now: i64,
) -> Result<(Option<SessionToken>, &'static str), AppError> {
    let caller = Caller::of(call, now).await?;
    may_register(&caller)?;
    let name = name.trim();
    validate::user_name(name).map_err(|problem| AppError::field(Field::PasskeyName, problem))?;
    let state = &call.state;
    let rp = relying_party(state)?.ok_or(AppError::Forbidden)?;
    let holder = (caller.corp().id, caller.user_pk());
    let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
    let ceremony = db::passkeys::take_ceremony(&mut tx, holder, "register", now)
        .await
        .map_err(db_err("passkey ceremony"))?;
    let made = match (ceremony, serde_json::from_str::<RegisterPublicKeyCredential>(credential)) {
        (Some(ceremony), Ok(credential)) => {
            let ceremony: PasskeyRegistration =
                serde_json::from_str(&ceremony).map_err(|e| internal("passkey ceremony", e))?;
            rp.finish_passkey_registration(&credential, &ceremony).map_err(|e| e.to_string())
        }
        (None, _) => Err("no registration started, or it expired".to_owned()),
        (_, Err(e)) => Err(format!("unreadable credential: {e}")),
    };
    let name_owned = caller.name();
    let actor = Actor { name: &name_owned, corporation_id: Some(holder.0), client_addr: &call.client_addr };
    let passkey = match made {
        Ok(passkey) => passkey,
        Err(reason) => {
            let detail = format!("method=passkey; {reason}");
            audit::commit_with(
                tx,
                &actor.event("second_factor_register", "", Outcome::Failure, &detail),
                now,
            )
            .await?;
            return Err(AppError::field(Field::Passkey, Problem::Wrong));
        }
    };
    let credential_id: &[u8] = passkey.cred_id();
    if !db::passkeys::insert(&mut tx, holder, name, (credential_id, &json(&passkey)?), now)
        .await
        .map_err(db_err("passkey"))?
    {
        return Err(AppError::field(Field::Passkey, Problem::Taken));
    }
    let said = Said {
        kind: "second_factor_registered",
        subject: ("パスキー登録のお知らせ", "Passkey registered"),
        lines: (
            "パスキーが登録されました。お心当たりのない場合は管理者（管理者の方はお取引銀行）にお申し出ください。",
            "A passkey was registered for your logon. If this was not you, tell your administrator (administrators: your bank).",
        ),
    };
    let detail = format!("method=passkey; name={name}");
    Ok(match completed(call, &caller, tx, &said, &detail, now).await? {
        Some((token, first)) => (Some(token), first),
        None => (None, "/passkeys?done=registered"),
    })
}

/// パスキー登録 [削除]: removes one of the caller's own passkeys.
pub async fn remove(call: &Call, id: i64, now: i64) -> Result<(), AppError> {
    let caller = Caller::of(call, now).await?;
    if caller.live.stage != Stage::Full {
        return Err(AppError::Unauthenticated);
    }
    let state = &call.state;
    let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
    let removed = db::passkeys::remove(&mut tx, caller.corp().id, caller.user_pk(), id)
        .await
        .map_err(db_err("passkey"))?;
    let Some(name) = removed else { return Err(AppError::NotFound) };
    let who = caller.name();
    let actor = Actor { name: &who, corporation_id: Some(caller.corp().id), client_addr: &call.client_addr };
    audit::commit_with(tx, &actor.did("passkey_remove", "", &format!("name={name}")), now).await
}

/// The options for `navigator.credentials.get`: for a logon at [`Stage::Code`], or for a session
/// (the administrator confirming a change). Refused when the caller has no passkey.
pub async fn assertion_options(call: &Call, now: i64) -> Result<String, AppError> {
    let caller = Caller::of(call, now).await?;
    if caller.live.stage == Stage::Enrol {
        return Err(AppError::Unauthenticated);
    }
    let state = &call.state;
    let rp = relying_party(state)?.ok_or(AppError::Forbidden)?;
    let holder = (caller.corp().id, caller.user_pk());
    let rows = db::passkeys::list(&state.db, holder.0, holder.1).await.map_err(db_err("passkeys"))?;
    if rows.is_empty() || caller.corp().second_factor == "off" {
        return Err(AppError::Forbidden);
    }
    let passkeys = rows.iter().map(stored).collect::<Result<Vec<_>, _>>()?;
    let (options, ceremony) =
        rp.start_passkey_authentication(&passkeys).map_err(|e| internal("webauthn", e))?;
    start(state, holder, "assert", &json(&ceremony)?, now).await?;
    options_json(&options)
}

/// Checks `credential` (the browser's assertion, JSON) against the person's started ceremony
/// inside `tx`, taking the ceremony, and records the use of the passkey it came from. Returns
/// whether it was right.
pub async fn accept(
    tx: &mut db::Tx,
    state: &AppState,
    holder: (i64, Option<i64>),
    credential: &str,
    now: i64,
) -> Result<bool, AppError> {
    let ceremony =
        db::passkeys::take_ceremony(tx, holder, "assert", now).await.map_err(db_err("passkey ceremony"))?;
    let (Some(ceremony), Ok(credential), Some(rp)) =
        (ceremony, serde_json::from_str::<PublicKeyCredential>(credential), relying_party(state)?)
    else {
        return Ok(false);
    };
    let ceremony: PasskeyAuthentication =
        serde_json::from_str(&ceremony).map_err(|e| internal("passkey ceremony", e))?;
    let Ok(result) = rp.finish_passkey_authentication(&credential, &ceremony) else { return Ok(false) };
    for row in db::passkeys::list(&state.db, holder.0, holder.1).await.map_err(db_err("passkeys"))? {
        let mut passkey = stored(&row)?;
        if passkey.cred_id() == result.cred_id() {
            passkey.update_credential(&result);
            db::passkeys::record_use(tx, row.id, &json(&passkey)?, now).await.map_err(db_err("passkey"))?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// The second step of a logon at [`Stage::Code`] by passkey: right, the session (token) and where
/// it opens; wrong, counted toward the lock like a wrong code.
pub async fn logon(
    call: &Call,
    credential: &str,
    now: i64,
) -> Result<(SessionToken, &'static str), AppError> {
    let caller = Caller::of(call, now).await?;
    if caller.live.stage != Stage::Code {
        return Err(AppError::Unauthenticated);
    }
    let state = &call.state;
    super::throttle_attempt(state, &call.client_addr, &caller.account(), now)?;
    let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
    let right = accept(&mut tx, state, (caller.corp().id, caller.user_pk()), credential, now).await?;
    let outcome =
        match lockout::check(&mut tx, state, Some(caller.holder()), &[(PinKind::Code, right)], now).await? {
            Ok(()) => Ok((caller.open_session(&mut tx, &call.client_addr, now).await?, caller.first_page())),
            Err(refusal) => Err(refusal),
        };
    let who = caller.name();
    let action = if caller.user.is_some() { "user_logon" } else { "admin_logon" };
    let actor = Actor { name: &who, corporation_id: Some(caller.corp().id), client_addr: &call.client_addr };
    let result = audit::commit_attempt(tx, actor, action, outcome, caller.logon_detail("passkey"), now).await;
    crate::ssr::telemetry::logon("passkey", if caller.user.is_some() { "user" } else { "admin" }, &result);
    result.map_err(|e| match e {
        AppError::LogonFailed => AppError::field(Field::Passkey, Problem::Wrong),
        other => other,
    })
}

//! Sessions: random 256-bit tokens in an HttpOnly cookie, SHA-256 of the token in the database,
//! idle timeout and absolute lifetime enforced on the server at every request.

use crate::ssr::db::corporations::CorporationRow;
use crate::ssr::db::Pool;
use crate::ssr::db::{self, sessions::NewSession, Tx};
use crate::ssr::secret::SessionToken;
use crate::ssr::Settings;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Who a live session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Admin { corporation_id: i64 },
    User { corporation_id: i64, user_pk: i64 },
}

/// How far a logon has come. Only [`Stage::Full`] is a session; the others are a logon waiting
/// at its second factor, which opens no screen and lasts
/// [`db::sessions::SECOND_STEP_SECS`] at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Full,
    /// The PIN was right; the one-time password is asked next.
    Code,
    /// The contract requires a second factor and the person has none: registration first.
    Enrol,
}

impl Stage {
    fn code(self) -> &'static str {
        match self {
            Stage::Full => "full",
            Stage::Code => "code",
            Stage::Enrol => "enrol",
        }
    }
}

/// A live session: whose, and (certificate logon) the serial of the certificate it is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession {
    pub principal: Principal,
    pub cert_serial: Option<Vec<u8>>,
    /// When the person logged on: the start of the session's absolute lifetime.
    pub logged_on_at: i64,
    pub stage: Stage,
    /// The session's corporation, read with the session.
    pub corporation: CorporationRow,
}

pub fn token_hash(token: &SessionToken) -> Vec<u8> {
    Sha256::digest(token.expose().as_bytes()).to_vec()
}

/// Opens a new session (or, at another `stage`, a logon waiting at its second factor) inside
/// `tx` and returns its token (a new one at every logon). `cert_serial`: the certificate a
/// certificate logon binds the session to.
pub async fn open(
    tx: &mut Tx,
    principal: &Principal,
    cert_serial: Option<&[u8]>,
    client_addr: &str,
    stage: Stage,
    now: i64,
) -> Result<SessionToken, crate::error::AppError> {
    insert(tx, principal, cert_serial, client_addr, stage, (now, now)).await
}

/// Opens a session that continues one begun at `logged_on_at` (a new token after a change of
/// credentials): its absolute lifetime still counts from that logon, so rotations never extend it.
pub async fn rotate(
    tx: &mut Tx,
    principal: &Principal,
    cert_serial: Option<&[u8]>,
    client_addr: &str,
    logged_on_at: i64,
    now: i64,
) -> Result<SessionToken, crate::error::AppError> {
    insert(tx, principal, cert_serial, client_addr, Stage::Full, (logged_on_at, now)).await
}

async fn insert(
    tx: &mut Tx,
    principal: &Principal,
    cert_serial: Option<&[u8]>,
    client_addr: &str,
    stage: Stage,
    (logged_on_at, now): (i64, i64),
) -> Result<SessionToken, crate::error::AppError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = SessionToken::new(hex::encode(bytes));
    let hash = token_hash(&token);
    let (role, corporation_id, user_pk) = match principal {
        Principal::Admin { corporation_id } => ("admin", *corporation_id, None),
        Principal::User { corporation_id, user_pk } => ("user", *corporation_id, Some(*user_pk)),
    };
    db::sessions::insert(
        tx,
        &NewSession {
            token_hash: &hash,
            role,
            corporation_id,
            user_pk,
            client_addr,
            cert_serial,
            stage: stage.code(),
        },
        logged_on_at,
        now,
    )
    .await
    .map_err(|e| crate::ssr::internal("open session", e))?;
    Ok(token)
}

/// A live session with its corporation, refreshing its idle clock; `None` if unknown or expired.
pub async fn resume(
    pool: &Pool,
    settings: &Settings,
    token: &SessionToken,
    now: i64,
) -> Result<Option<LiveSession>, sqlx::Error> {
    let row = db::sessions::touch_live(
        pool,
        &token_hash(token),
        now,
        settings.session_idle_secs,
        settings.session_max_secs,
    )
    .await?;
    Ok(row.and_then(|(r, corporation)| {
        let principal = match (r.role.as_str(), r.user_pk) {
            ("admin", None) => Principal::Admin { corporation_id: r.corporation_id },
            ("user", Some(user_pk)) => Principal::User { corporation_id: r.corporation_id, user_pk },
            _ => return None,
        };
        let stage = match r.stage.as_str() {
            "full" => Stage::Full,
            "code" => Stage::Code,
            "enrol" => Stage::Enrol,
            _ => return None,
        };
        Some(LiveSession {
            principal,
            cert_serial: r.cert_serial,
            logged_on_at: r.created_at,
            stage,
            corporation,
        })
    }))
}

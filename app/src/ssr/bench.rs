//! The benchmark harness's entry into the domain (feature `bench`; the shipped server is built
//! without it). The harness (`bench/`, crate `bizdirect-bench`) measures the domain's paths on
//! temporary data of its own and needs a few things no product path offers: users made in bulk
//! sharing one PIN hash, holders taken as if their PINs had been checked, a revocation without
//! its CRL, and PIN hashes rewritten at a lower cost. Each is here, named for what it skips;
//! nothing else of the domain is opened to it.

use crate::error::AppError;
use crate::model::AcquiredCertificate;
use crate::ssr::audit::Actor;
use crate::ssr::db::{self, users::NewUser, users::UserFields};
use crate::ssr::pki::group_commit::Issuance;
use crate::ssr::pki::issuance::{self, Applicant};
use crate::ssr::pki::lifecycle::{self, Holder};
use crate::ssr::pki::{crl, reason};
use crate::ssr::secret::{Pin, PinHash};
use crate::ssr::{now, AppState};

/// A holder taken as if both PINs had been checked (skips [`crate::ssr::holder::acquisition`]'s
/// PIN check, which the round-trip benchmark measures through the server instead).
pub struct Prechecked(Applicant);

impl Prechecked {
    pub fn corporation_id(&self) -> i64 {
        self.0.corp.id
    }
    pub fn corporation_name(&self) -> &str {
        &self.0.corp.name
    }
    pub fn contract_id(&self) -> &str {
        &self.0.corp.contract_id
    }
    pub fn user_id(&self) -> Option<&str> {
        self.0.user.as_ref().map(|u| u.user_id.as_str())
    }
    pub fn user_pk(&self) -> Option<i64> {
        self.0.user.as_ref().map(|u| u.id)
    }
}

/// A failure of the benchmark's setup: logged, and the opaque internal error.
fn failed(e: impl std::fmt::Display + 'static) -> AppError {
    crate::ssr::internal("bench", e)
}

/// The corporation's database id.
pub async fn corporation_id(state: &AppState, contract_id: &str) -> Result<Option<i64>, sqlx::Error> {
    Ok(db::corporations::find_by_contract_id(&state.db, contract_id).await?.map(|c| c.id))
}

/// `count` users `u00000`… with final PINs, in one transaction, all sharing one hash of `pin` and
/// one of `confirm_pin` (hashing each would be `count` Argon2 runs of setup).
pub async fn users(
    state: &AppState,
    corporation_id: i64,
    count: usize,
    pin: &str,
    confirm_pin: &str,
) -> Result<(), AppError> {
    let pin_hash = state.pins.hash(&Pin::new(pin.to_owned())).await.map_err(failed)?;
    let confirm_hash = state.pins.hash(&Pin::new(confirm_pin.to_owned())).await.map_err(failed)?;
    let now = now();
    let mut tx = db::begin_write(&state.db).await.map_err(failed)?;
    for i in 0..count {
        let user_id = format!("u{i:05}");
        let user = bench_user(corporation_id, &user_id, &pin_hash, &confirm_hash);
        db::users::insert(&mut tx, &user, now).await.map_err(failed)?;
    }
    tx.commit().await.map_err(failed)
}

/// A user `user_id` with final PINs of the given hashes, every service on, 利用者ID・暗証番号方式.
fn bench_user<'a>(
    corporation_id: i64,
    user_id: &'a str,
    pin_hash: &'a PinHash,
    confirm_pin_hash: &'a PinHash,
) -> NewUser<'a> {
    NewUser {
        corporation_id,
        user_id,
        pin_hash,
        confirm_pin_hash,
        pins_provisional: false,
        fields: UserFields {
            name: "性能 試験",
            email: None,
            logon_method: "id_pin",
            online: [true; 7],
            file: [false; 3],
            accident: false,
        },
    }
}

/// The administrator's 再発行 for every user of the corporation, with its audit records, in one
/// transaction; returns the users as [`Prechecked`] holders, each with its own copy of the
/// corporation's row (as each request reads it).
pub async fn open_issuances(
    state: &AppState,
    corporation_id: i64,
    contract_id: &str,
) -> Result<Vec<Prechecked>, AppError> {
    let now = now();
    let rows = db::users::list(&state.db, corporation_id).await.map_err(failed)?;
    let admin = format!("admin:{contract_id}");
    let actor = Actor { name: &admin, corporation_id: Some(corporation_id), client_addr: "bench" };
    let mut tx = db::begin_write(&state.db).await.map_err(failed)?;
    for row in &rows {
        let holder = Holder { corporation_id, name: &row.user_id, user_pk: Some(row.id) };
        lifecycle::reissue(&mut tx, &state.pki, actor, holder, 0, false, now).await?;
    }
    tx.commit().await.map_err(failed)?;
    let mut holders = Vec::with_capacity(rows.len());
    as_holders(state, corporation_id, contract_id, rows, &mut holders).await?;
    Ok(holders)
}

/// Appends `users` of the corporation to `holders`, each holder with its own copy of the
/// corporation's row, as each request reads it.
async fn as_holders(
    state: &AppState,
    corporation_id: i64,
    contract_id: &str,
    users: Vec<db::users::UserRow>,
    holders: &mut Vec<Prechecked>,
) -> Result<(), AppError> {
    for user in users {
        let corp = db::corporations::find_by_id(&state.db, corporation_id)
            .await
            .map_err(failed)?
            .ok_or(AppError::Internal)?;
        holders.push(Prechecked(Applicant {
            corp,
            actor: format!("user:{contract_id}/{}", user.user_id),
            user: Some(user),
        }));
    }
    Ok(())
}

/// Bank scale: the corporations `K0000000001`… numbered `numbers` (placeholder administrator PIN
/// hashes, never logged on), `users_each` users each sharing one PIN hash, every user's issuance
/// opened by the administrator's 再発行 (with its audit records and notice), all in one
/// transaction; returns the users as [`Prechecked`] holders.
pub async fn bank_corporations(
    state: &AppState,
    numbers: std::ops::Range<usize>,
    users_each: usize,
    pins: (&str, &str),
) -> Result<Vec<Prechecked>, AppError> {
    let pin_hash = state.pins.hash(&Pin::new(pins.0.to_owned())).await.map_err(failed)?;
    let confirm_hash = state.pins.hash(&Pin::new(pins.1.to_owned())).await.map_err(failed)?;
    let now = now();
    let mut made = Vec::with_capacity(numbers.len());
    let mut tx = db::begin_write(&state.db).await.map_err(failed)?;
    for number in numbers {
        let contract_id = format!("K{:010}", number + 1);
        let max_users = i64::try_from(users_each).map_err(failed)?;
        let id = db::bench::corporation(&mut tx, &contract_id, max_users, now).await.map_err(failed)?;
        crl::refresh_crl(&mut tx, &state.pki, id, None, now).await?;
        let admin = format!("admin:{contract_id}");
        let actor = Actor { name: &admin, corporation_id: Some(id), client_addr: "bench" };
        for i in 0..users_each {
            let user_id = format!("u{i:05}");
            let user = bench_user(id, &user_id, &pin_hash, &confirm_hash);
            let user_pk = db::users::insert(&mut tx, &user, now).await.map_err(failed)?;
            let holder = Holder { corporation_id: id, name: &user_id, user_pk: Some(user_pk) };
            lifecycle::reissue(&mut tx, &state.pki, actor, holder, 0, false, now).await?;
        }
        made.push((id, contract_id));
    }
    tx.commit().await.map_err(failed)?;
    let mut holders = Vec::new();
    for (id, contract_id) in made {
        let users = db::users::list(&state.db, id).await.map_err(failed)?;
        as_holders(state, id, &contract_id, users, &mut holders).await?;
    }
    Ok(holders)
}

/// The administrator's 一括再発行 of the holders' current certificates (superseded), one
/// transaction and one CRL re-signing; they can then acquire again.
pub async fn reissue_all(state: &AppState, holders: &[Prechecked]) -> Result<(), AppError> {
    let now = now();
    let mut tx = db::begin_write(&state.db).await.map_err(failed)?;
    for h in holders {
        let admin = format!("admin:{}", h.contract_id());
        let actor = Actor { name: &admin, corporation_id: Some(h.corporation_id()), client_addr: "bench" };
        let name = h.user_id().unwrap_or(lifecycle::ADMIN_HOLDER);
        let holder = Holder { corporation_id: h.corporation_id(), name, user_pk: h.user_pk() };
        lifecycle::reissue_all(&mut tx, &state.pki, actor, &[holder], false, now).await?;
    }
    tx.commit().await.map_err(failed)
}

/// 電子証明書取得 after the PIN check: the signing pool and the group commit, answered after the
/// durable commit.
pub async fn acquire(
    state: &AppState,
    holder: &Prechecked,
    csr_pem: &str,
) -> Result<AcquiredCertificate, AppError> {
    issuance::issue_acquired(&state.pki, &holder.0, csr_pem, "bench", now()).await
}

/// Revokes the holders' live certificates in one transaction and signs each of their
/// corporations' CRLs once (the setup of a grown CA: one re-signing instead of one per
/// revocation).
pub async fn revoke_all(state: &AppState, holders: &[Prechecked]) -> Result<(), AppError> {
    let now = now();
    let mut tx = db::begin_write(&state.db).await.map_err(failed)?;
    for h in holders {
        db::certificates::revoke_live(&mut tx, h.corporation_id(), h.user_pk(), reason::SUPERSEDED, now)
            .await
            .map_err(failed)?;
    }
    let partitions: std::collections::BTreeSet<i64> =
        holders.iter().map(Prechecked::corporation_id).collect();
    for partition in partitions {
        crl::refresh_crl(&mut tx, &state.pki, partition, None, now).await?;
    }
    tx.commit().await.map_err(failed)
}

/// The administrator's 再発行 of the holder's current certificate, in its own transaction.
pub async fn reissue(state: &AppState, holder: &Prechecked) -> Result<(), AppError> {
    let (corporation_id, user_pk) = (holder.corporation_id(), holder.user_pk());
    let admin = format!("admin:{}", holder.contract_id());
    let actor = Actor { name: &admin, corporation_id: Some(corporation_id), client_addr: "bench" };
    let mut tx = db::begin_write(&state.db).await.map_err(failed)?;
    let live =
        db::certificates::live(&mut tx, corporation_id, user_pk).await.map_err(failed)?.map_or(0, |c| c.id);
    let name = holder.user_id().unwrap_or(lifecycle::ADMIN_HOLDER);
    lifecycle::reissue(
        &mut tx,
        &state.pki,
        actor,
        Holder { corporation_id, name, user_pk },
        live,
        false,
        now(),
    )
    .await?;
    tx.commit().await.map_err(failed)
}

/// `partition`'s CRL re-signed in its own transaction with every entry read from the database
/// (as on schedule).
pub async fn resign_crl(state: &AppState, partition: i64) -> Result<(), AppError> {
    let mut tx = db::begin_write(&state.db).await.map_err(failed)?;
    crl::refresh_crl(&mut tx, &state.pki, partition, None, now()).await?;
    tx.commit().await.map_err(failed)
}

/// Rewrites every administrator's and user's PIN hashes (the benchmark's temporary data only).
pub async fn set_every_pin_hash(
    state: &AppState,
    admin: (&str, &str),
    user: (&str, &str),
) -> Result<(), sqlx::Error> {
    db::bench::set_every_pin_hash(&state.db, admin, user).await
}

/// The holder `user_id` (`None`: the administrator) of the corporation as their rows read now, as
/// if both PINs had just been checked (`None`: no such holder).
pub async fn prechecked(
    state: &AppState,
    contract_id: &str,
    user_id: Option<&str>,
) -> Result<Option<Prechecked>, sqlx::Error> {
    let Some(corp) = db::corporations::find_by_contract_id(&state.db, contract_id).await? else {
        return Ok(None);
    };
    let user = match user_id {
        Some(id) => match db::users::find(&state.db, corp.id, id).await? {
            Some(user) => Some(user),
            None => return Ok(None),
        },
        None => None,
    };
    let actor = match user_id {
        Some(id) => format!("user:{contract_id}/{id}"),
        None => format!("admin:{contract_id}"),
    };
    Ok(Some(Prechecked(Applicant { corp, user, actor })))
}

/// The signing half of [`acquire`] alone: the CSR verified and the certificate signed, as the
/// group commit takes it (not yet stored).
pub async fn signed_issuance(
    state: &AppState,
    holder: &Prechecked,
    csr_pem: &str,
) -> Result<Issuance, AppError> {
    let signing = issuance::signing(&state.pki, &holder.0, csr_pem, "bench", now());
    state.pki.signing.run(signing).await.map_err(failed)?
}

/// `corporations` corporations, each with one valid certificate (ending 1–400 days from now) and
/// `revoked_each` revoked ones: the database of the metrics scrape's benchmark.
pub async fn corporations_with_certificates(
    state: &AppState,
    corporations: usize,
    revoked_each: usize,
) -> Result<(), AppError> {
    db::bench::corporations_with_certificates(&state.db, corporations, revoked_each, now())
        .await
        .map_err(failed)
}

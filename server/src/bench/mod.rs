//! `server bench`: the performance benchmarks of docs/PERFORMANCE.md (issue 8). Each one works in
//! a fresh temporary data folder of its own — never on real data — and prints one table row per
//! figure: medians and rates measured in this run, beside the ceiling measured in the same run.
//! Nothing here asserts a time: the machines are shared and noisy.

pub mod client;
mod https;
mod issuance;
mod list;
mod revocation;

use app::ssr::certificates::{self, Actor, Holder};
use app::ssr::corporations::{self, CreateRequest};
use app::ssr::db::users::{NewUser, UserFields};
use app::ssr::secret::Pin;
use app::ssr::{db, AppState, Settings};
use std::time::Duration;

pub use https::{logon_storm, round_trips};
pub use issuance::issuance;
pub use list::list;
pub use revocation::revocation;

/// PINs of the benchmarks' corporations and users (fresh temporary data only).
pub const ADMIN_PIN: &str = "Admin1234";
pub const CONFIRM_PIN: &str = "Confirm1234";
pub const USER_PIN: &str = "User1234";
pub const USER_CONFIRM_PIN: &str = "UserConf1234";

/// Settings of a benchmark's instance: throttling is not what is measured (every client shares
/// the loopback address); everything else is the product's default.
pub fn settings() -> Settings {
    Settings {
        attempts_per_minute_per_address: 100_000_000,
        attempts_per_minute_per_account: 100_000_000,
        ..Settings::default()
    }
}

/// The median and 99th percentile of `samples` (sorted here), in milliseconds.
pub fn median_p99(samples: &mut [Duration]) -> (f64, f64) {
    if samples.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    samples.sort_unstable();
    let at = |q: f64| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1000.0
    };
    (at(0.5), at(0.99))
}

/// Prints the table's heading.
pub fn heading() {
    println!("| # | figure | value | beside | ratio / goal |");
    println!("|---|---|---|---|---|");
}

/// Prints one row of the table.
pub fn row(id: &str, what: &str, value: &str, beside: &str, verdict: &str) {
    println!("| {id} | {what} | {value} | {beside} | {verdict} |");
}

/// "met" / "NOT met" for a goal.
pub fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

/// A corporation with the benchmarks' PINs; returns its database id.
pub async fn corporation(state: &AppState, contract_id: &str, max_users: i64) -> anyhow::Result<i64> {
    corporations::create(
        state,
        CreateRequest {
            contract_id: Some(contract_id.to_owned()),
            name: format!("性能試験{contract_id}"),
            admin_pin: Some(Pin::new(ADMIN_PIN.to_owned())),
            admin_confirm_pin: Some(Pin::new(CONFIRM_PIN.to_owned())),
            max_users: Some(max_users),
        },
        app::ssr::now(),
    )
    .await?;
    db::corporations::find_by_contract_id(&state.db, contract_id)
        .await?
        .map(|c| c.id)
        .ok_or_else(|| anyhow::anyhow!("corporation {contract_id} not found after creating it"))
}

/// The `save_user` form of 利用者情報変更 that only ticks 「現在の電子証明書を失効し、再発行する。」
/// (name kept, PINs unchanged) for the certificate version `version`, confirmed with
/// `confirm_pin` (used by P2 and by the load tests).
pub fn reissue_form<'a>(
    user: &'a str,
    name: &'a str,
    version: &'a str,
    confirm_pin: &'a str,
) -> [(&'a str, &'a str); 11] {
    [
        ("user", user),
        ("name", name),
        ("email", ""),
        ("user_pin", ""),
        ("user_pin_again", ""),
        ("user_confirm_pin", ""),
        ("user_confirm_pin_again", ""),
        ("logon_method", "id_pin"),
        ("issue_certificate", "on"),
        ("cert_version", version),
        ("admin_confirm_pin", confirm_pin),
    ]
}

/// `count` users `u0`… in one transaction, sharing one PIN hash (hashing each would take
/// `count` Argon2 runs: setup, not what is measured).
pub async fn users(state: &AppState, corporation_id: i64, count: usize) -> anyhow::Result<()> {
    let pin_hash = state.pins.hash(&Pin::new(USER_PIN.to_owned())).await?;
    let confirm_hash = state.pins.hash(&Pin::new(USER_CONFIRM_PIN.to_owned())).await?;
    let now = app::ssr::now();
    let mut tx = db::begin_write(&state.db).await?;
    for i in 0..count {
        let user_id = format!("u{i:05}");
        let user = NewUser {
            corporation_id,
            user_id: &user_id,
            pin_hash: &pin_hash,
            confirm_pin_hash: &confirm_hash,
            pins_provisional: false,
            fields: UserFields {
                name: "性能 試験",
                email: None,
                logon_method: "id_pin",
                online: [true; 7],
                file: [false; 3],
                accident: false,
            },
        };
        db::users::insert(&mut tx, &user, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The administrator's 再発行 for every user of the corporation, with its audit records (setup:
/// one transaction). Returns the users.
pub async fn open_issuances(
    state: &AppState,
    corporation_id: i64,
    contract_id: &str,
) -> anyhow::Result<Vec<db::users::UserRow>> {
    let now = app::ssr::now();
    let rows = db::users::list(&state.db, corporation_id).await?;
    let admin = format!("admin:{contract_id}");
    let actor = Actor { name: &admin, corporation_id, client_addr: "bench" };
    let mut tx = db::begin_write(&state.db).await?;
    for row in &rows {
        let holder = Holder { name: &row.user_id, user_pk: Some(row.id) };
        certificates::reissue(&mut tx, state, &actor, holder, 0, false, now)
            .await
            .map_err(|e| anyhow::anyhow!("reissue: {e:?}"))?;
    }
    tx.commit().await?;
    Ok(rows)
}

/// A temporary data folder with the product opened on it.
pub struct Instance {
    pub state: AppState,
    pub dir: tempfile::TempDir,
}

pub async fn instance() -> anyhow::Result<Instance> {
    let dir = tempfile::Builder::new().prefix("bizdirect-bench-").tempdir()?;
    let opened = crate::start::open(dir.path(), settings()).await?;
    Ok(Instance { state: opened.state, dir })
}

/// P-256 CSRs made by rcgen (the server uses only their public keys and signatures).
pub fn csrs(count: usize) -> anyhow::Result<Vec<String>> {
    (0..count)
        .map(|_| {
            let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
            Ok(rcgen::CertificateParams::default().serialize_request(&key)?.pem()?)
        })
        .collect()
}

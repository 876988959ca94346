//! What every benchmark shares: the PINs and settings of its temporary instances, the table it
//! prints, and the setup (corporations, users, issuances) through the domain's benchmark entry
//! (`app::ssr::bench`).

use app::ssr::bench::{self as domain, Prechecked};
use app::ssr::operator::corporations::{self, CreateRequest};
use app::ssr::secret::Pin;
use app::ssr::{AppState, Settings};
use std::time::Duration;

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
            admin_email: None,
        },
        app::ssr::now(),
    )
    .await?;
    domain::corporation_id(state, contract_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("corporation {contract_id} not found after creating it"))
}

/// `count` users `u00000`… with the benchmarks' PINs, sharing one PIN hash (setup).
pub async fn users(state: &AppState, corporation_id: i64, count: usize) -> anyhow::Result<()> {
    domain::users(state, corporation_id, count, USER_PIN, USER_CONFIRM_PIN)
        .await
        .map_err(|e| anyhow::anyhow!("users: {e:?}"))
}

/// The administrator's 再発行 for every user of the corporation, with its audit records (setup:
/// one transaction). Returns the users as holders whose PINs count as checked.
pub async fn open_issuances(
    state: &AppState,
    corporation_id: i64,
    contract_id: &str,
) -> anyhow::Result<Vec<Prechecked>> {
    domain::open_issuances(state, corporation_id, contract_id)
        .await
        .map_err(|e| anyhow::anyhow!("reissue: {e:?}"))
}

/// A temporary data folder with the product opened on it.
pub struct Instance {
    pub state: AppState,
    pub dir: tempfile::TempDir,
}

pub async fn instance() -> anyhow::Result<Instance> {
    instance_with(settings()).await
}

/// [`instance`] with other settings.
pub async fn instance_with(settings: Settings) -> anyhow::Result<Instance> {
    let dir = tempfile::Builder::new().prefix("bizdirect-bench-").tempdir()?;
    let opened = server::start::open(dir.path(), settings).await?;
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

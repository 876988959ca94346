//! P1: issuance in-process — CSR verify + sign + durable record + audit, as 電子証明書取得 does it
//! once both PINs are checked (`app::ssr::bench::acquire`) — beside the crypto-only
//! ceiling (CSR verify + sign, no storage, on every core) measured in the same run, just before
//! and just after the issuance: the higher reading is the ceiling, so a burst of load from
//! elsewhere during one reading cannot flatter the ratio.

use crate::harness::{corporation, csrs, instance, median_p99, met, open_issuances, row, users};
use app::ssr::bench::{self as domain, Prechecked};
use app::ssr::pki::{ca::ClientProfile, x509};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Vault PKI's published rate of stored issuances (its own benchmark, P-256): P1's goal.
const GOAL_PER_SEC: f64 = 2200.0;

/// One round: the ceiling read before and after the issuance of `count` certificates.
struct Round {
    before: f64,
    after: f64,
    rate: f64,
    median: f64,
    p99: f64,
}

impl Round {
    /// The higher reading of the ceiling (see the module's documentation).
    fn ceiling(&self) -> f64 {
        self.before.max(self.after)
    }

    fn ratio(&self) -> f64 {
        self.rate / self.ceiling()
    }
}

/// Runs `rounds` rounds, each on `count` users in a fresh data folder that already holds
/// `preload` certificates, and prints each; with more than one, also the medians, which judge
/// the goal. Returns the stored-issuance rate (the median over the rounds: certificates/s),
/// which P2 is compared with.
pub async fn issuance(
    count: usize,
    concurrency: usize,
    rounds: usize,
    preload: usize,
) -> anyhow::Result<f64> {
    let csrs = Arc::new(csrs(256)?);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut done = Vec::with_capacity(rounds);
    for r in 1..=rounds {
        let round = round(&csrs, count, concurrency, cores, preload).await?;
        let label = format!(
            "{}{}",
            if rounds > 1 { format!(", round {r} of {rounds}") } else { String::new() },
            if preload > 0 { format!(", {preload} certificates issued before") } else { String::new() }
        );
        row(
            "P1",
            &format!(
                "crypto-only ceiling: CSR verify + sign, {cores} threads, {count} certs, before / after the issuance{label}"
            ),
            &format!("{:.0} / {:.0} certs/s (the higher is the ceiling)", round.before, round.after),
            "—",
            "—",
        );
        row(
            "P1",
            &format!(
                "issuance in-process (verify + sign + durable record + audit), {concurrency} tasks{label}"
            ),
            &format!(
                "{:.0} certs/s (latency p50 {:.2} ms, p99 {:.2} ms)",
                round.rate, round.median, round.p99
            ),
            &format!("{:.0} certs/s ceiling", round.ceiling()),
            &verdict(round.rate, round.ratio()),
        );
        done.push(round);
    }

    let rate = median(done.iter().map(|r| r.rate));
    if rounds > 1 {
        let ratios: Vec<f64> = done.iter().map(Round::ratio).collect();
        let (low, high) = ratios.iter().fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x)));
        let ratio = median(ratios.iter().copied());
        row(
            "P1",
            &format!("issuance in-process, {concurrency} tasks: median of {rounds} rounds"),
            &format!("{rate:.0} certs/s"),
            &format!("{:.0} certs/s ceiling (median)", median(done.iter().map(Round::ceiling))),
            &format!("{} (rounds {:.0}–{:.0} %)", verdict(rate, ratio), low * 100.0, high * 100.0),
        );
    }
    Ok(rate)
}

/// "NN % of ceiling (goal ≥ 50 %: met); goal ≥ 2200/s: met".
fn verdict(rate: f64, ratio: f64) -> String {
    format!(
        "{:.0} % of ceiling (goal ≥ 50 %: {}); goal ≥ {GOAL_PER_SEC:.0}/s: {}",
        ratio * 100.0,
        met(ratio >= 0.5),
        met(rate >= GOAL_PER_SEC)
    )
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => f64::midpoint(v[n / 2 - 1], v[n / 2]),
    }
}

/// One round, in a fresh data folder: `preload` certificates issued first (untimed, for a
/// corporation of their own), then `count` users with open issuances, the ceiling, the issuance,
/// the ceiling again, and `server check` over what was recorded.
async fn round(
    csrs: &Arc<Vec<String>>,
    count: usize,
    concurrency: usize,
    cores: usize,
    preload: usize,
) -> anyhow::Result<Round> {
    let inst = instance().await?;
    let state = &inst.state;
    if preload > 0 {
        let earlier = Arc::new(holders(state, "90000000002", preload).await?);
        issue_all(state, &earlier, csrs, concurrency).await?;
    }
    let holders = Arc::new(holders(state, "90000000001", count).await?);

    let before = crypto_ceiling(state, &holders[0], csrs, count, cores)?;
    let started = Instant::now();
    let mut latencies = issue_all(state, &holders, csrs, concurrency).await?;
    let rate = rate(count, started.elapsed());
    let after = crypto_ceiling(state, &holders[0], csrs, count, cores)?;
    let (median, p99) = median_p99(&mut latencies);

    // The round must have recorded what it claims: every invariant of `server check` holds.
    let (checked, violations) = app::ssr::operator::check::run(state, app::ssr::now()).await?;
    if let Some(v) = violations.first() {
        anyhow::bail!(
            "server check after P1: {} violation(s), first [{}] {}",
            violations.len(),
            v.invariant,
            v.detail
        );
    }
    anyhow::ensure!(
        usize::try_from(checked.certificates).unwrap_or(0) >= count + preload,
        "P1 recorded {} certificates, expected {}",
        checked.certificates,
        count + preload
    );
    Ok(Round { before, after, rate, median, p99 })
}

/// A corporation `contract_id` of `count` users, each with the administrator's 再発行 open, as
/// holders whose PINs count as checked.
pub(crate) async fn holders(
    state: &app::ssr::AppState,
    contract_id: &str,
    count: usize,
) -> anyhow::Result<Vec<Prechecked>> {
    let corporation_id = corporation(state, contract_id, 9999).await?;
    users(state, corporation_id, count).await?;
    open_issuances(state, corporation_id, contract_id).await
}

/// Every holder acquires a certificate, from `concurrency` tasks; returns each one's latency.
pub(crate) async fn issue_all(
    state: &app::ssr::AppState,
    holders: &Arc<Vec<Prechecked>>,
    csrs: &Arc<Vec<String>>,
    concurrency: usize,
) -> anyhow::Result<Vec<Duration>> {
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (state, holders, csrs, next) = (state.clone(), holders.clone(), csrs.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(holder) = holders.get(i) else { break };
                    let t = Instant::now();
                    let csr = &csrs[i % csrs.len()];
                    domain::acquire(&state, holder, csr)
                        .await
                        .map_err(|e| anyhow::anyhow!("issuance {i}: {e:?}"))?;
                    latencies.push(t.elapsed());
                }
                anyhow::Ok(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(holders.len());
    for t in tasks {
        latencies.extend(t.await??);
    }
    Ok(latencies)
}

#[allow(clippy::cast_precision_loss)]
pub(crate) fn rate(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

/// CSR verification and signing only, on `threads` threads: the most this machine can issue.
pub(crate) fn crypto_ceiling(
    state: &app::ssr::AppState,
    holder: &Prechecked,
    csrs: &[String],
    count: usize,
    threads: usize,
) -> anyhow::Result<f64> {
    let ders: Vec<Vec<u8>> =
        csrs.iter().map(|p| pem::parse(p).map(pem::Pem::into_contents)).collect::<Result<_, _>>()?;
    let next = AtomicUsize::new(0);
    let now = time::OffsetDateTime::now_utc();
    let started = Instant::now();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= count {
                            return Ok(());
                        }
                        let spki = x509::verify_csr(&ders[i % ders.len()])?;
                        let serial = x509::random_serial().to_bytes();
                        state.pki.ca.issue_client(
                            &spki,
                            &ClientProfile {
                                corporation_name: holder.corporation_name(),
                                contract_id: holder.contract_id(),
                                user_id: holder.user_id(),
                                serial: &serial,
                                not_before: now,
                                not_after: now + time::Duration::days(365),
                                crl_url: &app::ssr::pki::crl::url(&state.settings, holder.corporation_id()),
                                ocsp_url: &state.settings.ocsp_url,
                            },
                        )?;
                    }
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| w.join().map_err(|_| anyhow::anyhow!("worker panicked"))?)
    })?;
    Ok(rate(count, started.elapsed()))
}

//! P1: issuance in-process — CSR verify + sign + durable record + audit, as 電子証明書取得 does it
//! once both PINs are checked ([`certificates::issue_acquired`]) — beside the crypto-only
//! ceiling (CSR verify + sign, no storage, on every core) measured in the same run, just before
//! and just after the issuance: the higher reading is the ceiling, so a burst of load from
//! elsewhere during one reading cannot flatter the ratio.

use super::{corporation, csrs, instance, median_p99, met, open_issuances, row, users};
use app::ssr::ca::{self, ClientProfile};
use app::ssr::certificates::{self, Checked};
use app::ssr::db;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Vault's published stored-issuance rate, the goal of issue 8.
const GOAL_PER_SEC: f64 = 2200.0;

/// Returns the stored-issuance rate (certificates/s), which P2 is compared with.
pub async fn issuance(count: usize, concurrency: usize) -> anyhow::Result<f64> {
    let inst = instance().await?;
    let state = inst.state.clone();
    let corporation_id = corporation(&state, "90000000001", 9999).await?;
    users(&state, corporation_id, count).await?;
    let rows = open_issuances(&state, corporation_id, "90000000001").await?;
    let mut holders = Vec::with_capacity(count);
    for row in rows {
        let corp = db::corporations::find_by_id(&state.db, corporation_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("corporation vanished"))?;
        holders.push(Checked { corp, actor: format!("user:90000000001/{}", row.user_id), user: Some(row) });
    }
    let csrs = Arc::new(csrs(256)?);

    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let before = crypto_ceiling(&state, &holders[0], &csrs, count, cores)?;

    let holders = Arc::new(holders);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
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
                    certificates::issue_acquired(&state, holder, csr, "bench", app::ssr::now())
                        .await
                        .map_err(|e| anyhow::anyhow!("issuance {i}: {e:?}"))?;
                    latencies.push(t.elapsed());
                }
                anyhow::Ok(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(count);
    for t in tasks {
        latencies.extend(t.await??);
    }
    let elapsed = started.elapsed();
    let rate = rate(count, elapsed);
    let after = crypto_ceiling(&state, &holders[0], &csrs, count, cores)?;
    let ceiling = before.max(after);
    let (median, p99) = median_p99(&mut latencies);

    // The run must have recorded what it claims: every invariant of `server check` holds.
    let (checked, violations) = app::ssr::check::run(&state, app::ssr::now()).await?;
    if let Some(v) = violations.first() {
        anyhow::bail!(
            "server check after P1: {} violation(s), first [{}] {}",
            violations.len(),
            v.invariant,
            v.detail
        );
    }
    anyhow::ensure!(
        usize::try_from(checked.certificates).unwrap_or(0) >= count,
        "P1 recorded {} certificates, expected {count}",
        checked.certificates
    );

    row(
        "P1",
        &format!("crypto-only ceiling: CSR verify + sign, {cores} threads, {count} certs, before / after the issuance"),
        &format!("{before:.0} / {after:.0} certs/s (the higher is the ceiling)"),
        "—",
        "—",
    );
    row(
        "P1",
        &format!("issuance in-process (verify + sign + durable record + audit), {concurrency} tasks"),
        &format!("{rate:.0} certs/s (latency p50 {median:.2} ms, p99 {p99:.2} ms)"),
        &format!("{ceiling:.0} certs/s ceiling"),
        &format!(
            "{:.0} % of ceiling (goal ≥ 50 %: {}); goal ≥ {GOAL_PER_SEC:.0}/s: {}",
            rate / ceiling * 100.0,
            met(rate >= ceiling / 2.0),
            met(rate >= GOAL_PER_SEC)
        ),
    );
    Ok(rate)
}

#[allow(clippy::cast_precision_loss)]
fn rate(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

/// CSR verification and signing only, on `threads` threads: the most this machine can issue.
fn crypto_ceiling(
    state: &app::ssr::AppState,
    holder: &Checked,
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
                        let spki = ca::verify_csr(&ders[i % ders.len()])?;
                        let serial = ca::random_serial().to_bytes();
                        state.ca.issue_client(
                            &spki,
                            &ClientProfile {
                                corporation_name: &holder.corp.name,
                                contract_id: &holder.corp.contract_id,
                                user_id: holder.user.as_ref().map(|u| u.user_id.as_str()),
                                serial: &serial,
                                not_before: now,
                                not_after: now + time::Duration::days(365),
                                crl_url: &state.settings.crl_url,
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

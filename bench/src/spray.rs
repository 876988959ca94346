//! The attempt throttle under a key spray: 利用者ログオン's latency through the real router
//! in-process (the product's default limits and Argon2id cost), with the throttle empty and
//! after `keys` fresh keys were sprayed into it (each from an address of its own, for an account
//! of its own: the most keys a spray can add), and the throttle's own cost per attempt in both
//! states.

use crate::harness::{corporation, instance_with, median_p99, row, users, USER_PIN};
use crate::list::post;
use app::ssr::Settings;
use std::time::{Duration, Instant};

const CONTRACT: &str = "93000000001";

pub async fn spray(keys: usize, runs: usize) -> anyhow::Result<()> {
    let inst = instance_with(Settings::default()).await?;
    let id = corporation(&inst.state, CONTRACT, 9999).await?;
    // One user per logon: the per-account limit (20 a minute) is not what is measured.
    users(&inst.state, id, 2 * runs).await?;
    let options =
        leptos::config::LeptosOptions::builder().output_name("bizdirect").site_root("target/site").build();
    let router = server::router::build(inst.state.clone(), options);
    let throttle = &inst.state.throttle;
    let settings = &inst.state.settings;
    let (per_addr, per_account) =
        (settings.attempts_per_minute_per_address, settings.attempts_per_minute_per_account);
    let measure = |first: usize| {
        let router = router.clone();
        async move {
            let mut logons = Vec::with_capacity(runs);
            for u in first..first + runs {
                let form = format!("contract_id={CONTRACT}&user_id=u{u:05}&user_pin={USER_PIN}");
                let t = Instant::now();
                let (status, body, _) = post(&router, "user_logon", &form, None).await?;
                logons.push(t.elapsed());
                anyhow::ensure!(status == 200, "user_logon: {status} {}", String::from_utf8_lossy(&body));
            }
            anyhow::Ok(logons)
        }
    };
    let probe = |label: &str| {
        let mut times: Vec<Duration> = (0..10_000)
            .map(|i| {
                let t = Instant::now();
                let _ = throttle.attempt(
                    &format!("probe-{label}-{i}"),
                    per_addr,
                    "probe",
                    u32::MAX,
                    app::ssr::now(),
                );
                t.elapsed()
            })
            .collect();
        median_p99(&mut times)
    };
    let (quiet_attempt, quiet_attempt_p99) = probe("quiet");
    let mut quiet = measure(0).await?;
    let now = app::ssr::now();
    let started = Instant::now();
    for i in 0..keys {
        let _ = throttle.attempt(
            &format!("spray-{i}"),
            per_addr,
            &format!("{CONTRACT}/x{i:07}"),
            per_account,
            now,
        );
    }
    let spray_time = started.elapsed();
    let held = throttle.keys();
    let (sprayed_attempt, sprayed_attempt_p99) = probe("sprayed");
    let mut sprayed = measure(runs).await?;
    let (quiet_median, quiet_p99) = median_p99(&mut quiet);
    let (sprayed_median, sprayed_p99) = median_p99(&mut sprayed);
    row(
        "S1",
        &format!(
            "利用者ログオン in-process, {runs} logons, after {keys} sprayed attempts ({held} keys held)"
        ),
        &format!("p50 {sprayed_median:.1} ms, p99 {sprayed_p99:.1} ms"),
        &format!("no spray: p50 {quiet_median:.1} ms, p99 {quiet_p99:.1} ms"),
        &format!("{:.0} % of the quiet median", sprayed_median / quiet_median * 100.0),
    );
    #[allow(clippy::cast_precision_loss)]
    let per_sprayed = spray_time.as_secs_f64() * 1e6 / keys.max(1) as f64;
    row(
        "S1",
        "one throttle attempt (two keys), 10,000 probes",
        &format!(
            "sprayed: p50 {:.2} µs, p99 {:.2} µs",
            sprayed_attempt * 1000.0,
            sprayed_attempt_p99 * 1000.0
        ),
        &format!("empty: p50 {:.2} µs, p99 {:.2} µs", quiet_attempt * 1000.0, quiet_attempt_p99 * 1000.0),
        &format!("spraying cost {per_sprayed:.2} µs per attempt"),
    );
    Ok(())
}

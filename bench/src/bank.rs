//! P12: bank scale on one machine — a corporation-heavy database (by default 10,000 corporations
//! of 25 users, every user with a live certificate, and 5 users of each corporation with an
//! earlier certificate revoked within its validity: 250,000 live and 50,000 revoked), then on it:
//! issuance (P1's path) beside the crypto-only ceiling, 再発行, a corporation's CRL's size and
//! re-signing, and the `server check` and `server backup` commands of the server binary.
//!
//! The setup is untimed and real: certificates signed by the CA and stored by the group commit,
//! revocations by the administrator's 再発行 with their audit records and CRL re-signing.

use crate::harness::{csrs, instance, median_p99, row, USER_CONFIRM_PIN, USER_PIN};
use crate::issuance::{crypto_ceiling, holders, issue_all, rate};
use app::ssr::bench::{self as domain, Prechecked};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Corporations made (and their users' certificates issued) per setup step.
const CHUNK: usize = 500;

/// Issuances timed on the grown database (P1's path).
const ISSUED: usize = 20_000;

pub async fn bank(
    corporations: usize,
    users_each: usize,
    revoked_each: usize,
    runs: usize,
) -> anyhow::Result<()> {
    anyhow::ensure!(revoked_each < users_each, "--revoked-each must be below --users-each");
    let inst = instance().await?;
    let state = &inst.state;
    let csrs = Arc::new(csrs(256)?);
    let setup = Instant::now();
    let mut sample: Vec<Prechecked> = Vec::with_capacity(runs);
    for start in (0..corporations).step_by(CHUNK) {
        let end = (start + CHUNK).min(corporations);
        let made = domain::bank_corporations(state, start..end, users_each, (USER_PIN, USER_CONFIRM_PIN))
            .await
            .map_err(|e| anyhow::anyhow!("corporations: {e:?}"))?;
        let made = Arc::new(made);
        issue_all(state, &made, &csrs, 512).await?;
        let made = Arc::try_unwrap(made).map_err(|_| anyhow::anyhow!("holders still shared"))?;
        // The first users of each corporation: 再発行 (the certificate revoked, superseded, still
        // valid, so listed on the CRL) and acquired again.
        let (again, rest): (Vec<_>, Vec<_>) = made.into_iter().partition(|h| {
            h.user_id()
                .and_then(|u| u.trim_start_matches('u').parse::<usize>().ok())
                .is_some_and(|i| i < revoked_each)
        });
        domain::reissue_all(state, &again).await.map_err(|e| anyhow::anyhow!("再発行: {e:?}"))?;
        issue_all(state, &Arc::new(again), &csrs, 512).await?;
        let wanted = runs.saturating_sub(sample.len());
        sample.extend(rest.into_iter().take(wanted));
        eprintln!("bank: {end} of {corporations} corporations, {:.0} s", setup.elapsed().as_secs_f64());
    }
    let setup = setup.elapsed();

    // Issuance on the grown database, beside the crypto-only ceiling of the same moment.
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let fresh = Arc::new(holders(state, "90000000001", ISSUED).await?);
    let ceiling = crypto_ceiling(state, &fresh[0], &csrs, ISSUED, cores)?;
    let started = Instant::now();
    issue_all(state, &fresh, &csrs, 512).await?;
    let issued = rate(ISSUED, started.elapsed());

    let mut reissues = Vec::with_capacity(runs);
    for h in &sample {
        let t = Instant::now();
        domain::reissue(state, h).await.map_err(|e| anyhow::anyhow!("再発行: {e:?}"))?;
        reissues.push(t.elapsed());
    }
    let mut crls = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        domain::resign_crl(state, sample[0].corporation_id())
            .await
            .map_err(|e| anyhow::anyhow!("CRL: {e:?}"))?;
        crls.push(t.elapsed());
    }
    let crl =
        app::ssr::pki::crl::current(&state.db, sample[0].corporation_id()).await?.map_or(0, |der| der.len());
    let partitions = app::ssr::db::certificates::crls(&state.db).await?.len();
    inst.state.db.close().await;

    let data = inst.dir.path();
    let database = std::fs::metadata(data.join("bizdirect.db")).map_or(0, |m| m.len());
    let (check, checked) =
        timed(Command::new(crate::https::server_binary()?).arg("check").arg("--data-dir").arg(data))?;
    let backup_file = data.join("bank-backup.tar.gz");
    let (backup, _) = timed(
        Command::new(crate::https::server_binary()?)
            .arg("backup")
            .arg("--data-dir")
            .arg(data)
            .arg("--to")
            .arg(&backup_file),
    )?;
    let backup_size = std::fs::metadata(&backup_file).map_or(0, |m| m.len());

    let live = corporations * users_each;
    let revoked = corporations * revoked_each;
    let shape = format!(
        "{corporations} corporations, {live} users with a live certificate, {revoked} revoked within validity (setup {:.0} s)",
        setup.as_secs_f64()
    );
    row(
        "P12",
        &format!("issuance (P1's path, 512 tasks, {ISSUED} certificates) at bank scale: {shape}"),
        &format!("{issued:.0} certs/s"),
        &format!("crypto-only ceiling, same moment: {ceiling:.0}/s"),
        &format!("{:.0} % of the ceiling", issued / ceiling * 100.0),
    );
    let (median, p99) = median_p99(&mut reissues);
    row(
        "P12",
        &format!("再発行 (revoke, its corporation's CRL re-signed from the entries kept in memory, issuance opened, audit; one commit), {runs} runs"),
        &format!("median {median:.1} ms, p99 {p99:.1} ms"),
        &format!("{partitions} CRLs (one per corporation and the shared one); a corporation's {crl} bytes"),
        "—",
    );
    let (median, p99) = median_p99(&mut crls);
    row(
        "P12",
        &format!("a corporation's CRL re-signed alone, every entry read from the database, {runs} runs"),
        &format!("median {median:.1} ms, p99 {p99:.1} ms"),
        &format!("its CRL {crl} bytes, {revoked_each}+ entries; {revoked} revoked in all"),
        "—",
    );
    row(
        "P12",
        "`server check` (every invariant) and `server backup` (consistent copy, tar.gz) of that data folder",
        &format!("check {:.1} s, backup {:.1} s", check.as_secs_f64(), backup.as_secs_f64()),
        &format!(
            "database {} MB, backup file {} MB; check: {}",
            database / 1_000_000,
            backup_size / 1_000_000,
            checked.lines().last().unwrap_or_default()
        ),
        "—",
    );
    Ok(())
}

/// Runs `command` to its end; its wall time and its standard output, or its failure.
fn timed(command: &mut Command) -> anyhow::Result<(Duration, String)> {
    let t = Instant::now();
    let out = command.output()?;
    let elapsed = t.elapsed();
    anyhow::ensure!(
        out.status.success(),
        "{command:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((elapsed, String::from_utf8_lossy(&out.stdout).into_owned()))
}

//! The operations listener's answers that come from the domain: readiness (the database takes a
//! write transaction, the CA key signs, the data folder has room) and the metrics read at each scrape (certificates by
//! state, the certificates that end within 30 days and the earliest `notAfter` per corporation,
//! the CRL, the notice outbox, the queues of the PIN and signing pools), as Prometheus text.

use crate::ssr::{db, AppState};
use std::fmt::Write as _;
use std::time::Duration;

/// How long each readiness check may take before it counts as failed.
pub const READY_DEADLINE: Duration = Duration::from_secs(3);

/// Readiness wants at least this much free space in the data folder: room for the write-ahead log
/// of a burst of writes, the CRL and the notices' files.
pub const MIN_FREE_BYTES: u64 = 16 * 1024 * 1024;

/// "Expiring" in the metrics: within this many seconds.
const EXPIRING_SECS: i64 = 30 * 86_400;

/// Whether the server can do its work now: `Err` names each part that cannot (`database: …`,
/// `ca_key: …`, `storage: …`).
pub async fn ready(state: &AppState, data_dir: &std::path::Path) -> Result<(), Vec<String>> {
    let database = async {
        let tx = db::begin_write(&state.db).await?;
        tx.commit().await
    };
    let ca = state.pki.ca.clone();
    let signs = state.pki.signing.run(move || ca.sign_probe());
    let (database, signs) = tokio::join!(
        tokio::time::timeout(READY_DEADLINE, database),
        tokio::time::timeout(READY_DEADLINE, signs)
    );
    let mut failing = Vec::new();
    match database {
        Ok(Ok(())) => {}
        Ok(Err(e)) => failing.push(format!("database: {e}")),
        Err(_) => failing.push(format!("database: no write transaction within {READY_DEADLINE:?}")),
    }
    match signs {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => failing.push(format!("ca_key: {e}")),
        Ok(Err(e)) => failing.push(format!("ca_key: {e}")),
        Err(_) => failing.push(format!("ca_key: no signature within {READY_DEADLINE:?}")),
    }
    match rustix::fs::statvfs(data_dir) {
        Ok(fs) => {
            let free = fs.f_bavail.saturating_mul(fs.f_frsize);
            if free < MIN_FREE_BYTES {
                failing.push(format!(
                    "storage: {} KiB free in {} (at least {} MiB wanted)",
                    free / 1024,
                    data_dir.display(),
                    MIN_FREE_BYTES / 1024 / 1024
                ));
            }
        }
        Err(e) => failing.push(format!("storage: {}: {e}", data_dir.display())),
    }
    if failing.is_empty() {
        Ok(())
    } else {
        Err(failing)
    }
}

/// One gauge family in Prometheus text: its help, type and samples (`labels`, value).
fn family(out: &mut String, name: &str, help: &str, samples: impl IntoIterator<Item = (String, i64)>) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}

/// A label value escaped as the text format wants (backslash, quote, newline).
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The metrics read from the database and the pools at `now`, in Prometheus text format.
pub async fn snapshot(state: &AppState, now: i64) -> Result<String, sqlx::Error> {
    let mut out = String::new();
    let by_state = db::ops::certificates_by_state(&state.db, now).await?;
    family(
        &mut out,
        "bizdirect_certificates",
        "Certificates and issuances by state (issued: valid now; expired: issued and past notAfter).",
        ["awaiting", "issued", "expired", "revoked"].map(|s| {
            (
                format!("{{state=\"{s}\"}}"),
                by_state.iter().find(|(state, _)| state == s).map_or(0, |(_, n)| *n),
            )
        }),
    );
    let expiring = db::ops::expiring_by_corporation(&state.db, now, now + EXPIRING_SECS).await?;
    family(
        &mut out,
        "bizdirect_certificates_expiring_30d",
        "Valid certificates of the corporation that end within 30 days.",
        expiring
            .iter()
            .map(|(contract, _, soon)| (format!("{{corporation=\"{}\"}}", label(contract)), *soon)),
    );
    family(
        &mut out,
        "bizdirect_certificate_earliest_not_after_seconds",
        "The earliest notAfter (unix seconds) among the corporation's valid certificates.",
        expiring
            .iter()
            .map(|(contract, first, _)| (format!("{{corporation=\"{}\"}}", label(contract)), *first)),
    );
    if let Some((crls, signed, oldest, next)) = db::certificates::crl_summary(&state.db).await? {
        family(
            &mut out,
            "bizdirect_crls",
            "CRLs published: the shared one and one per corporation.",
            [(String::new(), crls)],
        );
        family(
            &mut out,
            "bizdirect_crl_signatures",
            "CRLs signed so far: the sum of the current CRLs' cRLNumbers (one more per revocation's re-signing).",
            [(String::new(), signed)],
        );
        family(
            &mut out,
            "bizdirect_crl_age_seconds",
            "Seconds since the oldest CRL's thisUpdate.",
            [(String::new(), now - oldest)],
        );
        family(
            &mut out,
            "bizdirect_crl_next_update_seconds",
            "The earliest nextUpdate (unix seconds) among the CRLs.",
            [(String::new(), next)],
        );
    }
    let (notices, oldest_pending) = db::ops::notices_by_state(&state.db).await?;
    family(
        &mut out,
        "bizdirect_notices",
        "Notices (電子メール通知) in the outbox by state.",
        ["pending", "sent", "failed"].map(|s| {
            (
                format!("{{state=\"{s}\"}}"),
                notices.iter().find(|(state, _)| state == s).map_or(0, |(_, n)| *n),
            )
        }),
    );
    family(
        &mut out,
        "bizdirect_notice_oldest_pending_age_seconds",
        "Seconds since the oldest pending notice was written (0: none pending).",
        [(String::new(), oldest_pending.map_or(0, |at| now - at))],
    );
    let depth = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    family(
        &mut out,
        "bizdirect_pool_queue_depth",
        "Jobs waiting for a thread of the CPU pools (PIN hashing, signing).",
        [
            ("{pool=\"pin_hash\"}".to_owned(), depth(state.pins.waiting())),
            ("{pool=\"signing\"}".to_owned(), depth(state.pki.signing.waiting())),
        ],
    );
    Ok(out)
}

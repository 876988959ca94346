//! Where the audit log's signed checkpoints go (`app::ssr::operator::checkpoints` makes and
//! verifies them): appended to `--audit-checkpoint-file` (opened append-only, each line synced
//! before it counts as written) and, with `--audit-checkpoint-stdout`, printed for a log shipper.
//! The serving server writes one every `--audit-checkpoint-secs` when records were added since
//! its last; `server audit checkpoint` writes one on demand.

use crate::config::Config;
use crate::start::Opened;
use anyhow::Context;
use app::ssr::operator::checkpoints::{self, Checkpoint};
use std::io::Write;
use std::time::Duration;

/// Signs a checkpoint of the log now and writes it to the sinks.
pub async fn write(opened: &Opened, config: &Config) -> anyhow::Result<Checkpoint> {
    let checkpoint = checkpoints::make(&opened.state, &opened.audit_signer, app::ssr::now()).await?;
    let line = checkpoint.line();
    let path = config.audit_checkpoint_file.clone();
    let appended = line.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .with_context(|| format!("audit checkpoint file {}", path.display()))?;
        writeln!(file, "{appended}")
            .and_then(|()| file.sync_data())
            .with_context(|| format!("{}", path.display()))
    })
    .await??;
    if config.audit_checkpoint_stdout {
        println!("{line}");
    }
    Ok(checkpoint)
}

/// The serving server's checkpoints: every `--audit-checkpoint-secs`, when the log grew.
pub async fn every_interval(opened: Opened, config: Config) {
    if config.audit_checkpoint_secs == 0 {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(u64::from(config.audit_checkpoint_secs)));
    let mut last = None;
    loop {
        tick.tick().await;
        let records = app::ssr::db::audit::count(&opened.state.db).await.ok();
        if records.is_some() && records == last {
            continue;
        }
        match write(&opened, &config).await {
            Ok(cp) => last = Some(cp.records),
            Err(e) => tracing::error!("audit checkpoint: {e:#}"),
        }
    }
}

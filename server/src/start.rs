//! Opening a data folder: database (migrations applied), CA and HTTPS certificate, all created
//! on first start and reused afterwards.

use anyhow::Context;
use app::ssr::{ca::CertificateAuthority, db, secret::PrivateKeyPem, AppState, Settings};
use std::path::Path;

/// An opened data folder.
pub struct Opened {
    pub state: AppState,
    pub ca_created: bool,
}

pub fn database_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("bizdirect.db")
}

/// Opens (or creates) the database and the CA in `data_dir`.
pub async fn open(data_dir: &Path, settings: Settings) -> anyhow::Result<Opened> {
    open_with_ca(data_dir, None, settings).await
}

/// Like [`open`], with the CA taken from `ca_dir` when given (it must exist there).
pub async fn open_with_ca(
    data_dir: &Path,
    ca_dir: Option<&Path>,
    settings: Settings,
) -> anyhow::Result<Opened> {
    app::ssr::ca::private_dir(data_dir).with_context(|| format!("data folder {}", data_dir.display()))?;
    let pool = db::open(&database_path(data_dir))
        .await
        .with_context(|| format!("database {}", database_path(data_dir).display()))?;
    let (ca, ca_created) = match ca_dir {
        Some(dir) => (CertificateAuthority::load(dir).context("certificate authority")?, false),
        None => CertificateAuthority::load_or_create(&data_dir.join("ca"), time::OffsetDateTime::now_utc())
            .context("certificate authority")?,
    };
    let state = AppState::new(pool, settings, ca);
    app::ssr::certificates::ensure_fresh_crl(&state, app::ssr::now())
        .await
        .map_err(|e| anyhow::anyhow!("signing the CRL: {e}"))?;
    Ok(Opened { state, ca_created })
}

/// The HTTPS certificate chain and key for the listener.
pub fn tls_material(opened: &Opened, data_dir: &Path) -> anyhow::Result<(String, PrivateKeyPem)> {
    opened
        .state
        .ca
        .load_or_issue_tls(&data_dir.join("tls"), time::OffsetDateTime::now_utc())
        .context("HTTPS server certificate")
}

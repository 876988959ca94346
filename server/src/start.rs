//! Opening a data folder: database (migrations applied), CA, and the HTTPS certificate with its
//! own issuer, all created on first start and reused afterwards.
//!
//! The CA key's passphrase is read here, from the environment variable that
//! `--ca-key-passphrase-env` names, and handed to `app::ssr::pki::ca` as a [`CaKeyPassphrase`]; what
//! the key file must look like is decided there. Likewise the PKCS#11 token's user PIN, from the
//! variable that `--ca-pkcs11-pin-env` names, when the CA key is in an HSM.

use crate::config::{Config, TlsFiles};
use anyhow::Context;
use app::ssr::audit::IdKey;
use app::ssr::pki::ca::key::AuditSigner;
use app::ssr::pki::ca::tls_issuer::{self, NewIssuer, TlsIssuer};
use app::ssr::pki::ca::CertificateAuthority;
use app::ssr::pki::pkcs11::{TokenConfig, TokenKey};
use app::ssr::seal::Sealer;
use app::ssr::secret::{CaKeyPassphrase, PrivateKeyPem, TokenPin};
use app::ssr::{AppState, Database, Settings};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An opened data folder.
#[derive(Clone)]
pub struct Opened {
    pub state: AppState,
    pub ca_created: bool,
    /// Signs the audit log's checkpoints (`<data-dir>/audit/checkpoint.key`, or in the CA's token).
    pub audit_signer: Arc<AuditSigner>,
}

/// Where the CA is and how its key is kept at rest.
#[derive(Debug, Default, Clone)]
pub struct CaOptions {
    /// An existing CA given by path (`--ca-dir`); `None`: the data folder's own `ca/`, created on
    /// first start.
    pub dir: Option<PathBuf>,
    /// The passphrase of an encrypted `ca.key` (`--ca-key-passphrase-env`); `None`: a plain key.
    pub passphrase: Option<CaKeyPassphrase>,
    /// The CA key is in this PKCS#11 token (`--ca-pkcs11-*`); `dir` (or the data folder's `ca/`)
    /// then holds `ca.crt` only.
    pub token: Option<TokenConfig>,
}

impl CaOptions {
    /// From the configuration, reading the passphrase from the environment variable it names.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let passphrase = config.ca_key_passphrase_env.as_deref().map(passphrase_from_env).transpose()?;
        let token = config
            .ca_pkcs11
            .as_ref()
            .map(|t| -> anyhow::Result<TokenConfig> {
                Ok(TokenConfig {
                    module: t.module.clone(),
                    token: t.token.clone(),
                    key_label: t.key_label.clone(),
                    pin: TokenPin::new(secret_from_env(
                        &t.pin_env,
                        "--ca-pkcs11-pin-env",
                        "the token's user PIN",
                    )?),
                })
            })
            .transpose()?;
        Ok(Self { dir: config.ca_dir.clone(), passphrase, token })
    }
}

/// A secret from the environment variable `var` (named by `option`); unset, empty or not UTF-8
/// refuses the start.
fn secret_from_env(var: &str, option: &str, what: &str) -> anyhow::Result<String> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(value),
        Ok(_) => {
            anyhow::bail!("environment variable {var} (named by {option}) is empty: it must hold {what}")
        }
        Err(std::env::VarError::NotPresent) => {
            anyhow::bail!("environment variable {var} (named by {option}) is not set: it must hold {what}")
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            anyhow::bail!("environment variable {var} (named by {option}) is not valid UTF-8")
        }
    }
}

/// The CA key's passphrase from `var`; unset, empty or not UTF-8 refuses the start.
fn passphrase_from_env(var: &str) -> anyhow::Result<CaKeyPassphrase> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(CaKeyPassphrase::new(value)),
        Ok(_) => anyhow::bail!(
            "environment variable {var} (named by --ca-key-passphrase-env) is empty: it must hold the CA key's passphrase"
        ),
        Err(std::env::VarError::NotPresent) => anyhow::bail!(
            "environment variable {var} (named by --ca-key-passphrase-env) is not set: it must hold the CA key's passphrase"
        ),
        Err(std::env::VarError::NotUnicode(_)) => {
            anyhow::bail!("environment variable {var} (named by --ca-key-passphrase-env) is not valid UTF-8")
        }
    }
}

pub fn database_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("bizdirect.db")
}

/// Opens (or creates) the SQLite database and the CA in `data_dir`.
pub async fn open(data_dir: &Path, settings: Settings) -> anyhow::Result<Opened> {
    open_with_ca(data_dir, &CaOptions::default(), settings).await
}

/// What every command of the binary opens: the configured database, data folder and CA.
pub async fn open_config(config: &Config) -> anyhow::Result<Opened> {
    open_with(&config.data_dir, &config.database(), &CaOptions::from_config(config)?, config.settings()).await
}

/// Like [`open`], with the CA as `ca` says (a CA given by path must exist there).
pub async fn open_with_ca(data_dir: &Path, ca: &CaOptions, settings: Settings) -> anyhow::Result<Opened> {
    open_with(data_dir, &Database::Sqlite(database_path(data_dir)), ca, settings).await
}

/// Opens `database` (SQLite file or PostgreSQL), and the CA and data folder as [`open_with_ca`]
/// does. Several instances may open one PostgreSQL database: they must then share the CA too
/// (one `--ca-dir`, or one data folder).
pub async fn open_with(
    data_dir: &Path,
    database: &Database,
    ca: &CaOptions,
    settings: Settings,
) -> anyhow::Result<Opened> {
    app::ssr::pki::ca::private_dir(data_dir)
        .with_context(|| format!("data folder {}", data_dir.display()))?;
    let pool = app::ssr::open_database(database)
        .await
        .with_context(|| format!("database {}", database.display()))?;
    // Reading the key may run the passphrase's KDF (scrypt, tens of milliseconds): off the
    // async threads.
    let audit_token = ca.token.clone();
    let (own_dir, ca) = (data_dir.join("ca"), ca.clone());
    let (ca, ca_created) = tokio::task::spawn_blocking(move || match (&ca.token, &ca.dir) {
        (Some(token), dir) => {
            let key = TokenKey::open(token)?;
            CertificateAuthority::open_with_token(dir.as_ref().unwrap_or(&own_dir), key).map(|ca| (ca, false))
        }
        (None, Some(dir)) => CertificateAuthority::load(dir, ca.passphrase.as_ref()).map(|ca| (ca, false)),
        (None, None) => CertificateAuthority::load_or_create(
            &own_dir,
            time::OffsetDateTime::now_utc(),
            ca.passphrase.as_ref(),
        ),
    })
    .await
    .context("loading the certificate authority")?
    .context("certificate authority")?;
    let mut state = AppState::new(pool, settings, ca);
    let id_key = data_dir.join("audit").join("id.key");
    let secret = app::ssr::pki::ca::key::load_or_create_secret(&id_key, IdKey::LEN)
        .with_context(|| format!("audit key {}", id_key.display()))?;
    state.audit_ids = Arc::new(IdKey::new(secret));
    // The TOTP secrets' key: outside the database (and its backups). Never made anew while
    // secrets sealed under a lost one are stored.
    let otp_key = data_dir.join("secrets").join("otp.key");
    if !otp_key.exists() {
        let stored =
            app::ssr::operator::check::sealed_secrets(&state).await.context("second-factor secrets")?;
        if stored > 0 {
            anyhow::bail!(
                "{}: missing, while the database holds {stored} one-time password secrets sealed under it; \
                 put the key file back (it is not in backups, so keep a copy of it beside them)",
                otp_key.display()
            );
        }
    }
    let secret = app::ssr::pki::ca::key::load_or_create_secret(&otp_key, Sealer::LEN)
        .with_context(|| format!("second-factor key {}", otp_key.display()))?;
    state.sealer = Arc::new(
        Sealer::new(&secret)
            .with_context(|| format!("{}: not a key of {} bytes", otp_key.display(), Sealer::LEN))?,
    );
    let audit_dir = data_dir.join("audit");
    let audit_signer =
        tokio::task::spawn_blocking(move || AuditSigner::open(&audit_dir, audit_token.as_ref()))
            .await
            .context("opening the audit checkpoint key")?
            .context("audit checkpoint key")?;
    app::ssr::pki::crl::ensure_fresh_crl(&state.pki, app::ssr::now())
        .await
        .map_err(|e| anyhow::anyhow!("signing the CRL: {e}"))?;
    Ok(Opened { state, ca_created, audit_signer: Arc::new(audit_signer) })
}

/// `server ca encrypt-key`: rewrites the configured CA's plain key encrypted under the passphrase
/// from `--ca-key-passphrase-env`. Opens nothing else. Returns the key's path.
pub fn encrypt_ca_key(config: &Config) -> anyhow::Result<PathBuf> {
    let Some(var) = config.ca_key_passphrase_env.as_deref() else {
        anyhow::bail!(
            "ca encrypt-key needs --ca-key-passphrase-env VAR, VAR being an environment variable that holds the new passphrase"
        );
    };
    let passphrase = passphrase_from_env(var)?;
    let dir = config.ca_dir.clone().unwrap_or_else(|| config.data_dir.join("ca"));
    CertificateAuthority::encrypt_key(&dir, &passphrase).context("certificate authority")
}

/// `server ca hsm-init`: generates the CA key pair in the configured token and writes `ca.crt`
/// for it (signed by the token) into `--ca-dir` or `<data-dir>/ca`. Returns the CA.
pub fn hsm_init(config: &Config) -> anyhow::Result<CertificateAuthority> {
    let options = CaOptions::from_config(config)?;
    let Some(token) = options.token else {
        anyhow::bail!(
            "ca hsm-init needs --ca-pkcs11-module, --ca-pkcs11-token (or --ca-pkcs11-slot) and --ca-pkcs11-pin-env"
        );
    };
    let dir = config.ca_dir.clone().unwrap_or_else(|| config.data_dir.join("ca"));
    if dir.join("ca.crt").exists() || dir.join("ca.key").exists() {
        anyhow::bail!("{}: a CA is already here; ca hsm-init never replaces one", dir.display());
    }
    let key = TokenKey::generate(&token).context("generating the CA key in the token")?;
    CertificateAuthority::create_with_token(&dir, key, time::OffsetDateTime::now_utc())
        .context("certificate authority")
}

/// What the listeners present: the operator's certificate, or the default one and its issuer.
pub struct TlsMaterial {
    pub chain: String,
    pub key: PrivateKeyPem,
    /// The issuer of the default certificate (`None` with `--tls-cert`), which re-signs its CRL.
    pub issuer: Option<Arc<TlsIssuer>>,
    /// Why a new issuer was made at this start, if one was.
    pub new_issuer: Option<NewIssuer>,
}

/// The HTTPS certificate chain and key for the listeners: the operator's files (`--tls-cert`,
/// `--tls-key`), or else the default certificate in `<data-dir>/tls/`, issued when needed by the
/// self-made TLS issuer there (never by the client CA), whose CRL is signed now and published.
pub async fn tls_material(opened: &Opened, config: &Config) -> anyhow::Result<TlsMaterial> {
    if let Some(files) = &config.tls_files {
        let (chain, key) = read_tls_files(files).await?;
        return Ok(TlsMaterial { chain, key, issuer: None, new_issuer: None });
    }
    let (dir, settings) = (config.data_dir.join("tls"), Arc::clone(&opened.state.settings));
    let made = tokio::task::spawn_blocking(move || {
        tls_issuer::load_or_issue(&dir, &settings, time::OffsetDateTime::now_utc())
    })
    .await
    .context("issuing the HTTPS certificate")?
    .context("HTTPS server certificate")?;
    publish_tls_crl(&opened.state, &made.issuer).context("signing the HTTPS issuer's CRL")?;
    Ok(TlsMaterial {
        chain: made.chain,
        key: made.key,
        issuer: Some(Arc::new(made.issuer)),
        new_issuer: made.new_issuer,
    })
}

/// Signs the TLS issuer's CRL now and publishes it (`/crl/tls.crl`).
pub fn publish_tls_crl(state: &AppState, issuer: &TlsIssuer) -> anyhow::Result<()> {
    state.pki.tls_crl.set(issuer.sign_crl(time::OffsetDateTime::now_utc())?);
    Ok(())
}

/// The operator's HTTPS certificate chain and key, as they are in their files now.
pub async fn read_tls_files(files: &TlsFiles) -> anyhow::Result<(String, PrivateKeyPem)> {
    let chain = tokio::fs::read_to_string(&files.cert)
        .await
        .with_context(|| format!("HTTPS certificate chain {}", files.cert.display()))?;
    let key = tokio::fs::read_to_string(&files.key)
        .await
        .with_context(|| format!("HTTPS private key {}", files.key.display()))?;
    Ok((chain, PrivateKeyPem::new(key)))
}

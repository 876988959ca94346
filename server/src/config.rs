//! Configuration: command-line flags, `BIZDIRECT_*` environment variables, and an optional TOML
//! file (`--config`). Precedence: flag > environment > file > built-in default. Each setting is
//! one entry of the `settings!` table, which makes its flag, environment variable, TOML key, help
//! and built-in default.

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// bizdirect server and bank-operator command line.
///
/// Without a command it serves the product over HTTPS. All state lives in the data folder:
/// the SQLite database (or, with --database, a PostgreSQL database), the certificate authority
/// (ca/) and the HTTPS certificate (tls/), each created on first start and reused afterwards.
#[derive(Debug, Parser)]
#[command(name = "server", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub options: Options,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Makes, from one table of settings, everything that names them: the `Options` fields (flag,
/// environment variable, value name, help with the default), the `FileConfig` fields (TOML keys),
/// the key list of `--config`'s help (`FILE_KEYS`) and `Options::layered`, which takes each setting
/// from its flag or environment variable, else the file, else its built-in default.
macro_rules! settings {
    (@shown $ty:ty) => { None };
    (@shown $ty:ty, default $default:expr) => { Some(<$ty as Shown>::shown(&$default)) };
    (@shown $ty:ty, rule $rule:expr) => { Some($rule.to_string()) };
    (@layered $ty:ty) => { Option<$ty> };
    (@layered $ty:ty, $default:expr) => { $ty };
    (@merge $given:expr) => { $given };
    (@merge $given:expr, $default:expr) => { $given.unwrap_or_else(|| $default) };
    (
        $(
            $(#[doc = $doc:literal])*
            $(#[arg($($arg:tt)*)])*
            $name:ident: $ty:ty, env $env:literal, value_name $value_name:literal
                $(, default $default:expr)? $(, default_by_rule $rule:expr)?;
        )*
    ) => {
        /// Options shared by every command.
        #[derive(Debug, Args, Default, Clone)]
        pub struct Options {
            #[arg(long, global = true, env = "BIZDIRECT_CONFIG", value_name = "FILE", help = config_help())]
            pub config: Option<PathBuf>,
            $(
                #[arg(long, global = true, env = $env, value_name = $value_name, help = help_text(
                    &[$($doc),*],
                    settings!(@shown $ty $(, default $default)? $(, rule $rule)?),
                ))]
                $(#[arg($($arg)*)])*
                pub $name: Option<$ty>,
            )*
        }

        /// The TOML file's keys (all optional; unknown keys are an error, so typos do not pass
        /// silently).
        #[derive(Debug, Default, Deserialize, PartialEq, Eq)]
        #[serde(deny_unknown_fields)]
        pub struct FileConfig {
            $(pub $name: Option<$ty>,)*
        }

        /// The TOML file's keys, as `--config`'s help lists them.
        const FILE_KEYS: &[&str] = &[$(stringify!($name)),*];

        /// Every setting from its flag or environment variable, else the file, else its `default`.
        /// A setting without one (`default_by_rule` or none) is `None` when given nowhere.
        struct Layered {
            $($name: settings!(@layered $ty $(, $default)?),)*
        }

        impl Options {
            fn layered(&self, file: FileConfig) -> Layered {
                let flags = self.clone();
                Layered { $($name: settings!(@merge flags.$name.or(file.$name) $(, $default)?),)* }
            }
        }
    };
}

// Every setting once: its help (the doc comment), `name: type` (the flag --name and the TOML key
// name), its environment variable, the value name in --help, and either `default <value>` (applied
// by `Options::layered` and shown in --help), or `default_by_rule <text>` (shown in --help; the
// setting stays `None` when given nowhere and its rule applies: in `resolve_with`, `Layered::pkcs11`,
// `Config::database` or `start`), or neither. Extra clap attributes go in `#[arg(…)]`. --help, the
// key list of --config and the TOML parser's "expected one of" list name the settings in this order.
settings! {
    /// Data folder (database, CA, TLS certificate)
    data_dir: PathBuf, env "BIZDIRECT_DATA_DIR", value_name "DIR", default PathBuf::from("data");

    /// PostgreSQL database instead of the SQLite file in the data folder, as a URL
    /// (postgres://USER@HOST:PORT/DATABASE); several server instances may share it. Give the
    /// password in PGPASSWORD or ~/.pgpass rather than in the URL
    #[arg(hide_env_values = true)]
    database: String, env "BIZDIRECT_DATABASE", value_name "URL",
        default_by_rule "<data-dir>/bizdirect.db";

    /// Address of the HTTPS listener
    addr: SocketAddr, env "BIZDIRECT_ADDR", value_name "IP:PORT",
        default SocketAddr::from(([127, 0, 0, 1], 3000));

    /// Seed the demo corporation with its well-known PINs (never in production)
    #[arg(num_args = 0..=1, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    demo: bool, env "BIZDIRECT_DEMO", value_name "DEMO", default false;

    /// Folder with the built site (pkg/*.wasm, *.js, *.css)
    site_root: PathBuf, env "BIZDIRECT_SITE_ROOT", value_name "DIR",
        default_by_rule "site/ beside the binary's folder when there is one (an install: bin/server, site/), else target/site";

    /// Minutes without a request after which a session ends
    session_idle_minutes: u32, env "BIZDIRECT_SESSION_IDLE_MINUTES", value_name "MIN", default 10;

    /// Minutes after logon after which a session ends however active
    session_max_minutes: u32, env "BIZDIRECT_SESSION_MAX_MINUTES", value_name "MIN", default 480;

    /// Base URL under which this server is reached (used in the CRL distribution point of issued
    /// certificates)
    public_url: String, env "BIZDIRECT_PUBLIC_URL", value_name "URL",
        default_by_rule "https://127.0.0.1:<port of --addr>";

    /// Address of the certificate-logon listener (電子証明書方式: asks the browser for a client
    /// certificate)
    cert_addr: SocketAddr, env "BIZDIRECT_CERT_ADDR", value_name "IP:PORT",
        default_by_rule "the port after --addr's";

    /// Log lines as `text` (for a terminal) or `json` (one object per line, for a log shipper):
    /// one line per request with its request id, route, status, latency and corporation
    log_format: String, env "BIZDIRECT_LOG_FORMAT", value_name "text|json", default "text".to_owned();

    /// Address of the operations listener (plain HTTP: /healthz, /readyz, /metrics; nothing of
    /// the product). Keep it on loopback or a management network
    ops_addr: SocketAddr, env "BIZDIRECT_OPS_ADDR", value_name "IP:PORT",
        default SocketAddr::from(([127, 0, 0, 1], 9464));

    /// Base URL under which the certificate-logon listener is reached
    cert_public_url: String, env "BIZDIRECT_CERT_PUBLIC_URL", value_name "URL",
        default_by_rule "public URL's host with the port of --cert-addr";

    /// Consecutive wrong PINs that lock a user (利用停止) or the contract (契約法人利用中止)
    lockout_after: u32, env "BIZDIRECT_LOCKOUT_AFTER", value_name "N", default 6;

    /// Logon/acquisition attempts per minute from one client address; more get "try later"
    attempts_per_minute_per_address: u32, env "BIZDIRECT_ATTEMPTS_PER_MINUTE_PER_ADDRESS",
        value_name "N", default 120;

    /// Logon/acquisition attempts per minute for one account (contract ID / user ID)
    attempts_per_minute_per_account: u32, env "BIZDIRECT_ATTEMPTS_PER_MINUTE_PER_ACCOUNT",
        value_name "N", default 20;

    /// Days an issued certificate waits for the user's acquisition
    acquire_window_days: u32, env "BIZDIRECT_ACQUIRE_WINDOW_DAYS", value_name "DAYS", default 80;

    /// The HTTPS certificate both listeners present, from the bank's own or a public CA: a PEM
    /// file with the server's certificate first, then its intermediates (needs --tls-key).
    /// Read again on SIGHUP; a file that does not load then is logged and the current
    /// certificate stays
    tls_cert: PathBuf, env "BIZDIRECT_TLS_CERT", value_name "FILE",
        default_by_rule "<data-dir>/tls/server.crt, issued at start by tls/issuer.crt";

    /// The private key (PEM, PKCS#8, SEC1 or PKCS#1) of --tls-cert
    tls_key: PathBuf, env "BIZDIRECT_TLS_KEY", value_name "FILE",
        default_by_rule "<data-dir>/tls/server.key, made at start";

    /// Folder of an existing issuing CA (ca.crt, ca.key) to use instead of the one created in the
    /// data folder; it must exist (production)
    ca_dir: PathBuf, env "BIZDIRECT_CA_DIR", value_name "DIR",
        default_by_rule "<data-dir>/ca, created on first start";

    /// Name of an environment variable that holds the passphrase of the CA key (ca.key): a new
    /// key is written encrypted (PKCS#8, scrypt + AES-256-CBC) and an existing key must be
    /// encrypted under it. The passphrase itself never goes on the command line or in the file
    ca_key_passphrase_env: String, env "BIZDIRECT_CA_KEY_PASSPHRASE_ENV", value_name "ENV_VAR",
        default_by_rule "none, ca.key is protected by its file mode only";

    /// PKCS#11 module (shared library) of the HSM that holds the CA key: the key never leaves the
    /// token and there is no ca.key; ca.crt is made by `server ca hsm-init`. Needs
    /// --ca-pkcs11-token or --ca-pkcs11-slot, and --ca-pkcs11-pin-env
    ca_pkcs11_module: PathBuf, env "BIZDIRECT_CA_PKCS11_MODULE", value_name "FILE",
        default_by_rule "none, the key is ca.key";

    /// Label of the token that holds the CA key
    ca_pkcs11_token: String, env "BIZDIRECT_CA_PKCS11_TOKEN", value_name "LABEL";

    /// Slot id of the token that holds the CA key (instead of --ca-pkcs11-token)
    ca_pkcs11_slot: u64, env "BIZDIRECT_CA_PKCS11_SLOT", value_name "ID";

    // By rule: given without ca_pkcs11_module it is refused, so `resolve_with` must see it unset.
    /// Label (CKA_LABEL) of the CA key pair in the token
    ca_pkcs11_key_label: String, env "BIZDIRECT_CA_PKCS11_KEY_LABEL", value_name "LABEL",
        default_by_rule DEFAULT_PKCS11_KEY_LABEL;

    /// Name of an environment variable that holds the token's user PIN (never the PIN itself)
    ca_pkcs11_pin_env: String, env "BIZDIRECT_CA_PKCS11_PIN_ENV", value_name "ENV_VAR";

    /// Days a user certificate is valid from acquisition
    certificate_days: u32, env "BIZDIRECT_CERTIFICATE_DAYS", value_name "DAYS", default 365;

    /// Append-only file that receives the audit log's signed checkpoints (one JSON line each;
    /// keep it, or a copy, where whoever can write the database cannot)
    audit_checkpoint_file: PathBuf, env "BIZDIRECT_AUDIT_CHECKPOINT_FILE", value_name "FILE",
        default_by_rule "<data-dir>/audit/checkpoints.jsonl";

    /// Seconds between the serving server's audit checkpoints (one is written only when records
    /// were added since the last); 0: only on demand (`server audit checkpoint`)
    audit_checkpoint_secs: u32, env "BIZDIRECT_AUDIT_CHECKPOINT_SECS", value_name "SECS", default 600;

    /// Mail server for the notices (電子メール通知): smtp://HOST[:PORT] (STARTTLS required unless
    /// HOST is loopback; add ?tls=required to require it there too) or smtps://HOST[:PORT].
    /// Without it each notice is written as an .eml file into <data-dir>/mail/
    smtp_url: String, env "BIZDIRECT_SMTP_URL", value_name "URL",
        default_by_rule "none, notices go to <data-dir>/mail/";

    /// PEM file of the CA certificates that sign the mail server's TLS certificate, trusted
    /// beside the system's roots (for a relay with a certificate of the bank's own CA)
    smtp_ca: PathBuf, env "BIZDIRECT_SMTP_CA", value_name "FILE";

    /// User name for the mail server (with --smtp-password-env)
    smtp_user: String, env "BIZDIRECT_SMTP_USER", value_name "NAME";

    /// Name of an environment variable that holds the mail server's password (never the
    /// password itself)
    smtp_password_env: String, env "BIZDIRECT_SMTP_PASSWORD_ENV", value_name "ENV_VAR";

    /// The notices' sender address (From:)
    mail_from: String, env "BIZDIRECT_MAIL_FROM", value_name "ADDRESS", default "bizdirect@localhost".to_owned();

    /// Days before a certificate expires at which its holder and the administrator are reminded
    /// (電子証明書有効期限のお知らせ), comma-separated
    expiry_notice_days: String, env "BIZDIRECT_EXPIRY_NOTICE_DAYS", value_name "DAYS,…", default "30,10".to_owned();

    /// The bank operator's address: told when a contract is suspended (契約法人利用中止)
    operator_email: String, env "BIZDIRECT_OPERATOR_EMAIL", value_name "ADDRESS";

    /// Also print each audit checkpoint on standard output (for a log shipper)
    #[arg(num_args = 0..=1, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    audit_checkpoint_stdout: bool, env "BIZDIRECT_AUDIT_CHECKPOINT_STDOUT", value_name "BOOL", default false;
}

/// `--config`'s help, listing the TOML keys.
fn config_help() -> String {
    format!("TOML file with any of: {}. Flags and environment variables override it", FILE_KEYS.join(", "))
}

/// `cert revoke --reason`'s help: the names of the one table of revocation reasons.
fn reason_help() -> String {
    format!("Revocation reason (RFC 5280), one of: {}", app::ssr::operator::reason::names())
}

/// How `--help` shows a built-in default.
trait Shown {
    fn shown(&self) -> String;
}

impl Shown for PathBuf {
    fn shown(&self) -> String {
        self.display().to_string()
    }
}

impl Shown for SocketAddr {
    fn shown(&self) -> String {
        self.to_string()
    }
}

impl Shown for u32 {
    fn shown(&self) -> String {
        self.to_string()
    }
}

impl Shown for String {
    fn shown(&self) -> String {
        self.clone()
    }
}

impl Shown for bool {
    fn shown(&self) -> String {
        self.to_string()
    }
}

/// A setting's help: its doc comment's lines joined as clap joins them, and the default if it has
/// one.
fn help_text(doc: &[&str], default: Option<String>) -> String {
    let text = doc.iter().map(|line| line.trim()).collect::<Vec<_>>().join(" ");
    match default {
        Some(default) => format!("{text} [default: {default}]"),
        None => text,
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the product over HTTPS (the default)
    Serve,
    /// Bank operator: contract corporations
    #[command(subcommand)]
    Corp(CorpCommand),
    /// Bank operator: certificates
    #[command(subcommand)]
    Cert(CertCommand),
    /// Auditor: the audit log
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Bank operator: the certificate authority's key
    #[command(subcommand)]
    Ca(CaCommand),
    /// Bank operator: the notices (電子メール通知) and their delivery
    #[command(subcommand)]
    Notices(NoticesCommand),
    /// Verify every invariant of the data folder (unique serials, one live certificate per
    /// holder, revoked certificates in the CRL, issued certificates verify, audit chain, an
    /// audit record for every issuance); prints each violation, exit 0 only if all hold
    Check,
    /// Bank operator: write a consistent copy of the database, the CA (ca.crt, and ca.key as it
    /// is, encrypted or not; from --ca-dir when given) and tls/ into one new archive file, while
    /// the server may keep running. The file holds the CA key: mode 0600, never overwritten
    Backup {
        /// The archive to create (gzip-compressed tar with a manifest of SHA-256s); it must not
        /// exist
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Bank operator: restore an archive made by `backup` into --data-dir, which must be new or
    /// empty. Every member's SHA-256 is verified before anything is written, the data is opened
    /// and checked as `check` does, and the folder appears only if all of that passes
    Restore {
        /// The archive made by `backup`
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CaCommand {
    /// Rewrite the existing plain ca.key encrypted under the passphrase in the environment variable
    /// named by --ca-key-passphrase-env (atomically, mode 0600); from then on the server starts
    /// only with that option
    EncryptKey,
    /// Generate the CA key pair in the PKCS#11 token (--ca-pkcs11-*: P-256, sensitive,
    /// non-extractable) and write the CA certificate for it, signed by the token, as ca.crt in
    /// --ca-dir or <data-dir>/ca (which must hold no CA yet). Prints the key's protection as the
    /// token reports it
    HsmInit,
}

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// List a corporation's certificates and issuances, newest first
    List {
        /// 契約法人ID
        #[arg(long)]
        contract_id: String,
    },
    /// Revoke an issued certificate by serial number and re-sign the CRL
    Revoke {
        /// Serial number in hex (colons allowed)
        #[arg(long)]
        serial: String,
        #[arg(long, help = reason_help())]
        reason: String,
    },
    /// Issue the administrator's own certificate: opens an issuance that the administrator
    /// acquires at 契約法人電子証明書取得 with the two administrator PINs (the current certificate,
    /// if any, is revoked as superseded)
    IssueAdmin {
        /// 契約法人ID
        #[arg(long)]
        contract_id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain; exit 0 only if no record was edited, inserted or deleted. With
    /// --checkpoints, also check the log against every signed checkpoint (a truncated tail, a
    /// removed record or a re-hashed chain)
    Verify {
        /// Checkpoints written by the server (`--audit-checkpoint-file`), or a copy of them
        #[arg(long, value_name = "FILE")]
        checkpoints: Option<PathBuf>,
        /// The checkpoint key's public key (SPKI PEM)
        #[arg(long, value_name = "FILE", default_value = "<data-dir>/audit/checkpoint.pub")]
        checkpoint_key: String,
    },
    /// Sign a checkpoint of the log now, append it to --audit-checkpoint-file and print it
    Checkpoint,
    /// Write the audit log as JSON lines on standard output, each record with its chain hashes,
    /// for a SIEM (docs/OPERATIONS.md): every record, or those after --since-seq
    Export {
        /// Only the records after this sequence number (the last one a collector has)
        #[arg(long, value_name = "N", default_value_t = 0)]
        since_seq: i64,
        /// The output format (JSON lines)
        #[arg(long, value_name = "FORMAT", default_value = "jsonl", value_parser = ["jsonl"])]
        format: String,
    },
    /// Check an export's hash chain (from its first record's prev_hash); exit 0 only if intact
    VerifyExport {
        /// The file `server audit export` wrote
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum NoticesCommand {
    /// Write the reminders that are due now (有効期限 and acquisition windows); the serving server
    /// does this every hour
    Scan,
    /// The newest notices: time, state, attempts, kind, recipient, subject, last error
    List {
        /// Only those that failed for good (a permanent SMTP refusal, or no valid address)
        #[arg(long)]
        failed: bool,
        /// How many
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum CorpCommand {
    /// Create a contract corporation with its administrator; prints the PINs it generated
    Create {
        /// 契約法人名 (corporation name), 1-60 characters
        #[arg(long)]
        name: String,
        /// 契約法人ID, half-width digits (drawn at random when omitted)
        #[arg(long)]
        contract_id: Option<String>,
        /// 契約法人暗証番号; read from this environment variable instead of generated
        #[arg(long, value_name = "ENV_VAR")]
        admin_pin_env: Option<String>,
        /// 契約法人確認暗証番号; read from this environment variable instead of generated
        #[arg(long, value_name = "ENV_VAR")]
        confirm_pin_env: Option<String>,
        /// Most users the corporation may register [default: 99]
        #[arg(long)]
        max_users: Option<i64>,
        /// The administrator's e-mail address, for the notices (電子メール通知)
        #[arg(long)]
        email: Option<String>,
    },
    /// Set (or, with an empty value, remove) the administrator's e-mail address
    SetEmail {
        /// 契約法人ID
        #[arg(long)]
        contract_id: String,
        /// The address
        #[arg(long)]
        email: String,
    },
    /// List contract corporations
    List,
    /// Set how the corporation's administrator may log on: id_pin (ID・暗証番号方式 or
    /// 電子証明書方式) or certificate (電子証明書方式 only; the ID logon is refused)
    SetAdminLogon {
        /// 契約法人ID
        #[arg(long)]
        contract_id: String,
        /// id_pin or certificate
        #[arg(long, value_parser = app::ssr::operator::corporations::ADMIN_LOGON_METHODS)]
        method: String,
    },
    /// Set whether the contract uses a second factor (ワンタイムパスワード) at logon and on the
    /// administrator's changes: off, optional (whoever registered one) or required (everyone;
    /// a person without one registers it at the next logon)
    SetSecondFactor {
        /// 契約法人ID
        #[arg(long)]
        contract_id: String,
        /// off, optional or required
        #[arg(long, value_parser = app::ssr::operator::corporations::SECOND_FACTOR_POLICIES)]
        policy: String,
    },
    /// Remove the administrator's second factor (a lost phone) and end their sessions; they
    /// register a new one at the next logon if the contract requires it
    ResetSecondFactor {
        /// 契約法人ID
        #[arg(long)]
        contract_id: String,
    },
    /// Set how many users a corporation may register
    SetMaxUsers {
        /// 契約法人ID
        #[arg(long)]
        contract_id: String,
        /// The new limit (1-9999)
        #[arg(long)]
        max_users: i64,
    },
    /// Clear 契約法人利用中止 (the contract locked by wrong administrator PINs) after checking who
    /// asks; the failure count starts again
    Unlock {
        /// 契約法人ID
        #[arg(long)]
        contract_id: String,
    },
}

/// The CA key in a PKCS#11 token: which module, token and key, and where the PIN is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs11Config {
    pub module: PathBuf,
    pub token: app::ssr::pki::pkcs11::TokenSelector,
    pub key_label: String,
    /// Name of the environment variable holding the user PIN (never the PIN).
    pub pin_env: String,
}

/// Default CKA_LABEL of the CA key pair.
pub const DEFAULT_PKCS11_KEY_LABEL: &str = "bizdirect-ca";

/// Everything resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub data_dir: PathBuf,
    pub addr: SocketAddr,
    pub demo: bool,
    pub site_root: PathBuf,
    pub session_idle_minutes: u32,
    pub session_max_minutes: u32,
    pub public_url: String,
    pub cert_addr: SocketAddr,
    pub cert_public_url: String,
    pub ops_addr: SocketAddr,
    pub log_format: LogFormat,
    pub lockout_after: u32,
    pub attempts_per_minute_per_address: u32,
    pub attempts_per_minute_per_account: u32,
    pub acquire_window_days: u32,
    pub certificate_days: u32,
    /// `Some`: an existing CA given by path; `None`: the data folder's own (created on first start).
    pub ca_dir: Option<PathBuf>,
    /// Name of the environment variable holding the CA key's passphrase (never the passphrase).
    pub ca_key_passphrase_env: Option<String>,
    /// `Some`: a PostgreSQL database; `None`: the SQLite file in the data folder.
    pub database: Option<app::ssr::Database>,
    /// `Some`: the CA key is in a PKCS#11 token (and there is no `ca.key`).
    pub ca_pkcs11: Option<Pkcs11Config>,
    /// `Some`: the operator's own HTTPS certificate; `None`: the default one in the data folder.
    pub tls_files: Option<TlsFiles>,
    /// Where the audit checkpoints go, and how often.
    pub audit_checkpoint_file: PathBuf,
    pub audit_checkpoint_secs: u32,
    pub audit_checkpoint_stdout: bool,
    /// The notices' mail server (`None`: `.eml` files in `<data-dir>/mail/`).
    pub smtp_url: Option<String>,
    pub smtp_ca: Option<PathBuf>,
    pub smtp_user: Option<String>,
    pub smtp_password_env: Option<String>,
    pub mail_from: String,
    pub operator_email: Option<String>,
    pub expiry_notice_days: Vec<i64>,
}

/// How log lines are written (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The operator's HTTPS certificate chain and its key (`--tls-cert`, `--tls-key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl FileConfig {
    pub fn parse(text: &str, path: &Path) -> anyhow::Result<Self> {
        toml::from_str(text).with_context(|| format!("configuration file {}", path.display()))
    }
}

impl Options {
    /// Resolves flags/env over the file over defaults, and checks the values.
    pub fn resolve(&self) -> anyhow::Result<Config> {
        let file = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read configuration file {}", path.display()))?;
                FileConfig::parse(&text, path)?
            }
            None => FileConfig::default(),
        };
        self.resolve_with(file)
    }

    pub fn resolve_with(&self, file: FileConfig) -> anyhow::Result<Config> {
        let s = self.layered(file);
        let ca_pkcs11 = s.pkcs11()?;
        let addr = s.addr;
        let public_url = s
            .public_url
            .unwrap_or_else(|| format!("https://127.0.0.1:{}", addr.port()))
            .trim_end_matches('/')
            .to_owned();
        let cert_addr = s.cert_addr.unwrap_or_else(|| {
            SocketAddr::new(
                addr.ip(),
                addr.port().checked_add(1).unwrap_or_else(|| addr.port().saturating_sub(1)),
            )
        });
        let cert_public_url = s
            .cert_public_url
            .unwrap_or_else(|| with_port(&public_url, cert_addr.port()))
            .trim_end_matches('/')
            .to_owned();
        let audit_checkpoint_file = s
            .audit_checkpoint_file
            .clone()
            .unwrap_or_else(|| s.data_dir.join("audit").join("checkpoints.jsonl"));
        let config = Config {
            data_dir: s.data_dir,
            addr,
            demo: s.demo,
            site_root: s.site_root.unwrap_or_else(default_site_root),
            session_idle_minutes: s.session_idle_minutes,
            session_max_minutes: s.session_max_minutes,
            public_url,
            cert_addr,
            cert_public_url,
            ops_addr: s.ops_addr,
            log_format: match s.log_format.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => bail!("log_format {other:?}: text or json"),
            },
            lockout_after: s.lockout_after,
            attempts_per_minute_per_address: s.attempts_per_minute_per_address,
            attempts_per_minute_per_account: s.attempts_per_minute_per_account,
            acquire_window_days: s.acquire_window_days,
            certificate_days: s.certificate_days,
            ca_dir: s.ca_dir,
            ca_key_passphrase_env: s.ca_key_passphrase_env,
            database: match s.database {
                Some(url) => Some(app::ssr::Database::from_url(&url).map_err(anyhow::Error::msg)?),
                None => None,
            },
            ca_pkcs11,
            tls_files: match (s.tls_cert, s.tls_key) {
                (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
                (None, None) => None,
                _ => bail!("tls_cert and tls_key go together: the certificate chain and its private key"),
            },
            audit_checkpoint_file,
            audit_checkpoint_secs: s.audit_checkpoint_secs,
            audit_checkpoint_stdout: s.audit_checkpoint_stdout,
            smtp_url: s.smtp_url,
            smtp_ca: s.smtp_ca,
            smtp_user: s.smtp_user,
            smtp_password_env: s.smtp_password_env,
            mail_from: s.mail_from,
            operator_email: s.operator_email,
            expiry_notice_days: s
                .expiry_notice_days
                .split(',')
                .map(|d| d.trim().parse::<i64>().ok().filter(|d| (1..=365).contains(d)))
                .collect::<Option<Vec<_>>>()
                .context("expiry_notice_days: comma-separated days, each 1-365")?,
        };
        if config.operator_email.as_deref().is_some_and(|e| e.parse::<lettre::message::Mailbox>().is_err()) {
            bail!("operator_email must be an e-mail address");
        }
        if config.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            bail!("mail_from must be an e-mail address");
        }
        if config.smtp_user.is_some() != config.smtp_password_env.is_some() {
            bail!("smtp_user and smtp_password_env go together");
        }
        if config.ca_pkcs11.is_some() && config.ca_key_passphrase_env.is_some() {
            bail!("ca_key_passphrase_env and ca_pkcs11_module exclude each other: a key in a token has no file to encrypt");
        }
        if !config.public_url.starts_with("https://") && !config.public_url.starts_with("http://") {
            bail!("public_url must start with https:// or http://");
        }
        if !config.cert_public_url.starts_with("https://") {
            bail!("cert_public_url must start with https:// (client certificates need TLS)");
        }
        if config.cert_addr == config.addr {
            bail!("cert_addr must differ from addr: certificate logon has its own listener");
        }
        if config.ops_addr.port() != 0 && [config.addr, config.cert_addr].contains(&config.ops_addr) {
            bail!("ops_addr must differ from addr and cert_addr: the operations listener is plain HTTP");
        }
        if !(1..=20).contains(&config.lockout_after) {
            bail!("lockout_after must be between 1 and 20");
        }
        if config.attempts_per_minute_per_address == 0 || config.attempts_per_minute_per_account == 0 {
            bail!("attempts per minute must be at least 1");
        }
        if config.ca_key_passphrase_env.as_deref().is_some_and(|v| v.is_empty() || v.contains(['=', '\0'])) {
            bail!("ca_key_passphrase_env must be the name of an environment variable");
        }
        if !(1..=366).contains(&config.acquire_window_days) {
            bail!("acquire_window_days must be between 1 and 366");
        }
        if !(1..=825).contains(&config.certificate_days) {
            bail!("certificate_days must be between 1 and 825");
        }
        if !(1..=1440).contains(&config.session_idle_minutes) {
            bail!("session_idle_minutes must be between 1 and 1440");
        }
        if config.session_max_minutes < config.session_idle_minutes || config.session_max_minutes > 7 * 1440 {
            bail!("session_max_minutes must be at least session_idle_minutes and at most 10080 (7 days)");
        }
        Ok(config)
    }
}

impl Layered {
    /// The `ca_pkcs11_*` settings, checked together.
    fn pkcs11(&self) -> anyhow::Result<Option<Pkcs11Config>> {
        use app::ssr::pki::pkcs11::TokenSelector;
        let module = self.ca_pkcs11_module.clone();
        let token = self.ca_pkcs11_token.clone();
        let slot = self.ca_pkcs11_slot;
        let key_label = self.ca_pkcs11_key_label.clone();
        let pin_env = self.ca_pkcs11_pin_env.clone();
        let Some(module) = module else {
            if token.is_some() || slot.is_some() || key_label.is_some() || pin_env.is_some() {
                bail!("the ca_pkcs11_* options need ca_pkcs11_module (the PKCS#11 module of the HSM)");
            }
            return Ok(None);
        };
        let token = match (token, slot) {
            (Some(label), None) if !label.is_empty() => TokenSelector::Label(label),
            (None, Some(slot)) => TokenSelector::Slot(slot),
            (Some(_), Some(_)) => bail!("give ca_pkcs11_token or ca_pkcs11_slot, not both"),
            _ => bail!("ca_pkcs11_module needs ca_pkcs11_token (a token label) or ca_pkcs11_slot"),
        };
        let Some(pin_env) = pin_env.filter(|v| !v.is_empty() && !v.contains(['=', '\0'])) else {
            bail!("ca_pkcs11_module needs ca_pkcs11_pin_env, the name of an environment variable that holds the token's user PIN");
        };
        let key_label = key_label.unwrap_or_else(|| DEFAULT_PKCS11_KEY_LABEL.to_owned());
        if key_label.is_empty() {
            bail!("ca_pkcs11_key_label must not be empty");
        }
        Ok(Some(Pkcs11Config { module, token, key_label, pin_env }))
    }
}

impl Config {
    /// The database: `--database`, or the SQLite file in the data folder.
    pub fn database(&self) -> app::ssr::Database {
        self.database
            .clone()
            .unwrap_or_else(|| app::ssr::Database::Sqlite(crate::start::database_path(&self.data_dir)))
    }

    pub fn settings(&self) -> app::ssr::Settings {
        app::ssr::Settings {
            session_idle_secs: i64::from(self.session_idle_minutes) * 60,
            session_max_secs: i64::from(self.session_max_minutes) * 60,
            acquire_window_secs: i64::from(self.acquire_window_days) * 86_400,
            certificate_validity_secs: i64::from(self.certificate_days) * 86_400,
            ocsp_url: format!("{}{}", self.public_url, app::ssr::pki::ocsp::OCSP_PATH),
            public_url: self.public_url.clone(),
            cert_url: self.cert_public_url.clone(),
            lockout_threshold: i64::from(self.lockout_after),
            attempts_per_minute_per_address: self.attempts_per_minute_per_address,
            attempts_per_minute_per_account: self.attempts_per_minute_per_account,
            mail_from: self.mail_from.clone(),
            operator_email: self.operator_email.clone().unwrap_or_default(),
            expiry_notice_days: self.expiry_notice_days.clone(),
        }
    }

    /// Where the notices go: the mail server of `--smtp-url`, or `.eml` files in the data folder.
    pub fn mail_transport(&self) -> anyhow::Result<app::ssr::outbox::sender::Transport> {
        use app::ssr::outbox::sender::{SmtpConfig, Transport};
        let Some(url) = &self.smtp_url else {
            return Ok(Transport::Files(self.data_dir.join("mail")));
        };
        let password = match &self.smtp_password_env {
            Some(var) => Some(app::ssr::secret::Pin::new(
                std::env::var(var)
                    .with_context(|| format!("smtp_password_env: environment variable {var} is not set"))?,
            )),
            None => None,
        };
        let ca_pem = match &self.smtp_ca {
            Some(file) => Some(std::fs::read(file).with_context(|| format!("smtp_ca {}", file.display()))?),
            None => None,
        };
        Transport::smtp(&SmtpConfig { url: url.clone(), user: self.smtp_user.clone(), password, ca_pem })
            .map_err(anyhow::Error::msg)
    }
}

/// An install's site (`<install>/bin/server` serves `<install>/site`, which travels with it), or
/// the build's `target/site` when the binary is not in an install.
fn default_site_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("site")))
        .filter(|site| site.join("pkg").is_dir())
        .unwrap_or_else(|| PathBuf::from("target/site"))
}

/// `https://host[:port][/…]` with the port replaced (or added).
fn with_port(url: &str, port: u16) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = match authority.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    };
    format!("https://{host}:{port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("server").chain(args.iter().copied())).expect("parse")
    }

    #[test]
    fn defaults() {
        let c = parse(&[]).options.resolve_with(FileConfig::default()).expect("resolve");
        assert_eq!(c.data_dir, PathBuf::from("data"));
        assert_eq!(c.addr, "127.0.0.1:3000".parse().expect("addr"));
        assert!(!c.demo);
        assert_eq!((c.session_idle_minutes, c.session_max_minutes), (10, 480));
    }

    #[test]
    fn flags_beat_file_and_file_beats_defaults() {
        let file = FileConfig::parse(
            "data_dir = \"/srv/bd\"\naddr = \"0.0.0.0:8443\"\nsession_idle_minutes = 5\n",
            Path::new("x.toml"),
        )
        .expect("toml");
        let c = parse(&["--addr", "127.0.0.1:4000", "--demo"]).options.resolve_with(file).expect("resolve");
        assert_eq!(c.addr, "127.0.0.1:4000".parse().expect("addr"), "flag wins");
        assert_eq!(c.data_dir, PathBuf::from("/srv/bd"), "file beats default");
        assert_eq!(c.session_idle_minutes, 5);
        assert!(c.demo);
    }

    #[test]
    fn database_is_the_sqlite_file_unless_a_postgres_url_is_given() {
        use app::ssr::Database as Location;
        let c =
            parse(&["--data-dir", "/srv/bd"]).options.resolve_with(FileConfig::default()).expect("resolve");
        assert_eq!(c.database(), Location::Sqlite(PathBuf::from("/srv/bd/bizdirect.db")));
        let file =
            FileConfig::parse("database = \"postgres://bd@db.example/bizdirect\"", Path::new("x.toml"))
                .expect("toml");
        let c = parse(&[]).options.resolve_with(file).expect("resolve");
        assert_eq!(c.database(), Location::Postgres("postgres://bd@db.example/bizdirect".into()));
        let c = parse(&["--database", "postgresql://bd:secret@127.0.0.1:5433/x"])
            .options
            .resolve_with(FileConfig::default())
            .expect("resolve");
        assert_eq!(
            format!("{:?}", c.database()),
            "postgresql://bd:***@127.0.0.1:5433/x",
            "password not shown"
        );
        for bad in ["mysql://x/y", "/tmp/bizdirect.db", "sqlite:x.db"] {
            let err = parse(&["--database", bad]).options.resolve_with(FileConfig::default());
            assert!(err.is_err_and(|e| e.to_string().contains("postgres://")), "{bad}");
        }
    }

    #[test]
    fn demo_flag_takes_an_optional_boolean() {
        assert_eq!(parse(&["--demo"]).options.demo, Some(true));
        assert_eq!(parse(&["--demo=false"]).options.demo, Some(false));
        assert_eq!(parse(&[]).options.demo, None);
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        assert!(Cli::try_parse_from(["server", "--addr", "nonsense"]).is_err());
        let c = parse(&["--addr", "127.0.0.1:4000"])
            .options
            .resolve_with(FileConfig::default())
            .expect("resolve");
        assert_eq!(c.cert_addr, "127.0.0.1:4001".parse().expect("addr"), "certificate listener: next port");
        assert_eq!(c.cert_public_url, "https://127.0.0.1:4001");
        let c = parse(&["--public-url", "https://bank.example:8443/", "--cert-addr", "0.0.0.0:9443"])
            .options
            .resolve_with(FileConfig::default())
            .expect("resolve");
        assert_eq!(c.cert_public_url, "https://bank.example:9443");
        let same = parse(&["--addr", "127.0.0.1:4000", "--cert-addr", "127.0.0.1:4000"]);
        assert!(same.options.resolve_with(FileConfig::default()).is_err(), "one port for both is refused");
        assert!(Cli::try_parse_from(["server", "--session-idle-minutes", "-3"]).is_err());
        assert!(Cli::try_parse_from(["server", "corp", "create"]).is_err(), "--name is required");
        let unknown = FileConfig::parse("data_dri = \"x\"", Path::new("x.toml")).expect_err("typo");
        assert!(format!("{unknown:#}").contains("data_dri"), "{unknown:#}");
        let wrong_type = FileConfig::parse("addr = 3000", Path::new("x.toml"));
        assert!(wrong_type.is_err());
        let err = parse(&["--session-idle-minutes", "0"]).options.resolve_with(FileConfig::default());
        assert!(err.is_err());
        let err = parse(&["--session-idle-minutes", "30", "--session-max-minutes", "20"])
            .options
            .resolve_with(FileConfig::default());
        assert!(err.is_err());
    }

    #[test]
    fn pkcs11_options_go_together() {
        use app::ssr::pki::pkcs11::TokenSelector;
        let resolve = |args: &[&str]| parse(args).options.resolve_with(FileConfig::default());
        let m = ["--ca-pkcs11-module", "/usr/lib/softhsm/libsofthsm2.so"];
        let ok = resolve(&[m[0], m[1], "--ca-pkcs11-token", "bizdirect", "--ca-pkcs11-pin-env", "HSM_PIN"])
            .expect("resolve");
        assert_eq!(
            ok.ca_pkcs11,
            Some(Pkcs11Config {
                module: PathBuf::from(m[1]),
                token: TokenSelector::Label("bizdirect".into()),
                key_label: DEFAULT_PKCS11_KEY_LABEL.into(),
                pin_env: "HSM_PIN".into(),
            })
        );
        let slot = resolve(&[m[0], m[1], "--ca-pkcs11-slot", "7", "--ca-pkcs11-pin-env", "P"]).expect("slot");
        assert_eq!(slot.ca_pkcs11.expect("token").token, TokenSelector::Slot(7));
        for bad in [
            vec![m[0], m[1], "--ca-pkcs11-pin-env", "P"],
            vec![m[0], m[1], "--ca-pkcs11-token", "t"],
            vec![m[0], m[1], "--ca-pkcs11-token", "t", "--ca-pkcs11-slot", "1", "--ca-pkcs11-pin-env", "P"],
            vec![
                m[0],
                m[1],
                "--ca-pkcs11-token",
                "t",
                "--ca-pkcs11-pin-env",
                "P",
                "--ca-key-passphrase-env",
                "X",
            ],
            vec!["--ca-pkcs11-token", "t", "--ca-pkcs11-pin-env", "P"],
        ] {
            assert!(resolve(&bad).is_err(), "{bad:?} must be refused");
        }
        let file = FileConfig::parse(
            "ca_pkcs11_module = \"/m.so\"\nca_pkcs11_slot = 0\nca_pkcs11_key_label = \"k\"\nca_pkcs11_pin_env = \"P\"",
            Path::new("x.toml"),
        )
        .expect("file keys");
        let from_file = parse(&[]).options.resolve_with(file).expect("resolve").ca_pkcs11.expect("token");
        assert_eq!((from_file.key_label.as_str(), from_file.token), ("k", TokenSelector::Slot(0)));
    }

    #[test]
    fn the_config_help_names_every_toml_key_and_every_setting_is_one() {
        use clap::CommandFactory;
        let cli = Cli::command();
        let help = cli.get_arguments().find(|a| a.get_id() == "config").and_then(|a| a.get_help());
        let help = help.expect("--config has help").to_string();
        let keys: Vec<&str> = help
            .split_once("any of: ")
            .and_then(|(_, rest)| rest.split_once(". "))
            .map(|(list, _)| list.split(", ").collect())
            .expect("a key list in --config's help");
        for key in &keys {
            let err = FileConfig::parse(&format!("{key} = {{}}"), Path::new("x.toml")).expect_err("a table");
            assert!(!format!("{err:#}").contains("unknown field"), "{key} is no TOML key: {err:#}");
        }
        let settings: Vec<_> =
            cli.get_arguments().filter(|a| a.get_env().is_some() && a.get_id() != "config").collect();
        assert_eq!(settings.len(), keys.len(), "every setting but --config is a TOML key");
        for arg in settings {
            let key = arg.get_id().as_str();
            assert!(keys.contains(&key), "{key} missing from --config's help");
            assert_eq!(arg.get_long(), Some(key.replace('_', "-").as_str()));
            let env = arg.get_env().and_then(|e| e.to_str()).expect("env");
            assert_eq!(env, format!("BIZDIRECT_{}", key.to_uppercase()));
        }
    }

    #[test]
    fn subcommands() {
        assert!(matches!(parse(&["corp", "list"]).command, Some(Command::Corp(CorpCommand::List))));
        let cli = parse(&["corp", "create", "--name", "A社", "--contract-id", "123", "--data-dir", "/x"]);
        assert_eq!(cli.options.data_dir, Some(PathBuf::from("/x")), "global options after a subcommand");
        assert!(matches!(cli.command, Some(Command::Corp(CorpCommand::Create { .. }))));
    }
}

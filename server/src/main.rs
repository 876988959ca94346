//! `server`: serves bizdirect over HTTPS, and carries the bank operator's commands.

use anyhow::Context;
use app::ssr::operator::{
    self,
    corporations::{self, demo, CreateRequest},
};
use app::ssr::pki::ca::tls_issuer::NewIssuer;
use app::ssr::secret::Pin;
use clap::Parser;
use server::config::{
    AuditCommand, CaCommand, CertCommand, Cli, Command, Config, CorpCommand, LogFormat, NoticesCommand,
    TlsFiles,
};
use server::start;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};

/// mimalloc rather than glibc's malloc: a request allocates on tokio's threads and frees on
/// SQLite's and the other way round, which glibc pays for in arena locks and consolidation.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match cli.options.resolve() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    init_logging(config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Log lines on stderr, as text or as one JSON object per line (`--log-format`); `RUST_LOG`
/// chooses what is logged.
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,leptos_axum=warn".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => {
            logs.json().flatten_event(true).with_current_span(false).with_span_list(false).init();
        }
    }
}

async fn run(command: Option<Command>, config: Config) -> anyhow::Result<()> {
    match command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Corp(CorpCommand::List) => corp_list(&config).await,
        Command::Ca(CaCommand::EncryptKey) => {
            let path = start::encrypt_ca_key(&config)?;
            println!("{} is now encrypted; start with --ca-key-passphrase-env from now on", path.display());
            Ok(())
        }
        Command::Ca(CaCommand::HsmInit) => hsm_init(&config).await,
        Command::Cert(CertCommand::List { contract_id }) => cert_list(&config, &contract_id).await,
        Command::Cert(CertCommand::Revoke { serial, reason }) => {
            use operator::reason;
            let Some(code) = reason::code(&reason) else {
                anyhow::bail!("unknown reason {reason:?}: use one of {}", reason::names());
            };
            let opened = start::open_config(&config).await?;
            let done =
                operator::certificates::revoke_by_serial(&opened.state, &serial, code, app::ssr::now())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            anyhow::ensure!(done, "no issued certificate has serial {serial}");
            println!("revoked {serial} ({reason}); the CRL is re-signed");
            Ok(())
        }
        Command::Cert(CertCommand::IssueAdmin { contract_id }) => {
            let opened = start::open_config(&config).await?;
            let Some(acquire_by) =
                operator::certificates::issue_admin(&opened.state, &contract_id, app::ssr::now())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?
            else {
                anyhow::bail!("契約法人ID {contract_id} は登録されていません (not registered)");
            };
            println!("契約法人ID {contract_id}: 管理者の電子証明書を発行しました (administrator certificate issued)");
            println!(
                "  取得期限 (acquire by): {}  — at {}/admin/acquire",
                app::time_fmt::date_time(acquire_by, app::i18n::Lang::Ja),
                config.public_url
            );
            Ok(())
        }
        Command::Check => {
            let opened = start::open_config(&config).await?;
            let (checked, violations) = operator::check::run(&opened.state, app::ssr::now()).await?;
            for v in &violations {
                println!("VIOLATION [{}] {}", v.invariant, v.detail);
            }
            anyhow::ensure!(violations.is_empty(), "{} invariant violation(s)", violations.len());
            println!(
                "check passed: {} certificates, {} audit records, {} CRLs; every invariant holds",
                checked.certificates, checked.audit_records, checked.crls
            );
            Ok(())
        }
        Command::Backup { to } => server::backup::backup(&config, &to).await,
        Command::Restore { from } => server::backup::restore(&config, &from).await,
        Command::Audit(AuditCommand::Verify { checkpoints, checkpoint_key }) => {
            let opened = start::open_config(&config).await?;
            let records = match operator::verify_audit(&opened.state).await? {
                (records, None) => records,
                (_, Some(b)) => anyhow::bail!("audit chain broken at record {}: {}", b.seq, b.reason),
            };
            println!("audit chain intact: {records} records");
            let Some(file) = checkpoints else { return Ok(()) };
            let key_path = match checkpoint_key.as_str() {
                "<data-dir>/audit/checkpoint.pub" => config.data_dir.join("audit").join("checkpoint.pub"),
                given => std::path::PathBuf::from(given),
            };
            let key = std::fs::read_to_string(&key_path)
                .with_context(|| format!("checkpoint public key {}", key_path.display()))?;
            let lines =
                std::fs::read_to_string(&file).with_context(|| format!("checkpoints {}", file.display()))?;
            let (checked, findings) = operator::checkpoints::verify(&opened.state, &key, &lines).await?;
            for f in &findings {
                println!("CHECKPOINT {f}");
            }
            anyhow::ensure!(
                findings.is_empty(),
                "the audit log does not match {} of its checkpoints",
                findings.len()
            );
            anyhow::ensure!(checked > 0, "{} holds no checkpoint", file.display());
            println!("every checkpoint holds: {checked} checkpoints signed by {}", key_path.display());
            Ok(())
        }
        Command::Notices(NoticesCommand::Scan) => {
            let opened = start::open_config(&config).await?;
            let written = operator::scan_reminders(&opened.state, app::ssr::now()).await?;
            println!("{written} reminder(s) written to the outbox");
            Ok(())
        }
        Command::Notices(NoticesCommand::List { failed, limit }) => {
            let opened = start::open_config(&config).await?;
            let (rows, pending) = operator::notices(&opened.state, failed, limit).await?;
            for n in &rows {
                println!(
                    "{}\t{}\t{} attempt(s)\t{}\t{}\t{}\t{}",
                    app::time_fmt::date_time(n.created_at, app::i18n::Lang::En),
                    n.state,
                    n.attempts,
                    n.kind,
                    n.recipient,
                    n.subject,
                    n.last_error
                );
            }
            eprintln!("{} listed; {pending} pending delivery", rows.len());
            Ok(())
        }
        Command::Audit(AuditCommand::Export { since_seq, format: _ }) => {
            let opened = start::open_config(&config).await?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let written = operator::audit_export::export(&opened.state, since_seq, &mut out).await?;
            eprintln!("{written} audit records exported (after seq {since_seq})");
            Ok(())
        }
        Command::Audit(AuditCommand::VerifyExport { file }) => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("{}", file.display()))?;
            let check = operator::audit_export::verify_export(&text).map_err(anyhow::Error::msg)?;
            if let Some(broken) = check.broken {
                anyhow::bail!("the export's chain breaks at record {}: {}", broken.seq, broken.reason);
            }
            println!(
                "{} records, seq {}..{}, chain intact from prev_hash {}",
                check.records, check.first, check.last, check.first_prev_hash
            );
            Ok(())
        }
        Command::Audit(AuditCommand::Checkpoint) => {
            let opened = start::open_config(&config).await?;
            let cp = server::checkpoints::write(&opened, &config).await?;
            if !config.audit_checkpoint_stdout {
                println!("{}", cp.line());
            }
            eprintln!(
                "checkpoint of {} records appended to {}",
                cp.records,
                config.audit_checkpoint_file.display()
            );
            Ok(())
        }
        Command::Corp(CorpCommand::Unlock { contract_id }) => {
            let opened = start::open_config(&config).await?;
            if corporations::unlock(&opened.state, &contract_id, app::ssr::now()).await?.is_none() {
                anyhow::bail!("契約法人ID {contract_id} は登録されていません (not registered)");
            }
            println!("契約法人ID {contract_id}: 契約法人利用中止を解除しました (contract unlocked)");
            Ok(())
        }
        Command::Corp(CorpCommand::SetAdminLogon { contract_id, method }) => {
            let opened = start::open_config(&config).await?;
            corporations::set_admin_logon(&opened.state, &contract_id, &method, app::ssr::now()).await?;
            println!("契約法人ID {contract_id}: 管理者のログオン方式を {method} にしました (administrator logon method set)");
            Ok(())
        }
        Command::Corp(CorpCommand::SetSecondFactor { contract_id, policy }) => {
            let opened = start::open_config(&config).await?;
            corporations::set_second_factor(&opened.state, &contract_id, &policy, app::ssr::now()).await?;
            println!("契約法人ID {contract_id}: ワンタイムパスワードを {policy} にしました (second factor policy set)");
            Ok(())
        }
        Command::Corp(CorpCommand::ResetSecondFactor { contract_id }) => {
            let opened = start::open_config(&config).await?;
            if corporations::reset_second_factor(&opened.state, &contract_id, app::ssr::now()).await? {
                println!(
                    "契約法人ID {contract_id}: 管理者のワンタイムパスワードの登録を解除しました (administrator's second factor removed; sessions ended)"
                );
            } else {
                println!("契約法人ID {contract_id}: 管理者のワンタイムパスワードは登録されていません (none was registered)");
            }
            Ok(())
        }
        Command::Corp(CorpCommand::SetEmail { contract_id, email }) => {
            let opened = start::open_config(&config).await?;
            corporations::set_admin_email(&opened.state, &contract_id, &email, app::ssr::now()).await?;
            println!(
                "契約法人ID {contract_id}: 管理者のメールアドレスを設定しました (administrator e-mail set)"
            );
            Ok(())
        }
        Command::Corp(CorpCommand::SetMaxUsers { contract_id, max_users }) => {
            let opened = start::open_config(&config).await?;
            corporations::set_max_users(&opened.state, &contract_id, max_users, app::ssr::now()).await?;
            println!("契約法人ID {contract_id}: 利用者数の上限を {max_users} 名にしました (max users set)");
            Ok(())
        }
        Command::Corp(CorpCommand::Create {
            name,
            contract_id,
            admin_pin_env,
            confirm_pin_env,
            max_users,
            email,
        }) => {
            let pin_from = |var: Option<String>| -> anyhow::Result<Option<Pin>> {
                var.map(|v| {
                    std::env::var(&v)
                        .map(Pin::new)
                        .with_context(|| format!("environment variable {v} is not set"))
                })
                .transpose()
            };
            let req = CreateRequest {
                contract_id,
                name,
                admin_pin: pin_from(admin_pin_env)?,
                admin_confirm_pin: pin_from(confirm_pin_env)?,
                max_users,
                admin_email: email,
            };
            corp_create(&config, req).await
        }
    }
}

async fn corp_create(config: &Config, req: CreateRequest) -> anyhow::Result<()> {
    let generated = (req.admin_pin.is_none(), req.admin_confirm_pin.is_none());
    let opened = start::open_config(config).await?;
    let name = req.name.trim().to_owned();
    let created = corporations::create(&opened.state, req, app::ssr::now()).await?;
    println!("契約法人を登録しました (contract corporation created)");
    println!("  契約法人名 (name):                     {name}");
    println!("  契約法人ID (contract ID):              {}", created.contract_id);
    if generated.0 {
        println!("  契約法人暗証番号 (admin PIN):           {}", created.admin_pin.expose());
    }
    if generated.1 {
        println!("  契約法人確認暗証番号 (confirmation PIN): {}", created.admin_confirm_pin.expose());
    }
    if generated.0 || generated.1 {
        println!("Generated PINs are shown only now: hand them to the administrator securely.");
    }
    Ok(())
}

/// `server ca hsm-init`: the CA key pair generated in the token, its certificate in the CA folder.
async fn hsm_init(config: &Config) -> anyhow::Result<()> {
    let config2 = config.clone();
    let ca = tokio::task::spawn_blocking(move || start::hsm_init(&config2)).await??;
    let protection = ca.token_protection().transpose()?.context("the CA key is not in a token")?;
    println!("CA key generated in the token; the CA certificate is {}", ca.cert_path().display());
    println!("  subject: {}", ca.subject());
    println!(
        "  key: sensitive={} extractable={} always_sensitive={} never_extractable={}",
        protection.sensitive,
        protection.extractable,
        protection.always_sensitive,
        protection.never_extractable
    );
    println!("Start the server with the same --ca-pkcs11-* options (and --ca-dir, if given).");
    Ok(())
}

async fn corp_list(config: &Config) -> anyhow::Result<()> {
    let opened = start::open_config(config).await?;
    let list = corporations::list(&opened.state).await?;
    println!("{:<17} {:>5} {:>5}  {:<9} 契約法人名 (name)", "契約法人ID", "users", "max", "status");
    for c in &list {
        let status = if c.suspended_at.is_some() { "suspended" } else { "active" };
        println!("{:<17} {:>5} {:>5}  {:<9} {}", c.contract_id, c.users, c.max_users, status, c.name);
    }
    println!("({} corporations)", list.len());
    Ok(())
}

async fn cert_list(config: &Config, contract_id: &str) -> anyhow::Result<()> {
    let opened = start::open_config(config).await?;
    let certs = operator::certificates::list(&opened.state, contract_id)
        .await?
        .with_context(|| format!("契約法人ID {contract_id} は登録されていません (not registered)"))?;
    println!("{:<10} {:<34} {:<9} {:<20} reason", "holder", "serial", "state", "not_after / acquire_by");
    for c in &certs {
        println!(
            "{:<10} {:<34} {:<9} {:<20} {}",
            c.holder,
            c.serial,
            c.state,
            app::time_fmt::date_time(c.until, app::i18n::Lang::En),
            c.reason
        );
    }
    println!("({} certificates)", certs.len());
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let metrics = server::ops::install_recorder()?;
    let opened = start::open_config(&config).await?;
    if opened.ca_created {
        tracing::info!(
            "created a new certificate authority in {}",
            opened.state.pki.ca.cert_path().display()
        );
    }
    tracing::info!("database: {}", config.database().display());
    if config.demo {
        let seeded = corporations::seed_demo(&opened.state, app::ssr::now()).await?;
        let line = "!".repeat(78);
        eprintln!("{line}");
        eprintln!(
            "!! DEMO MODE: the demo corporation {} ({}) has PUBLICLY KNOWN PINs.",
            demo::NAME,
            demo::CONTRACT_ID
        );
        eprintln!("!! Never use --demo with real customers.{}", if seeded { " (seeded now)" } else { "" });
        eprintln!("{line}");
    }
    let material = start::tls_material(&opened, &config).await?;
    let certificate = server::tls::ServerCertificate::new(&material.chain, material.key.expose())?;
    let tls = server::tls::id_listener(&certificate)?;
    let cert_tls = server::tls::certificate_listener(&certificate, opened.state.pki.ca.cert_der())?;
    // Every signal's handler is installed here, before the listeners bind: a signal that arrives
    // right after start is handled, never the default action (which ends the process uncleanly).
    let hangups = signal(SignalKind::hangup()).context("listening for SIGHUP")?;
    let stops = (
        signal(SignalKind::interrupt()).context("listening for SIGINT")?,
        signal(SignalKind::terminate()).context("listening for SIGTERM")?,
    );
    tokio::spawn(reload_on_sighup(hangups, certificate, config.tls_files.clone()));

    let mut options = leptos::config::get_configuration(None)?.leptos_options;
    if options.output_name.is_empty() {
        // Built without cargo-leptos (which bakes in LEPTOS_OUTPUT_NAME): use the product's name.
        options.output_name = "bizdirect".into();
    }
    options.site_root = config.site_root.to_string_lossy().as_ref().into();
    options.site_addr = config.addr;
    // cargo-leptos (`hash-files = true`) names the site's files after their content and writes
    // the names into `hash.txt` beside the binary, where leptos looks them up for every page.
    let hashes = app::ssr::site::hashes(&options);
    options.hash_files = hashes.is_some();
    let wasm_name = match hashes.iter().flatten().find(|(file, _)| file == "wasm").map(|(_, hash)| hash) {
        Some(hash) => format!("{}.{hash}.wasm", options.output_name),
        None => format!("{}.wasm", options.output_name),
    };
    tracing::info!("serving the site from {}", std::path::absolute(&config.site_root)?.display());
    let wasm = config.site_root.join(options.site_pkg_dir.as_ref()).join(wasm_name);
    if !wasm.exists() {
        tracing::warn!(
            "{} is missing: pages will render but not hydrate. Build the site first (scripts/run.sh does).",
            wasm.display()
        );
    }
    let router = server::router::build(opened.state.clone(), options.clone());
    let cert_router = server::router::build_certificate(opened.state.clone(), options);

    tokio::spawn(server::checkpoints::every_interval(opened.clone(), config.clone()));
    let transport = config.mail_transport()?;
    if let app::ssr::outbox::sender::Transport::Files(dir) = &transport {
        tracing::info!(
            "notices (電子メール通知) are written as .eml files into {} (no --smtp-url)",
            dir.display()
        );
    }
    tokio::spawn(app::ssr::outbox::sender::run(opened.state.clone(), transport, Duration::from_secs(1)));
    // The reminders (有効期限, acquisition windows): every hour, each once per certificate and mark.
    let scan_state = opened.state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = operator::scan_reminders(&scan_state, app::ssr::now()).await {
                tracing::error!("reminder scan: {e:?}");
            }
        }
    });
    // Keep the CRLs fresh: re-sign the CA's once a day even when nothing is revoked, and the
    // HTTPS issuer's (empty, valid for a week) every hour.
    let crl_state = opened.state.clone();
    let tls_issuer = material.issuer.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = app::ssr::pki::crl::ensure_fresh_crl(&crl_state.pki, app::ssr::now()).await {
                tracing::error!("re-signing the CRL: {e}");
            }
            if let Some(issuer) = &tls_issuer {
                if let Err(e) = start::publish_tls_crl(&crl_state, issuer) {
                    tracing::error!("re-signing the HTTPS issuer's CRL: {e:#}");
                }
            }
        }
    });
    // The operations listener: plain HTTP, its own port (loopback by default).
    let ops = tokio::net::TcpListener::bind(config.ops_addr)
        .await
        .with_context(|| format!("operations listener on {}", config.ops_addr))?;
    tracing::info!("operations (/healthz, /readyz, /metrics) on http://{}", ops.local_addr()?);
    let ops_router = server::ops::router(opened.state.clone(), metrics, config.data_dir.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(ops, ops_router).await {
            tracing::error!("operations listener: {e}");
        }
    });
    let (handle, cert_handle) = (axum_server::Handle::new(), axum_server::Handle::new());
    tokio::spawn(shutdown_on_signal(stops, vec![handle.clone(), cert_handle.clone()]));
    let server = server::tls::bind(config.addr, tls)
        .handle(handle.clone())
        .serve(router.into_make_service_with_connect_info::<SocketAddr>());
    let cert_server = server::tls::bind(config.cert_addr, cert_tls)
        .handle(cert_handle.clone())
        .serve(cert_router.into_make_service_with_connect_info::<SocketAddr>());
    let announce = {
        let (handle, cert_handle) = (handle.clone(), cert_handle.clone());
        let issuer_path = material
            .issuer
            .as_ref()
            .map(|i| std::path::absolute(i.cert_path()).unwrap_or_else(|_| i.cert_path().to_owned()));
        let new_issuer = material.new_issuer;
        let demo_mode = config.demo;
        let own_certificate = config.tls_files.is_some();
        let own_path = config.tls_files.as_ref().map(|f| f.cert.clone()).unwrap_or_default();
        let cert_url = config.cert_public_url.clone();
        async move {
            let Some(addr) = handle.listening().await else { return };
            if cert_handle.listening().await.is_none() {
                return;
            }
            let host =
                if addr.ip().is_unspecified() { "localhost".to_owned() } else { addr.ip().to_string() };
            let host = if addr.is_ipv6() && host != "localhost" { format!("[{host}]") } else { host };
            println!("bizdirect is serving at https://{host}:{}/", addr.port());
            println!("certificate logon (電子証明書方式) at {cert_url}/cert/logon");
            if own_certificate {
                println!("HTTPS certificate: {} (reloaded on SIGHUP)", own_path.display());
            }
            if let Some(path) = &issuer_path {
                println!("HTTPS certificate issuer (trust it in your browser): {}", path.display());
                match new_issuer {
                    Some(NewIssuer::NamesChanged) => println!(
                        "  made now: the host names of --public-url / --cert-public-url were outside the \
                         previous issuer's name constraints; browsers must trust this one instead"
                    ),
                    Some(NewIssuer::Expiring) => println!(
                        "  made now: the previous issuer was near its end; browsers must trust this one instead"
                    ),
                    Some(NewIssuer::First) | None => {}
                }
            }
            if demo_mode {
                println!(
                    "Demo administrator: 契約法人ID {}  契約法人暗証番号 {}  契約法人確認暗証番号 {}",
                    demo::CONTRACT_ID,
                    demo::ADMIN_PIN,
                    demo::ADMIN_CONFIRM_PIN
                );
                println!(
                    "Demo users: test01..test05  利用者暗証番号 {}  利用者確認暗証番号 {}",
                    demo::USER_PIN,
                    demo::USER_CONFIRM_PIN
                );
            }
        }
    };
    tokio::spawn(announce);
    let (id, cert) = tokio::join!(server, cert_server);
    id.with_context(|| format!("HTTPS listener on {}", config.addr))?;
    cert.with_context(|| format!("certificate-logon listener on {}", config.cert_addr))?;
    tracing::info!("stopped");
    Ok(())
}

/// SIGINT or SIGTERM: stop accepting, let in-flight requests finish (up to 10 s).
/// On every SIGHUP, reads the operator's HTTPS certificate and key again (`--tls-cert`,
/// `--tls-key`) and presents them from the next handshake on. Files that do not load, or do not
/// make a pair, are logged and the current certificate stays. Without those options SIGHUP
/// changes nothing (and does not end the process).
async fn reload_on_sighup(
    mut hangups: tokio::signal::unix::Signal,
    certificate: Arc<server::tls::ServerCertificate>,
    files: Option<TlsFiles>,
) {
    while hangups.recv().await.is_some() {
        let Some(files) = &files else {
            tracing::info!("SIGHUP: no --tls-cert / --tls-key to reload");
            continue;
        };
        let reloaded = start::read_tls_files(files)
            .await
            .and_then(|(chain, key)| certificate.replace(&chain, key.expose()));
        match reloaded {
            Ok(()) => tracing::info!("SIGHUP: reloaded the HTTPS certificate from {}", files.cert.display()),
            Err(e) => tracing::error!("SIGHUP: {e:#}; the HTTPS certificate in use stays"),
        }
    }
}

async fn shutdown_on_signal(
    (mut interrupt, mut terminate): (tokio::signal::unix::Signal, tokio::signal::unix::Signal),
    handles: Vec<axum_server::Handle<SocketAddr>>,
) {
    tokio::select! { _ = interrupt.recv() => {}, _ = terminate.recv() => {} }
    tracing::info!("shutting down: finishing requests in flight");
    for handle in handles {
        handle.graceful_shutdown(Some(Duration::from_secs(10)));
    }
}

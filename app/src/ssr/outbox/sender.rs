//! Delivers the outbox: one due row at a time, claimed for [`LEASE_SECS`] under the write lock
//! (so no two senders — of one process or of several instances — hold one row), built into a
//! message with its stable `Message-ID`, handed to the transport, and marked sent only once the
//! transport accepted it. A transient failure is tried again after an exponential backoff (5 s,
//! 10 s, … at most an hour); a permanent one (5xx, an address that is no address) marks the row
//! failed. A sender stopped at any moment leaves its claimed row to be claimed again when the
//! lease ends: a notice may go out twice only if the server accepted it and the row was not yet
//! marked (at least once, never lost).
//!
//! Transports: SMTP (lettre; STARTTLS required towards any host but loopback, or implicit TLS
//! with `smtps://`; see [`smtp_tls`]) or, without a mail server, `.eml` files in a folder (the
//! bytes SMTP would carry).

use crate::ssr::db::{self, notices::NoticeRow};
use crate::ssr::AppState;
use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

/// Seconds a claimed row is held by its sender.
pub const LEASE_SECS: i64 = 120;
/// The first retry's delay; each further one doubles, up to [`MAX_BACKOFF_SECS`].
const FIRST_BACKOFF_SECS: i64 = 5;
const MAX_BACKOFF_SECS: i64 = 3600;

/// Where notices go.
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in this folder, one per notice, named by its row.
    Files(PathBuf),
}

/// How to reach the mail server (`--smtp-url`, `--smtp-user`, the password from the environment,
/// `--smtp-ca`).
pub struct SmtpConfig {
    pub url: String,
    pub user: Option<String>,
    pub password: Option<crate::ssr::secret::Pin>,
    /// PEM certificates trusted for the mail server's TLS beside the system's roots (a bank's
    /// internal relay signed by its own CA).
    pub ca_pem: Option<Vec<u8>>,
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// TLS from the first byte (`smtps://`).
    Wrapper,
    /// STARTTLS, and no mail (nor password) without it.
    Required,
    /// Plain: only towards a loopback relay (`smtp://localhost`), unless `?tls=required`.
    Plain,
}

/// The protection a `--smtp-url` asks for: `smtps://` is TLS from the first byte; `smtp://`
/// requires STARTTLS unless the host is loopback, where `?tls=required` still requires it.
pub fn smtp_tls(url: &url::Url) -> Result<SmtpTls, String> {
    let host = url.host_str().ok_or_else(|| format!("smtp_url {url} names no host"))?;
    let loopback = host == "localhost"
        || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let mut required = false;
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), value.as_ref()) {
            ("tls", "required") => required = true,
            _ => return Err(format!("smtp_url: unknown parameter {key}={value} (only tls=required)")),
        }
    }
    match url.scheme() {
        "smtps" => Ok(SmtpTls::Wrapper),
        "smtp" if loopback && !required => Ok(SmtpTls::Plain),
        "smtp" => Ok(SmtpTls::Required),
        other => Err(format!("smtp_url: scheme {other} (use smtp:// or smtps://)")),
    }
}

impl Transport {
    /// SMTP as [`smtp_tls`] says, on the URL's port (25 or 465 without one), with the
    /// credentials if any: over TLS to any relay but a loopback one, whose connection never
    /// leaves the machine.
    pub fn smtp(config: &SmtpConfig) -> Result<Self, String> {
        use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
        let url = url::Url::parse(&config.url).map_err(|e| format!("smtp_url {}: {e}", config.url))?;
        let mode = smtp_tls(&url)?;
        let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']).to_owned();
        let parameters = || -> Result<TlsParameters, String> {
            let mut builder = TlsParameters::builder(host.clone());
            if let Some(pem) = &config.ca_pem {
                if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
                    return Err("smtp_ca holds no PEM certificate".to_owned());
                }
                let certs = Certificate::from_pem(pem).map_err(|e| format!("smtp_ca: {e}"))?;
                builder = builder.add_root_certificate(certs);
            }
            builder.build_rustls().map_err(|e| format!("smtp tls: {e}"))
        };
        let tls = match mode {
            SmtpTls::Wrapper => Tls::Wrapper(parameters()?),
            SmtpTls::Required => Tls::Required(parameters()?),
            SmtpTls::Plain => Tls::None,
        };
        let default_port = if mode == SmtpTls::Wrapper { 465 } else { 25 };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host)
            .port(url.port().unwrap_or(default_port))
            .tls(tls);
        if let (Some(user), Some(password)) = (&config.user, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Self::Smtp(builder.timeout(Some(Duration::from_secs(30))).build()))
    }
}

/// Why one delivery did not happen.
enum Failure {
    /// Worth another try later (connection refused, 4xx, timeout).
    Transient(String),
    /// Never going to work (5xx, not an address).
    Permanent(String),
}

fn message(row: &NoticeRow, from: &str) -> Result<Message, Failure> {
    let from: Mailbox = from.parse().map_err(|e| Failure::Permanent(format!("mail_from {from}: {e}")))?;
    let to: Mailbox = row.recipient.parse().map_err(|e| Failure::Permanent(format!("recipient: {e}")))?;
    let date = std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(row.created_at).unwrap_or_default());
    Message::builder()
        .message_id(Some(row.message_id.clone()))
        .date(date)
        .from(from)
        .to(to)
        .subject(row.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(row.body.clone())
        .map_err(|e| Failure::Permanent(format!("message: {e}")))
}

async fn send(transport: &Transport, row: &NoticeRow, message: Message) -> Result<(), Failure> {
    match transport {
        Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| {
            if e.is_permanent() {
                Failure::Permanent(e.to_string())
            } else {
                Failure::Transient(e.to_string())
            }
        }),
        Transport::Files(dir) => {
            let path = dir.join(format!("{:08}-{}.eml", row.id, row.kind));
            let tmp = path.with_extension("tmp");
            let bytes = message.formatted();
            let written = tokio::fs::create_dir_all(dir).await.and(Ok(()));
            let written = match written {
                Ok(()) => tokio::fs::write(&tmp, bytes).await.and(tokio::fs::rename(&tmp, &path).await),
                Err(e) => Err(e),
            };
            written.map_err(|e| Failure::Transient(format!("{}: {e}", path.display())))
        }
    }
}

/// Claims and delivers one due notice; `Ok(false)` when none is due.
pub async fn deliver_one(state: &AppState, transport: &Transport, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db::begin_write(&state.db).await?;
    let claimed = db::notices::claim(&mut tx, now, LEASE_SECS).await?;
    tx.commit().await?;
    let Some(row) = claimed else { return Ok(false) };
    let outcome = match message(&row, &state.settings.mail_from) {
        Ok(message) => send(transport, &row, message).await,
        Err(failure) => Err(failure),
    };
    match outcome {
        Ok(()) => {
            tracing::info!(notice = row.id, kind = %row.kind, "notice delivered");
            crate::ssr::telemetry::notice_delivered();
            db::notices::sent(&state.db, row.id, crate::ssr::now()).await?;
        }
        Err(Failure::Transient(error)) => {
            let delay = (FIRST_BACKOFF_SECS << (row.attempts - 1).clamp(0, 20)).min(MAX_BACKOFF_SECS);
            tracing::warn!(
                notice = row.id,
                attempt = row.attempts,
                "notice not delivered, again in {delay} s: {error}"
            );
            db::notices::failed(&state.db, row.id, &error, Some(crate::ssr::now() + delay)).await?;
            crate::ssr::telemetry::notice_failed(false);
        }
        Err(Failure::Permanent(error)) => {
            tracing::error!(notice = row.id, "notice failed for good: {error}");
            db::notices::failed(&state.db, row.id, &error, None).await?;
            crate::ssr::telemetry::notice_failed(true);
        }
    }
    Ok(true)
}

/// The sender: delivers due notices as long as there are any, then looks again every `idle`.
pub async fn run(state: AppState, transport: Transport, idle: Duration) {
    loop {
        match deliver_one(&state, &transport, crate::ssr::now()).await {
            Ok(true) => {}
            Ok(false) => tokio::time::sleep(idle).await,
            Err(e) => {
                tracing::error!("notice outbox: {e}");
                tokio::time::sleep(idle).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{smtp_tls, SmtpTls};

    fn tls(url: &str) -> Result<SmtpTls, String> {
        smtp_tls(&url::Url::parse(url).expect("url"))
    }

    #[test]
    fn starttls_is_required_towards_anything_but_loopback() {
        assert_eq!(tls("smtp://mail.bank.example:587"), Ok(SmtpTls::Required));
        assert_eq!(tls("smtp://192.0.2.25"), Ok(SmtpTls::Required));
        assert_eq!(tls("smtp://[2001:db8::25]:25"), Ok(SmtpTls::Required));
        assert_eq!(tls("smtp://127.0.0.1:25"), Ok(SmtpTls::Plain));
        assert_eq!(tls("smtp://127.0.0.2"), Ok(SmtpTls::Plain), "all of 127/8");
        assert_eq!(tls("smtp://localhost"), Ok(SmtpTls::Plain));
        assert_eq!(tls("smtp://[::1]:2525"), Ok(SmtpTls::Plain));
        assert_eq!(tls("smtp://127.0.0.1:25?tls=required"), Ok(SmtpTls::Required));
        assert_eq!(tls("smtps://mail.bank.example"), Ok(SmtpTls::Wrapper));
        assert_eq!(tls("smtps://127.0.0.1"), Ok(SmtpTls::Wrapper));
        assert!(tls("smtp://mail.bank.example?tls=none").is_err(), "no way to turn TLS off");
        assert!(tls("http://mail.bank.example").is_err());
        assert!(tls("smtp://localhost.evil.example").is_ok_and(|t| t == SmtpTls::Required));
    }
}

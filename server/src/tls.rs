//! TLS for the two listeners.
//!
//! - The ID listener: server certificate only.
//! - The certificate-logon listener (電子証明書方式): also asks the browser for a client
//!   certificate issued by our CA. The handshake checks only the chain (signature up to our CA),
//!   not time or revocation: a revoked or expired certificate must reach the application, which
//!   decides against the database on every request and tells the person what to do (a TLS alert
//!   would only show a browser error page). A certificate of another CA fails the handshake.
//!   A browser that sends no certificate gets through too and is told it sent none.
//!
//! Both listeners present one [`ServerCertificate`]: the operator's own (`--tls-cert` /
//! `--tls-key`), replaced while they run when the files are reloaded (SIGHUP), or the default one
//! issued at start. A handshake takes the certificate current at its start.
//!
//! Both listeners set `TCP_NODELAY` on every accepted connection ([`bind`], [`from_tcp`]). A page
//! is streamed in several TLS records (over HTTP/2, several frames); with Nagle's algorithm the
//! last small write waits for the browser's delayed ACK, about 40 ms on Linux, on every page and
//! on server functions whose answer is written in pieces.

use anyhow::Context;
use app::ssr::access::request::TlsClient;
use axum::{extract::Request, middleware::Next, response::IntoResponse, response::Response};
use axum_server::accept::NoDelayAcceptor;
use axum_server::tls::TlsInfo;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error, RootCertStore, SignatureScheme,
};
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

/// An HTTPS listener: TLS by a [`rustls::ServerConfig`] over TCP connections without Nagle's delay.
pub type Listener = axum_server::Server<SocketAddr, RustlsAcceptor<NoDelayAcceptor>>;

fn acceptor(config: rustls::ServerConfig) -> RustlsAcceptor<NoDelayAcceptor> {
    RustlsAcceptor::new(RustlsConfig::from_config(Arc::new(config))).acceptor(NoDelayAcceptor::new())
}

/// The HTTPS listener on `addr` with the TLS of `config` ([`id_listener`] or
/// [`certificate_listener`]).
pub fn bind(addr: SocketAddr, config: rustls::ServerConfig) -> Listener {
    axum_server::bind(addr).acceptor(acceptor(config))
}

/// The HTTPS listener on a socket already bound (and set non-blocking) by the caller.
pub fn from_tcp(listener: std::net::TcpListener, config: rustls::ServerConfig) -> std::io::Result<Listener> {
    Ok(axum_server::from_tcp(listener)?.acceptor(acceptor(config)))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The HTTPS certificate chain and key both listeners present. [`ServerCertificate::replace`]
/// swaps it for the handshakes that start afterwards; a chain and key that do not make a usable
/// pair are refused and the current one stays.
#[derive(Debug)]
pub struct ServerCertificate {
    current: RwLock<Arc<CertifiedKey>>,
}

impl ServerCertificate {
    /// From a PEM chain (the server's certificate first, then its intermediates) and its PEM key.
    pub fn new(chain_pem: &str, key_pem: &str) -> anyhow::Result<Arc<Self>> {
        Ok(Arc::new(Self { current: RwLock::new(certified_key(chain_pem, key_pem)?) }))
    }

    /// Presents `chain_pem` / `key_pem` from the next handshake on, if they make a usable pair.
    pub fn replace(&self, chain_pem: &str, key_pem: &str) -> anyhow::Result<()> {
        let new = certified_key(chain_pem, key_pem)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = new;
        Ok(())
    }
}

impl ResolvesServerCert for ServerCertificate {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().unwrap_or_else(PoisonError::into_inner).clone())
    }
}

/// A chain that is not empty, with a key the provider can sign with and that belongs to its
/// first certificate.
fn certified_key(chain_pem: &str, key_pem: &str) -> anyhow::Result<Arc<CertifiedKey>> {
    let chain = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .context("HTTPS certificate chain")?;
    anyhow::ensure!(!chain.is_empty(), "HTTPS certificate chain: no certificate in the file");
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).context("HTTPS private key")?;
    let certified =
        CertifiedKey::from_der(chain, key, &provider()).context("HTTPS certificate and private key")?;
    certified.keys_match().context("the HTTPS private key does not belong to the certificate")?;
    Ok(Arc::new(certified))
}

fn with_alpn(mut config: rustls::ServerConfig) -> rustls::ServerConfig {
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

/// The ID listener's TLS: no client certificates.
pub fn id_listener(certificate: &Arc<ServerCertificate>) -> anyhow::Result<rustls::ServerConfig> {
    Ok(with_alpn(
        rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(certificate.clone()),
    ))
}

/// The certificate-logon listener's TLS: client certificates of `ca_der`, chain checked only.
pub fn certificate_listener(
    certificate: &Arc<ServerCertificate>,
    ca_der: &[u8],
) -> anyhow::Result<rustls::ServerConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(ca_der.to_vec())).context("CA certificate as trust anchor")?;
    let inner = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .allow_unauthenticated()
        .build()
        .context("client certificate verifier")?;
    Ok(with_alpn(
        rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(Arc::new(ChainOnly { inner }))
            .with_cert_resolver(certificate.clone()),
    ))
}

/// webpki's verifier, with the certificate's own validity period left to the application.
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<dyn ClientCertVerifier>,
}

impl ClientCertVerifier for ChainOnly {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        match self.inner.verify_client_cert(end_entity, intermediates, now) {
            Err(Error::InvalidCertificate(
                CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. },
            )) => {
                // Check the chain as of a moment inside the certificate's own validity.
                let (not_before, _) = app::ssr::pki::x509::validity_of(end_entity)
                    .ok_or(Error::InvalidCertificate(CertificateError::BadEncoding))?;
                let at = UnixTime::since_unix_epoch(Duration::from_secs(
                    u64::try_from(not_before + 1).unwrap_or(0),
                ));
                self.inner.verify_client_cert(end_entity, intermediates, at)
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Middleware of the certificate-logon listener: hands the certificate from the handshake to
/// the application as [`TlsClient`] (whose presence also marks the listener). Its top page is
/// the certificate logon.
pub async fn present_client_certificate(mut req: Request, next: Next) -> Response {
    if req.uri().path() == "/" {
        return axum::response::Redirect::to("/cert/logon").into_response();
    }
    let certificate = req
        .extensions()
        .get::<Arc<TlsInfo>>()
        .and_then(|info| info.peer_certificates.first().cloned())
        .map(Arc::new);
    req.extensions_mut().insert(TlsClient { certificate });
    next.run(req).await
}

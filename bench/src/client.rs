//! A small HTTPS client for the benchmarks and the load tests (`server/tests/load.rs` includes
//! this file): one kept-alive HTTP/1.1 connection per simulated
//! browser (hyper over tokio-rustls), calling server functions the way the WASM client does
//! (form-encoded arguments, same-origin `Origin`, JSON answer).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{pem::PemObject, CertificateDer, ServerName};
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Clone)]
pub struct Client {
    addr: SocketAddr,
    tls: tokio_rustls::TlsConnector,
}

/// One kept-alive connection.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    origin: String,
}

/// What came back.
pub struct Answer {
    pub status: u16,
    pub body: String,
    /// The ID listener's session cookie the answer set, as `name=value`.
    pub cookie: Option<String>,
}

impl Client {
    /// A client of the listener at `addr` that trusts only `ca_pem`.
    pub fn new(ca_pem: &str, addr: SocketAddr) -> anyhow::Result<Self> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            roots.add(cert?)?;
        }
        let config =
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()?
                .with_root_certificates(roots)
                .with_no_client_auth();
        Ok(Self { addr, tls: tokio_rustls::TlsConnector::from(Arc::new(config)) })
    }

    pub async fn connect(&self) -> anyhow::Result<Connection> {
        let tcp = tokio::net::TcpStream::connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let tls = self.tls.connect(ServerName::try_from("127.0.0.1")?.to_owned(), tcp).await?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Connection { sender, origin: format!("https://{}", self.addr) })
    }
}

impl Connection {
    /// Calls the server function at `/api/{endpoint}`.
    pub async fn call(
        &mut self,
        endpoint: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> anyhow::Result<Answer> {
        let body = serde_urlencoded::to_string(form)?;
        let mut req = http::Request::post(format!("/api/{endpoint}"))
            .header(http::header::HOST, self.origin.trim_start_matches("https://"))
            .header(http::header::ORIGIN, &self.origin)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(http::header::COOKIE, c);
        }
        self.sender.ready().await?;
        let res = self.sender.send_request(req.body(Full::new(Bytes::from(body)))?).await?;
        let status = res.status().as_u16();
        let cookie = res
            .headers()
            .get_all(http::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .find(|c| c.starts_with("__Host-bizdirect-session=") && !c.ends_with('='))
            .map(str::to_owned);
        let bytes = res.into_body().collect().await?.to_bytes();
        Ok(Answer { status, body: String::from_utf8_lossy(&bytes).into_owned(), cookie })
    }
}

/// The first field named `key`, at any depth of a JSON answer, as text.
pub fn json_field(body: &str, key: &str) -> Option<String> {
    fn find<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
        match v {
            serde_json::Value::Object(map) => {
                map.get(key).or_else(|| map.values().find_map(|child| find(child, key)))
            }
            serde_json::Value::Array(items) => items.iter().find_map(|child| find(child, key)),
            _ => None,
        }
    }
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    match find(&v, key)? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The `save_user` form of 利用者情報変更 that only ticks 「現在の電子証明書を失効し、再発行する。」
/// (name kept, PINs unchanged) for the certificate version `version`, confirmed with
/// `confirm_pin` (used by P2 and by the load tests).
pub fn reissue_form<'a>(
    user: &'a str,
    name: &'a str,
    version: &'a str,
    confirm_pin: &'a str,
) -> [(&'a str, &'a str); 11] {
    [
        ("user", user),
        ("name", name),
        ("email", ""),
        ("user_pin", ""),
        ("user_pin_again", ""),
        ("user_confirm_pin", ""),
        ("user_confirm_pin_again", ""),
        ("logon_method", "id_pin"),
        ("issue_certificate", "on"),
        ("cert_version", version),
        ("admin_confirm_pin", confirm_pin),
    ]
}

//! The certificate-logon listener over real TLS: the handshake checks only the chain (our CA),
//! the application receives the presented certificate and decides (expired, none, ours). Both
//! listeners over HTTP/2: pages, and refusals that arrive whole.

use crate::certificates::{pem_of, reissue};
use crate::support::TestApp;
use app::ssr::Settings;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer, ServerName};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A key and a certificate for it acquired as `user` (after the administrator reissued).
async fn acquire_with_key(app: &TestApp, user: &str) -> (String, String) {
    let admin = app.demo_admin_cookie().await;
    assert_eq!(reissue(app, &admin, user, "0").await.status, http::StatusCode::OK);
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let csr = rcgen::CertificateParams::new(Vec::<String>::new())
        .expect("params")
        .serialize_request(&key)
        .expect("csr")
        .pem()
        .expect("pem");
    let got = crate::certificates::acquire(app, user, &csr).await;
    assert_eq!(got.status, http::StatusCode::OK, "{}", got.body);
    (pem_of(&got.body, "certificate_pem"), key.serialize_pem())
}

/// Serves the certificate-logon router of `app` on a loopback port.
async fn serve(app: &TestApp) -> (SocketAddr, axum_server::Handle<SocketAddr>) {
    let (chain, key) = app.tls_material();
    let config = server::tls::certificate_listener(
        &server::tls::ServerCertificate::new(&chain, key.expose()).expect("certificate"),
        app.state.pki.ca.cert_der(),
    )
    .expect("config");
    let options =
        leptos::config::LeptosOptions::builder().output_name("bizdirect").site_root("target/site").build();
    let router = server::router::build_certificate(app.state.clone(), options);
    let handle = axum_server::Handle::new();
    let server = server::tls::bind(SocketAddr::from(([127, 0, 0, 1], 0)), config)
        .handle(handle.clone())
        .serve(router.into_make_service_with_connect_info::<SocketAddr>());
    tokio::spawn(server);
    let addr = handle.listening().await.expect("listening");
    (addr, handle)
}

/// A TLS client configuration that trusts `app`'s HTTPS certificate issuer (and only that: not
/// the client CA).
fn trusting_our_issuer(
    app: &TestApp,
) -> rustls::ConfigBuilder<rustls::ClientConfig, rustls::client::WantsClientCert> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(app.tls_issuer_der())).expect("root");
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
}

/// POSTs `/api/whose_certificate` over HTTP/1.1, presenting `client` (certificate, key) if given.
/// Returns the status line and body, or the error of a refused handshake.
async fn whose(app: &TestApp, addr: SocketAddr, client: Option<(&str, &str)>) -> Result<String, String> {
    let builder = trusting_our_issuer(app);
    let config = match client {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from_pem_slice(cert.as_bytes()).expect("cert")],
                PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("key"),
            )
            .expect("client auth"),
        None => builder.with_no_client_auth(),
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let name = ServerName::try_from("127.0.0.1").expect("name");
    let mut tls = connector.connect(name, tcp).await.map_err(|e| e.to_string())?;
    let request = format!(
        "POST /api/whose_certificate HTTP/1.1\r\nHost: {addr}\r\nOrigin: https://{addr}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    tls.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut answer = String::new();
    tls.read_to_string(&mut answer).await.map_err(|e| e.to_string())?;
    Ok(answer)
}

#[tokio::test]
async fn the_listener_hands_the_presented_certificate_to_the_application() {
    let app = TestApp::new().await;
    let (addr, handle) = serve(&app).await;
    let (cert, key) = acquire_with_key(&app, "test01").await;

    let ours = whose(&app, addr, Some((&cert, &key))).await.expect("handshake");
    assert!(ours.starts_with("HTTP/1.1 200"), "{ours}");
    assert!(ours.contains("\"user_id\":\"test01\""), "{ours}");

    let none = whose(&app, addr, None).await.expect("no certificate is allowed through");
    assert!(none.starts_with("HTTP/1.1 403") && none.contains("\"missing\""), "{none}");

    // Another CA's certificate fails the handshake itself.
    let foreign_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let foreign = rcgen::CertificateParams::new(Vec::<String>::new())
        .expect("params")
        .self_signed(&foreign_key)
        .expect("cert");
    let refused = whose(&app, addr, Some((&foreign.pem(), &foreign_key.serialize_pem()))).await;
    assert!(refused.as_ref().map_or(true, |a| !a.starts_with("HTTP/1.1 200")), "{refused:?}");
    assert!(refused.is_err(), "the TLS layer refuses a certificate of another CA: {refused:?}");
    handle.shutdown();
}

#[tokio::test]
async fn an_expired_certificate_passes_tls_and_is_refused_with_a_reason() {
    let app = TestApp::with_settings(Settings { certificate_validity_secs: 1, ..Settings::default() }).await;
    let (addr, handle) = serve(&app).await;
    let (cert, key) = acquire_with_key(&app, "test01").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let answer = whose(&app, addr, Some((&cert, &key))).await.expect("the chain alone is checked in TLS");
    assert!(answer.starts_with("HTTP/1.1 403") && answer.contains("\"expired\""), "{answer}");
    handle.shutdown();
}

/// GETs `path` over HTTP/2 (ALPN `h2`) from the listener at `addr`, no client certificate.
/// Returns the status, the whole body, the client's end of the connection, and the connection
/// itself, which stays open while the returned sender lives.
async fn get_over_h2(
    app: &TestApp,
    addr: SocketAddr,
    path: &str,
) -> (http::StatusCode, String, SocketAddr, hyper::client::conn::http2::SendRequest<Empty<Bytes>>) {
    let mut config = trusting_our_issuer(app).with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let client = tcp.local_addr().expect("client address");
    let name = ServerName::try_from("127.0.0.1").expect("name");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await.expect("handshake");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]), "the listener speaks HTTP/2");
    let (mut sender, connection) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tls),
    )
    .await
    .expect("HTTP/2 handshake");
    tokio::spawn(connection);
    let request = http::Request::get(format!("https://{addr}{path}")).body(Empty::new()).expect("request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status();
    let body = response.into_body().collect().await.expect("whole body").to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned(), client, sender)
}

/// `TCP_NODELAY` on the server's end of the connection from `client` to `server`. The listener
/// runs in this process, so its accepted socket is one of this process's descriptors: each
/// socket among them is duplicated (pidfd_getfd(2)) and its two addresses compared. Only sockets
/// are duplicated: closing a duplicate of a database file would drop SQLite's POSIX locks.
fn server_side_nodelay(server: SocketAddr, client: SocketAddr) -> bool {
    use rustix::process::{getpid, pidfd_getfd, pidfd_open, PidfdFlags, PidfdGetfdFlags};
    let me = pidfd_open(getpid(), PidfdFlags::empty()).expect("pidfd_open");
    for entry in std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd").flatten() {
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        let Some(fd) = entry.file_name().to_str().and_then(|name| name.parse().ok()) else { continue };
        if !is_socket {
            continue;
        }
        let Ok(duplicate) = pidfd_getfd(&me, fd, PidfdGetfdFlags::empty()) else { continue };
        let socket = std::net::TcpStream::from(duplicate);
        if socket.local_addr().ok() == Some(server) && socket.peer_addr().ok() == Some(client) {
            return socket.nodelay().expect("TCP_NODELAY");
        }
    }
    panic!("no socket of this process is the server's end of {client} -> {server}");
}

/// A page is streamed in several HTTP/2 frames; with Nagle's algorithm on the accepted socket its
/// last small write waits for the client's delayed ACK (~40 ms). Both listeners switch it off on
/// every connection they accept; read back from the socket itself, not timed.
#[tokio::test]
async fn both_listeners_serve_pages_over_http2_with_nagle_switched_off() {
    let app = TestApp::new().await;
    let (listener, port) = crate::ocsp::loopback_listener();
    let id_handle = crate::ocsp::serve_id(&app, listener).await;
    let (cert_addr, cert_handle) = serve(&app).await;
    let id_addr = SocketAddr::from(([127, 0, 0, 1], port));

    // Without a certificate, the certificate logon page is the one that says none was sent (403).
    for (addr, path, expected, page) in [
        (id_addr, "/", http::StatusCode::OK, "ID listener's top page"),
        (cert_addr, "/cert/logon", http::StatusCode::FORBIDDEN, "certificate logon page"),
    ] {
        let (status, body, client, connection) = get_over_h2(&app, addr, path).await;
        assert_eq!(status, expected, "{page}: {body}");
        assert!(body.contains("</body></html>"), "{page} arrives whole: {body}");
        assert!(server_side_nodelay(addr, client), "{page}: the accepted connection has TCP_NODELAY");
        drop(connection);
    }
    id_handle.shutdown();
    cert_handle.shutdown();
}

/// What an HTTP/2 client got for one POST: the answer's status and body, and how sending the
/// request's body ended (`Err`: the server reset the stream before reading it to its end).
struct H2Post {
    status: http::StatusCode,
    body: String,
    sent: Result<(), String>,
}

/// POSTs `len` bytes to `path` of the ID listener at `addr` over HTTP/2 (h2, the protocol
/// browsers use here) with `Origin: origin`, announcing the length in `content-length` only if
/// `announce`. The body is written as fast as the server's flow control lets it, while the
/// answer is read.
async fn post_over_h2(app: &TestApp, addr: SocketAddr, origin: &str, len: usize, announce: bool) -> H2Post {
    let mut config = trusting_our_issuer(app).with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let name = ServerName::try_from("127.0.0.1").expect("name");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await.expect("handshake");
    let (client, connection) = h2::client::handshake(tls).await.expect("HTTP/2 handshake");
    tokio::spawn(connection);
    let mut client = client.ready().await.expect("ready");
    let mut request = http::Request::post(format!("https://{addr}/api/admin_logon"))
        .header(http::header::ORIGIN, origin)
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if announce {
        request = request.header(http::header::CONTENT_LENGTH, len);
    }
    let (response, mut stream) =
        client.send_request(request.body(()).expect("request"), false).expect("send request");
    let write_body = async move {
        let mut left = len;
        while left > 0 {
            stream.reserve_capacity(left.min(64 * 1024));
            let capacity = match std::future::poll_fn(|cx| stream.poll_capacity(cx)).await {
                Some(Ok(n)) => n,
                Some(Err(e)) => return Err(format!("after {} bytes: {e}", len - left)),
                None => return Err(format!("stream closed after {} bytes", len - left)),
            };
            let n = capacity.min(left);
            stream.send_data(Bytes::from(vec![b'a'; n]), n == left).map_err(|e| e.to_string())?;
            left -= n;
        }
        Ok(())
    };
    let receive = async move {
        let response = response.await.expect("an answer");
        let status = response.status();
        let mut body = response.into_body();
        let mut bytes = Vec::new();
        while let Some(chunk) = body.data().await {
            let chunk = chunk.expect("the answer's body arrives whole");
            body.flow_control().release_capacity(chunk.len()).expect("release");
            bytes.extend_from_slice(&chunk);
        }
        (status, String::from_utf8_lossy(&bytes).into_owned())
    };
    let both = async { tokio::join!(write_body, receive) };
    let (sent, (status, body)) =
        tokio::time::timeout(std::time::Duration::from_secs(30), both).await.expect("within 30 s");
    H2Post { status, body, sent }
}

/// A POST refused before its body is read — another origin, `Origin: null`, a body over the limit
/// (announced or streamed) — reaches an HTTP/2 client as a whole answer: the server reads the
/// body to its end and answers, without resetting the stream (which curl reports as exit 92 and
/// no status). The bodies are larger than the server's HTTP/2 flow-control window, so a server
/// that answered without reading would have to reset the stream.
#[tokio::test]
async fn refusals_reach_an_http2_client_whole() {
    let app = TestApp::new().await;
    let (listener, port) = crate::ocsp::loopback_listener();
    let handle = crate::ocsp::serve_id(&app, listener).await;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let ours = app.state.settings.public_url.clone();
    let len = 2 * 1024 * 1024;
    for (origin, announce, status, body) in [
        ("null", true, http::StatusCode::FORBIDDEN, r#""Forbidden""#),
        ("https://evil.example", true, http::StatusCode::FORBIDDEN, r#""Forbidden""#),
        ("https://evil.example", false, http::StatusCode::FORBIDDEN, r#""Forbidden""#),
        (ours.as_str(), true, http::StatusCode::PAYLOAD_TOO_LARGE, r#""BadRequest""#),
        (ours.as_str(), false, http::StatusCode::PAYLOAD_TOO_LARGE, r#""BadRequest""#),
    ] {
        let case = format!("Origin {origin}, length announced: {announce}");
        let got = post_over_h2(&app, addr, origin, len, announce).await;
        assert_eq!((got.status, got.body.as_str()), (status, body), "{case}");
        assert_eq!(got.sent, Ok(()), "{case}: the server read the body instead of resetting the stream");
    }
    handle.shutdown();
}

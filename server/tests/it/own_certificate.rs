//! The operator's own HTTPS certificate (`--tls-cert`, `--tls-key`) on the real binary: both
//! listeners present it, SIGHUP replaces it without a restart, and files that do not load on
//! SIGHUP leave the certificate in use as it was.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A certificate for `127.0.0.1` and `localhost` named `name`, self-signed, and its key (PEM).
fn certificate(name: &str) -> (String, String) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    (params.self_signed(&key).expect("certificate").pem(), key.serialize_pem())
}

/// The certificate the listener on `port` presents, as `openssl s_client` prints it (PEM), or
/// what openssl printed when the handshake gave none.
fn presented(port: u16) -> Result<String, String> {
    let out = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-servername", "localhost"])
        .stdin(Stdio::null())
        .output()
        .expect("openssl must be installed (scripts/setup.sh installs it)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let Some(begin) = text.find("-----BEGIN CERTIFICATE-----") else { return Err(text) };
    let end = text[begin..].find("-----END CERTIFICATE-----").expect("end") + begin;
    Ok(format!("{}-----END CERTIFICATE-----\n", &text[begin..end]))
}

/// Waits until both ports present `pem`, or panics after 10 s with what they present.
fn until_presented(ports: [u16; 2], pem: &str, what: &str) {
    let started = Instant::now();
    while ports.iter().any(|&port| presented(port).as_deref() != Ok(pem)) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what}: still not presented after 10 s: {:?}",
            ports.map(presented)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The server process, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    fn hang_up(&self) {
        let pid = self.0.id().to_string();
        assert!(Command::new("kill").args(["-HUP", &pid]).status().expect("kill").success());
    }
}

fn write(dir: &Path, (cert, key): &(String, String)) {
    std::fs::write(dir.join("server.pem"), cert).expect("write cert");
    std::fs::write(dir.join("server.key"), key).expect("write key");
}

#[test]
fn the_operators_certificate_is_presented_and_replaced_on_sighup() {
    let dir = tempfile::tempdir().expect("dir");
    let own = dir.path().join("own");
    std::fs::create_dir(&own).expect("own");
    let first = certificate("first");
    write(&own, &first);
    let free =
        || std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let ports = [free(), free()];
    let log = std::fs::File::create(dir.path().join("server.log")).expect("log");
    let mut server = Running(
        Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["--data-dir", dir.path().join("data").to_str().expect("path")])
            .args([
                "--addr",
                &format!("127.0.0.1:{}", ports[0]),
                "--cert-addr",
                &format!("127.0.0.1:{}", ports[1]),
                "--ops-addr",
                "127.0.0.1:0",
            ])
            .args(["--tls-cert", own.join("server.pem").to_str().expect("path")])
            .args(["--tls-key", own.join("server.key").to_str().expect("path")])
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start server"),
    );
    // Started once it says so (its own words, not merely something answering on the ports).
    let started = Instant::now();
    let log_text = || std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
    while !log_text().contains("bizdirect is serving at") {
        assert!(started.elapsed() < Duration::from_secs(60), "server did not start: {}", log_text());
        std::thread::sleep(Duration::from_millis(50));
    }
    until_presented(ports, &first.0, "the operator's certificate at start");

    let second = certificate("second");
    write(&own, &second);
    server.hang_up();
    until_presented(ports, &second.0, "the replaced certificate after SIGHUP");

    // Files that do not load: a chain that is no PEM, then a key of another certificate.
    let other = certificate("other");
    for (bad, what) in [
        (("not a certificate".to_owned(), second.1.clone()), "a broken chain"),
        ((second.0.clone(), other.1.clone()), "a key that is not the certificate's"),
    ] {
        write(&own, &bad);
        server.hang_up();
        std::thread::sleep(Duration::from_millis(500));
        assert!(server.0.try_wait().expect("wait").is_none(), "{what}: the server keeps running");
        for port in ports {
            assert_eq!(presented(port), Ok(second.0.clone()), "{what}: the certificate in use stays");
        }
    }
    let logged = std::fs::read_to_string(dir.path().join("server.log")).expect("log");
    assert_eq!(logged.matches("the HTTPS certificate in use stays").count(), 2, "{logged}");
}

#[test]
fn tls_cert_without_tls_key_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--data-dir", dir.path().to_str().expect("path"), "--tls-cert", "/nonexistent.pem", "check"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && text.contains("tls_cert and tls_key go together"), "{text}");
}

//! The default HTTPS certificate comes from a self-made TLS issuer of its own (`tls/issuer.crt`),
//! name-constrained to the configured host names, never from the client CA (`ca/ca.crt`);
//! checked with openssl on the files and on what the real binary presents.

use crate::support::TestApp;
use app::ssr::pki::ca::tls_issuer::{self, NewIssuer};
use app::ssr::Settings;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs openssl in `dir`: `(success, stdout + stderr)`.
fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("openssl must be installed (scripts/setup.sh installs it)");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// The certificate the listener on `port` presents to a client asking for `name` (PEM).
fn presented(port: u16, name: &str) -> String {
    let (_, text) =
        openssl(Path::new("."), &["s_client", "-connect", &format!("127.0.0.1:{port}"), "-servername", name]);
    let begin = text.find("-----BEGIN CERTIFICATE-----").unwrap_or_else(|| panic!("no certificate: {text}"));
    let end = text[begin..].find("-----END CERTIFICATE-----").expect("end") + begin;
    format!("{}-----END CERTIFICATE-----\n", &text[begin..end])
}

struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_default_certificate_comes_from_a_name_constrained_issuer_that_is_not_the_client_ca() {
    let dir = tempfile::tempdir().expect("dir");
    let (d, data) = (dir.path(), dir.path().join("data"));
    let free =
        || std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let ports = [free(), free()];
    let public = format!("https://bank.example:{}", ports[0]);
    let log = std::fs::File::create(d.join("server.log")).expect("log");
    let _server = Running(
        Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["--data-dir", data.to_str().expect("path"), "--public-url", &public])
            .args([
                "--addr",
                &format!("127.0.0.1:{}", ports[0]),
                "--cert-addr",
                &format!("127.0.0.1:{}", ports[1]),
                "--ops-addr",
                "127.0.0.1:0",
            ])
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start server"),
    );
    let started = Instant::now();
    loop {
        let logged = std::fs::read_to_string(d.join("server.log")).expect("log");
        if logged.contains("HTTPS certificate issuer (trust it in your browser)") {
            let issuer_crt = data.join("tls/issuer.crt");
            assert!(
                logged.contains(&format!(
                    "HTTPS certificate issuer (trust it in your browser): {}",
                    issuer_crt.display()
                )),
                "{logged}"
            );
            assert!(
                !logged.lines().any(|l| l.contains("trust") && l.contains("ca.crt")),
                "the client CA is not offered as a browser trust anchor: {logged}"
            );
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "server did not start: {logged}");
        std::thread::sleep(Duration::from_millis(50));
    }

    // The issuer: a CA of its own, with a critical NameConstraints of the configured names.
    let (ok, issuer) = openssl(&data, &["x509", "-in", "tls/issuer.crt", "-text", "-noout"]);
    assert!(ok, "{issuer}");
    for expected in [
        "X509v3 Name Constraints: critical",
        "Permitted:",
        "DNS:localhost",
        "DNS:bank.example",
        "IP:127.0.0.1/255.255.255.255",
        "IP:0:0:0:0:0:0:0:1/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF",
        "CA:TRUE, pathlen:0",
    ] {
        assert!(issuer.contains(expected), "{expected} in {issuer}");
    }
    let subject =
        |file: &str| openssl(&data, &["x509", "-in", file, "-noout", "-subject"]).1.replace("subject=", "");
    let issuer_of =
        |file: &str| openssl(&data, &["x509", "-in", file, "-noout", "-issuer"]).1.replace("issuer=", "");
    assert_eq!(issuer_of("tls/server.crt"), subject("tls/issuer.crt"));
    assert_ne!(issuer_of("tls/server.crt"), subject("ca/ca.crt"), "not issued by the client CA");
    assert_ne!(
        openssl(&data, &["x509", "-in", "tls/issuer.crt", "-noout", "-pubkey"]).1,
        openssl(&data, &["x509", "-in", "ca/ca.crt", "-noout", "-pubkey"]).1,
        "a key of its own"
    );
    let (_, server) = openssl(&data, &["x509", "-in", "tls/server.crt", "-text", "-noout"]);
    assert!(server.contains(&format!("URI:{public}/crl/tls.crl")), "its issuer's CRL: {server}");
    assert!(server.contains("DNS:bank.example"), "{server}");
    assert!(
        !server.contains("/crl/bizdirect.crl") && !server.contains("/crl/c/") && !server.contains("OCSP"),
        "nothing of the client CA: {server}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &str| std::fs::metadata(data.join(p)).expect("mode").permissions().mode() & 0o777;
        assert_eq!((mode("tls"), mode("tls/issuer.key")), (0o700, 0o600));
    }

    // What both listeners present chains to tls/issuer.crt, and not to the client CA.
    for port in ports {
        std::fs::write(d.join("presented.pem"), presented(port, "localhost")).expect("write");
        let issuer_crt = data.join("tls/issuer.crt");
        let (ok, out) =
            openssl(d, &["verify", "-CAfile", issuer_crt.to_str().expect("path"), "presented.pem"]);
        assert!(ok, "port {port}: {out}");
        let ca_crt = data.join("ca/ca.crt");
        let (ok, out) = openssl(d, &["verify", "-CAfile", ca_crt.to_str().expect("path"), "presented.pem"]);
        assert!(!ok, "port {port}: the client CA does not vouch for it: {out}");
    }

    // The issuer's CRL, fetched as a TLS client of bank.example would (the certificate's name),
    // is signed by the issuer and leaves the certificate good.
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--fail", "--output", "tls.crl"])
        .args(["--cacert", data.join("tls/issuer.crt").to_str().expect("path")])
        .args([
            "--resolve",
            &format!("bank.example:{}:127.0.0.1", ports[0]),
            &format!("{public}/crl/tls.crl"),
        ])
        .current_dir(d)
        .output()
        .expect("curl");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (ok, out) = openssl(d, &["crl", "-inform", "DER", "-in", "tls.crl", "-out", "tls-crl.pem"]);
    assert!(ok, "{out}");
    let issuer_crt = data.join("tls/issuer.crt");
    let issuer_crt = issuer_crt.to_str().expect("path");
    let (ok, out) = openssl(d, &["crl", "-in", "tls-crl.pem", "-CAfile", issuer_crt, "-noout"]);
    assert!(ok && out.contains("verify OK"), "{out}");
    let (ok, out) = openssl(
        d,
        &["verify", "-crl_check", "-CRLfile", "tls-crl.pem", "-CAfile", issuer_crt, "presented.pem"],
    );
    assert!(ok, "{out}");
}

/// A data folder from before the TLS issuer (its `server.crt` issued by the client CA) gets a
/// certificate from the new issuer at the next start; a valid one is reused; a public URL
/// outside the issuer's constraints makes a new issuer; a key file open to others is refused.
#[tokio::test]
async fn an_old_certificate_of_the_client_ca_is_replaced_and_names_outside_the_constraints_make_a_new_issuer()
{
    let app = TestApp::new().await;
    let data = app.data_dir().to_owned();
    let tls = data.join("tls");
    // The old layout: the HTTPS certificate signed by the client CA (naming even the new CRL URL,
    // so that only its issuer gives it away).
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().mode(0o700).create(&tls).expect("tls/");
    }
    let ca_pem = std::fs::read_to_string(data.join("ca/ca.crt")).expect("ca.crt");
    let ca_key = rcgen::KeyPair::from_pem(&std::fs::read_to_string(data.join("ca/ca.key")).expect("ca.key"))
        .expect("key");
    let ca = rcgen::Issuer::from_ca_cert_pem(&ca_pem, ca_key).expect("issuer");
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()])
            .expect("params");
    params.crl_distribution_points =
        vec![rcgen::CrlDistributionPoint { uris: vec![tls_issuer::crl_url(&app.state.settings)] }];
    let old = params.signed_by(&key, &ca).expect("old certificate").pem();
    std::fs::write(tls.join("server.crt"), format!("{old}{ca_pem}")).expect("server.crt");
    std::fs::write(tls.join("server.key"), key.serialize_pem()).expect("server.key");
    let (ok, out) = openssl(&data, &["verify", "-CAfile", "ca/ca.crt", "tls/server.crt"]);
    assert!(ok, "the old certificate is the client CA's: {out}");

    let now = ::time::OffsetDateTime::now_utc();
    let made = tls_issuer::load_or_issue(&tls, &app.state.settings, now).expect("next start");
    assert_eq!(made.new_issuer, Some(NewIssuer::First));
    assert!(!made.chain.contains(old.trim()), "reissued");
    assert_eq!(std::fs::read_to_string(tls.join("server.crt")).expect("server.crt"), made.chain);
    let (ok, out) = openssl(&data, &["verify", "-CAfile", "tls/issuer.crt", "tls/server.crt"]);
    assert!(ok, "{out}");
    let (ok, out) = openssl(&data, &["verify", "-CAfile", "ca/ca.crt", "tls/server.crt"]);
    assert!(!ok, "no longer the client CA's: {out}");

    let again = tls_issuer::load_or_issue(&tls, &app.state.settings, now).expect("start after");
    assert_eq!((again.new_issuer, &again.chain), (None, &made.chain), "a valid certificate is reused");

    // A public URL on a host the issuer may not vouch for: a new issuer, and a certificate for it.
    let issuer_before = std::fs::read_to_string(tls.join("issuer.crt")).expect("issuer.crt");
    let moved = Settings { public_url: "https://bank.example".into(), ..(*app.state.settings).clone() };
    let renamed = tls_issuer::load_or_issue(&tls, &moved, now).expect("start with another host");
    assert_eq!(renamed.new_issuer, Some(NewIssuer::NamesChanged));
    assert_ne!(std::fs::read_to_string(tls.join("issuer.crt")).expect("issuer.crt"), issuer_before);
    let (ok, out) = openssl(
        &data,
        &["verify", "-CAfile", "tls/issuer.crt", "-verify_hostname", "bank.example", "tls/server.crt"],
    );
    assert!(ok, "{out}");
    let (_, text) = openssl(&data, &["x509", "-in", "tls/issuer.crt", "-noout", "-text"]);
    assert!(text.contains("DNS:bank.example"), "{text}");
    // Back to loopback only: still within the new issuer's constraints, which it keeps.
    let back = tls_issuer::load_or_issue(&tls, &app.state.settings, now).expect("back");
    assert_eq!(back.new_issuer, None);

    // The issuer's key, like the CA's, must be closed to group and others.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tls.join("issuer.key"), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
    }
    let refused = tls_issuer::load_or_issue(&tls, &app.state.settings, now).expect_err("open key");
    assert!(refused.to_string().contains("chmod 600"), "{refused}");
}

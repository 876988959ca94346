//! The CA key in a PKCS#11 token, with a real SoftHSM2 (Debian `softhsm2`, installed by
//! `scripts/setup.sh test`): `server ca hsm-init` makes the key in the token (sensitive,
//! non-extractable: the token refuses to reveal it) and the CA certificate; certificates, the
//! CRL and OCSP responses are then signed by the token and checked with openssl and pkilint.
//!
//! One token per test process, in a fresh folder under the target directory, named by
//! `SOFTHSM2_CONF`; each test uses its own key label in it.

use crate::ocsp::{good_revoked_unknown, loopback_listener, openssl, serve_id, settings_for};
use crate::support::TestApp;
use app::ssr::pki::pkcs11::{TokenConfig, TokenKey, TokenSelector};
use app::ssr::secret::TokenPin;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const TOKEN: &str = "bizdirect-test";
const PIN: &str = "87654321";
const SO_PIN: &str = "12345678";

struct SoftHsm {
    module: PathBuf,
    conf: PathBuf,
}

/// The SoftHSM2 module and a token initialised for this test process (once).
fn softhsm() -> &'static SoftHsm {
    static HSM: OnceLock<SoftHsm> = OnceLock::new();
    HSM.get_or_init(|| {
        let module = PathBuf::from(
            std::env::var("BIZDIRECT_TEST_PKCS11_MODULE")
                .unwrap_or_else(|_| "/usr/lib/softhsm/libsofthsm2.so".into()),
        );
        assert!(module.exists(), "{} missing: run scripts/setup.sh test (Debian softhsm2)", module.display());
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        // Tokens of earlier runs whose process is gone are removed; this run gets its own.
        for entry in std::fs::read_dir(tmp).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("softhsm-") {
                if !Path::new("/proc").join(pid).exists() {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = tmp.join(format!("softhsm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tokens")).expect("token folder");
        let conf = dir.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
                dir.join("tokens").display()
            ),
        )
        .expect("conf");
        // Before any PKCS#11 call of this process: SoftHSM reads it at C_Initialize.
        std::env::set_var("SOFTHSM2_CONF", &conf);
        let out = Command::new("softhsm2-util")
            .args(["--init-token", "--free", "--label", TOKEN, "--so-pin", SO_PIN, "--pin", PIN])
            .env("SOFTHSM2_CONF", &conf)
            .output()
            .expect("softhsm2-util (Debian softhsm2) is installed");
        assert!(out.status.success(), "init token: {}", String::from_utf8_lossy(&out.stderr));
        SoftHsm { module, conf }
    })
}

fn token_config(key_label: &str, pin: &str) -> TokenConfig {
    TokenConfig {
        module: softhsm().module.clone(),
        token: TokenSelector::Label(TOKEN.into()),
        key_label: key_label.into(),
        pin: TokenPin::new(pin.into()),
    }
}

/// Runs the server binary with `args`, the SoftHSM configuration and, if given, `HSM_PIN`.
fn run(args: &[String], pin: Option<&str>) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.args(args).env("SOFTHSM2_CONF", &softhsm().conf).env_remove("HSM_PIN");
    if let Some(pin) = pin {
        cmd.env("HSM_PIN", pin);
    }
    let out = cmd.output().expect("run server");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Reads the private key's `CKA_VALUE` with cryptoki directly: the token must not hand it out.
fn key_value_is_withheld(key_label: &str) -> bool {
    use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
    use cryptoki::object::{Attribute, AttributeType, ObjectClass};
    use cryptoki::session::UserType;
    let ctx = Pkcs11::new(&softhsm().module).expect("module");
    // Already initialised by this process (the server's own context) or not: both are fine.
    let _ = ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK));
    let slot = ctx
        .get_slots_with_token()
        .expect("slots")
        .into_iter()
        .find(|s| ctx.get_token_info(*s).is_ok_and(|t| t.label().trim_end() == TOKEN))
        .expect("token");
    let session = ctx.open_ro_session(slot).expect("session");
    match session.login(UserType::User, Some(&cryptoki::types::AuthPin::new(PIN.into()))) {
        Ok(()) | Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::UserAlreadyLoggedIn, _)) => {}
        Err(e) => panic!("login: {e}"),
    }
    let keys = session
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Label(key_label.as_bytes().to_vec()),
        ])
        .expect("find");
    assert_eq!(keys.len(), 1, "exactly one private key labelled {key_label}");
    // The handle and session work: a public attribute of the key reads back.
    let sign = session.get_attributes(keys[0], &[AttributeType::Sign]).expect("CKA_SIGN");
    assert!(sign.iter().any(|a| matches!(a, Attribute::Sign(true))), "{sign:?}");
    // The value does not (an error, or no value, are both a refusal).
    let attrs = session.get_attributes(keys[0], &[AttributeType::Value]).unwrap_or_default();
    !attrs.iter().any(|a| matches!(a, Attribute::Value(v) if !v.is_empty()))
}

#[test]
fn hsm_init_makes_a_non_extractable_key_in_the_token_and_the_ca_certificate_for_it() {
    let module = softhsm().module.to_str().expect("path").to_owned();
    let dir = tempfile::tempdir().expect("dir");
    let label = "cli-ca";
    let command = |cmd: &[&str], key_label: Option<&str>| -> Vec<String> {
        let mut args: Vec<String> = cmd.iter().map(|s| (*s).to_owned()).collect();
        args.extend(["--data-dir".to_owned(), dir.path().to_str().expect("path").to_owned()]);
        if let Some(key_label) = key_label {
            args.extend(
                [
                    "--ca-pkcs11-module",
                    &module,
                    "--ca-pkcs11-token",
                    TOKEN,
                    "--ca-pkcs11-key-label",
                    key_label,
                    "--ca-pkcs11-pin-env",
                    "HSM_PIN",
                ]
                .map(str::to_owned),
            );
        }
        args
    };
    let init = command(&["ca", "hsm-init"], Some(label));

    // Without the PIN nothing happens; with a wrong one the token refuses.
    let (code, out) = run(&init, None);
    assert!(code != 0 && out.contains("HSM_PIN") && out.contains("not set"), "{out}");
    let (code, out) = run(&init, Some("00000000"));
    assert!(code != 0 && out.contains("PIN was refused"), "{out}");
    assert!(!dir.path().join("ca/ca.crt").exists());

    let (code, out) = run(&init, Some(PIN));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("sensitive=true extractable=false always_sensitive=true never_extractable=true"),
        "{out}"
    );
    assert!(dir.path().join("ca/ca.crt").exists(), "the CA certificate is written");
    assert!(!dir.path().join("ca/ca.key").exists(), "no key file in the HSM mode");
    assert!(key_value_is_withheld(label), "the token refuses to reveal the private key");

    // Never twice, never over an existing CA.
    let (code, out) = run(&init, Some(PIN));
    assert!(code != 0 && out.contains("already"), "{out}");

    // The CA certificate is self-signed by the token's key: openssl verifies the signature.
    let crt = dir.path().join("ca/ca.crt");
    let verify =
        Command::new("openssl").arg("verify").arg("-CAfile").arg(&crt).arg(&crt).output().expect("openssl");
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));

    // Every command opens the CA through the token (`check` signs the first CRL with it).
    let (code, out) = run(&command(&["check"], Some(label)), Some(PIN));
    assert_eq!(code, 0, "{out}");
    // The audit checkpoints are signed by a key of their own in the token (never the CA's, never
    // a file), and verify.
    let (code, out) = run(&command(&["audit", "checkpoint"], Some(label)), Some(PIN));
    assert_eq!(code, 0, "{out}");
    assert!(!dir.path().join("audit/checkpoint.key").exists(), "no checkpoint key file in the HSM mode");
    assert!(key_value_is_withheld(&format!("{label}-audit")), "the checkpoint key is in the token");
    let checkpoints = dir.path().join("audit/checkpoints.jsonl").to_str().expect("path").to_owned();
    let (code, out) =
        run(&command(&["audit", "verify", "--checkpoints", &checkpoints], Some(label)), Some(PIN));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("every checkpoint holds: 1 checkpoints"), "{out}");
    // Without the token options the folder has no usable CA, and no key file is made.
    let (code, out) = run(&command(&["check"], None), None);
    assert!(code != 0 && out.contains("its key does not"), "{out}");
    assert!(!dir.path().join("ca/ca.key").exists());
    // Another label names no key of this token.
    let (code, out) = run(&command(&["check"], Some("no-such-key")), Some(PIN));
    assert!(code != 0 && out.contains("no EC private key labelled"), "{out}");
}

/// The whole product with the CA key in the token: acquisition, revocation, CRL, OCSP (good,
/// revoked, unknown) over a real listener whose TLS certificate the token signed too, pkilint.
#[tokio::test]
async fn certificates_crls_and_ocsp_responses_are_signed_by_the_token() {
    let label = "it-ca";
    let dir = tempfile::tempdir().expect("dir");
    let config = token_config(label, PIN);
    let created = app::ssr::pki::ca::CertificateAuthority::create_with_token(
        &dir.path().join("ca"),
        TokenKey::generate(&config).expect("generate in the token"),
        time::OffsetDateTime::now_utc(),
    )
    .expect("CA certificate");
    drop(created);
    // A wrong PIN is refused before anything is opened.
    assert!(matches!(
        TokenKey::open(&token_config(label, "11111111")),
        Err(app::ssr::pki::pkcs11::TokenError::PinRefused)
    ));

    let (listener, port) = loopback_listener();
    let options = server::start::CaOptions { dir: None, passphrase: None, token: Some(config) };
    let opened = server::start::open_with_ca(dir.path(), &options, settings_for(port))
        .await
        .expect("open with the token");
    let app = TestApp::from_opened(opened, dir).await;
    let protection = app.state.pki.ca.token_protection().expect("token").expect("attributes");
    assert!(protection.sensitive && !protection.extractable, "{protection:?}");
    assert!(protection.always_sensitive && protection.never_extractable, "{protection:?}");
    assert!(key_value_is_withheld(label));

    // pkilint: CA certificate, a user certificate and a CRL with a revoked entry, all token-signed.
    crate::certificates::lint_ca_user_and_crl(&app, "test02").await;

    // openssl verify with the token-signed CRL: test03's current certificate passes, test02's
    // revoked one (just above) does not.
    let tmp = tempfile::tempdir().expect("dir");
    let t = tmp.path();
    std::fs::write(t.join("ca.pem"), app.state.pki.ca.cert_pem()).expect("write");
    let crl = crate::certificates::crl_der(&app).await;
    std::fs::write(t.join("crl.pem"), ::pem::encode(&::pem::Pem::new("X509 CRL", crl))).expect("write");
    let cookie = app.demo_admin_cookie().await;
    assert_eq!(crate::certificates::reissue(&app, &cookie, "test03", "0").await.status, http::StatusCode::OK);
    let got = crate::certificates::acquire(&app, "test03", &crate::certificates::csr()).await;
    std::fs::write(t.join("user.pem"), crate::certificates::pem_of(&got.body, "certificate_pem"))
        .expect("write");
    let (ok, out) =
        openssl(t, &["verify", "-CAfile", "ca.pem", "-crl_check", "-CRLfile", "crl.pem", "user.pem"]).await;
    assert!(ok, "{out}");

    // OCSP on a real listener: good, revoked (reason, time), unknown; POST and GET.
    let handle = serve_id(&app, listener).await;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    good_revoked_unknown(&app, addr, &format!("https://127.0.0.1:{port}/ocsp")).await;
    handle.shutdown();
}

//! The CA key at rest (OWASP ASVS V6): the start is refused when `ca.key` or our CA folder is
//! open to group or others, and with `--ca-key-passphrase-env` the key is an encrypted PKCS#8
//! that only the right passphrase opens — checked in-process, with the real binary, and with
//! openssl (which must read what we write, and we what it writes).

use app::ssr::pki::{ca::ClientProfile, x509::random_serial};
use app::ssr::secret::CaKeyPassphrase;
use app::ssr::Settings;
use server::start::{self, CaOptions};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

const PASSPHRASE: &str = "correct horse battery staple";

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o7777
}

fn with_passphrase(passphrase: &str) -> CaOptions {
    CaOptions { dir: None, passphrase: Some(CaKeyPassphrase::new(passphrase.into())), token: None }
}

/// Opens `data_dir` as `server::start` does and returns the error's full text, or `None`.
async fn open_error(data_dir: &Path, ca: &CaOptions) -> Option<String> {
    crate::support::open_with_ca(data_dir, ca, Settings::default()).await.err().map(|e| format!("{e:#}"))
}

/// The real binary: `(exit code, stdout, stderr)`.
fn run(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env_remove("BIZDIRECT_CA_KEY_PASSPHRASE_ENV")
        .env_remove("BIZDIRECT_CA_DIR")
        .envs(crate::support::database_env(args))
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run server");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// openssl with `args`: `(succeeded, stdout, stderr)`. Never waits on a terminal.
fn openssl(args: &[&str], envs: &[(&str, &str)]) -> (bool, String, String) {
    let out = Command::new("openssl")
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("openssl is installed");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh P-256 public key (SPKI, DER) as a CSR would carry it.
fn some_spki() -> Vec<u8> {
    use rcgen::{KeyPair, PublicKeyData, PKCS_ECDSA_P256_SHA256};
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key").subject_public_key_info()
}

/// The CA in `opened` still signs: a client certificate it issues verifies under `ca.crt`.
fn assert_issues(opened: &start::Opened) {
    use x509_parser::prelude::*;
    let ca = &opened.state.pki.ca;
    let now = ::time::OffsetDateTime::now_utc();
    let serial = random_serial().to_bytes();
    let der = ca
        .issue_client(
            &some_spki(),
            &ClientProfile {
                corporation_name: "株式会社テスト",
                contract_id: "20000000002",
                user_id: Some("test01"),
                serial: &serial,
                not_before: now,
                not_after: now + ::time::Duration::days(1),
                crl_url: "https://127.0.0.1:3000/crl/bizdirect.crl",
                ocsp_url: "https://127.0.0.1:3000/ocsp",
            },
        )
        .expect("issue");
    let ca_der = ca.cert_der();
    let (_, ca_cert) = X509Certificate::from_der(ca_der).expect("CA certificate");
    let (_, leaf) = X509Certificate::from_der(&der).expect("issued certificate");
    leaf.verify_signature(Some(ca_cert.public_key())).expect("signed by the CA's key");
}

#[tokio::test]
async fn a_ca_key_or_folder_open_to_others_refuses_the_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (key, folder) = (dir.path().join("ca/ca.key"), dir.path().join("ca"));
    let created = crate::support::open(dir.path(), Settings::default()).await.expect("first start");
    assert!(created.ca_created);
    assert_eq!((mode_of(&key), mode_of(&folder)), (0o600, 0o700), "what we create is owner-only");
    let ca_pem = created.state.pki.ca.cert_pem().to_owned();
    drop(created);

    // (mode of ca.key, refused?)
    for (mode, refused) in [
        (0o644, true),
        (0o640, true),
        (0o604, true),
        (0o620, true),
        (0o602, true),
        (0o400, false),
        (0o600, false),
    ] {
        chmod(&key, mode);
        let err = open_error(dir.path(), &CaOptions::default()).await;
        if refused {
            let err = err.unwrap_or_else(|| panic!("mode {mode:o} must be refused"));
            let expected = format!(
                "{} has mode {mode:04o}: the CA private key must be accessible by its owner only",
                key.display()
            );
            assert!(err.contains(&expected), "{err}");
            assert!(err.contains(&format!("chmod 600 {}", key.display())), "the fix is named: {err}");
        } else {
            assert_eq!(err, None, "mode {mode:o} is owner-only");
        }
    }
    chmod(&key, 0o600);
    for mode in [0o750, 0o705, 0o711] {
        chmod(&folder, mode);
        let err = open_error(dir.path(), &CaOptions::default()).await.expect("folder open to others");
        assert!(err.contains(&format!("{} has mode {mode:04o}: the CA folder", folder.display())), "{err}");
        assert!(err.contains(&format!("chmod 700 {}", folder.display())), "{err}");
    }
    chmod(&folder, 0o700);
    let reopened =
        crate::support::open(dir.path(), Settings::default()).await.expect("0600 key in a 0700 folder");
    assert_eq!(reopened.state.pki.ca.cert_pem(), ca_pem, "the same CA");
    assert!(!reopened.ca_created);
}

#[test]
fn the_binary_exits_non_zero_on_a_ca_key_open_to_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("path");
    let (code, out, err) = run(&["corp", "list", "--data-dir", d], &[]);
    assert_eq!(code, 0, "{out}{err}");
    let key = format!("{d}/ca/ca.key");
    chmod(Path::new(&key), 0o644);
    let (code, _, err) = run(&["corp", "list", "--data-dir", d], &[]);
    assert_ne!(code, 0);
    assert!(
        err.contains(&format!("{key} has mode 0644")) && err.contains(&format!("chmod 600 {key}")),
        "{err}"
    );
    let (code, _, err) = run(&["serve", "--data-dir", d, "--addr", "127.0.0.1:39410"], &[]);
    assert_ne!(code, 0, "the server does not start");
    assert!(err.contains(&format!("chmod 600 {key}")), "{err}");

    // A CA given by path (--ca-dir): its folder is the operator's to lay out, the key is not.
    chmod(Path::new(&key), 0o600);
    chmod(&dir.path().join("ca"), 0o755);
    let other = format!("{d}/other");
    let with_ca_dir = ["corp", "list", "--data-dir", &other, "--ca-dir", &format!("{d}/ca")];
    let (code, out, err) = run(&with_ca_dir, &[]);
    assert_eq!(code, 0, "an operator's 0755 folder with a 0600 key is accepted: {out}{err}");
    chmod(Path::new(&key), 0o640);
    let (code, _, err) = run(&with_ca_dir, &[]);
    assert_ne!(code, 0);
    assert!(err.contains(&format!("{key} has mode 0640")), "{err}");
}

#[tokio::test]
async fn an_encrypted_ca_key_opens_only_with_its_passphrase() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("ca/ca.key");
    let created = crate::support::open_with_ca(dir.path(), &with_passphrase(PASSPHRASE), Settings::default())
        .await
        .expect("create");
    assert!(created.ca_created);
    let text = std::fs::read_to_string(&key).expect("key");
    assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"), "{text}");
    assert!(!text.contains("BEGIN PRIVATE KEY"));
    assert_eq!(mode_of(&key), 0o600);
    let ca_pem = created.state.pki.ca.cert_pem().to_owned();
    assert_issues(&created);
    drop(created);

    let reopened =
        crate::support::open_with_ca(dir.path(), &with_passphrase(PASSPHRASE), Settings::default())
            .await
            .expect("restart with the passphrase");
    assert!(!reopened.ca_created);
    assert_eq!(reopened.state.pki.ca.cert_pem(), ca_pem, "the same CA");
    assert_issues(&reopened);
    drop(reopened);

    let wrong = open_error(dir.path(), &with_passphrase("correct horse battery stapler")).await;
    let wrong = wrong.expect("a wrong passphrase is refused");
    assert!(
        wrong.contains(&format!("{}: the passphrase does not decrypt this key", key.display())),
        "{wrong}"
    );
    let none = open_error(dir.path(), &CaOptions::default()).await.expect("no passphrase is refused");
    assert!(none.contains("is encrypted") && none.contains("--ca-key-passphrase-env"), "{none}");
    assert!(!wrong.contains(PASSPHRASE) && !none.contains(PASSPHRASE), "the passphrase is never echoed");
    assert_eq!(std::fs::read_to_string(&key).expect("key"), text, "a refused start changes nothing");

    // openssl reads it with the passphrase (PBES2: scrypt, AES-256-CBC), and only with it.
    let k = key.to_str().expect("path");
    let (ok, _, err) =
        openssl(&["pkey", "-in", k, "-passin", "env:CA_PASS", "-noout"], &[("CA_PASS", PASSPHRASE)]);
    assert!(ok, "openssl pkey -passin env:CA_PASS: {err}");
    let (ok, _, _) = openssl(&["pkey", "-in", k, "-passin", "pass:", "-noout"], &[]);
    assert!(!ok, "openssl without the passphrase fails");
    let (ok, _, _) = openssl(&["pkey", "-in", k, "-passin", "pass:not it", "-noout"], &[]);
    assert!(!ok, "openssl with another passphrase fails");
    let (_, scheme, _) = openssl(&["asn1parse", "-in", k], &[]);
    assert!(
        scheme.contains(":PBES2") && scheme.contains(":scrypt") && scheme.contains(":aes-256-cbc"),
        "{scheme}"
    );
    let integer = |v: &str| scheme.lines().any(|l| l.contains("INTEGER") && l.trim_end().ends_with(v));
    assert!(integer(":4000") && integer(":08"), "scrypt N = 2^14, r = 8 (what OpenSSL 3 accepts): {scheme}");
    // ... and the key it decrypts is the CA certificate's.
    let (_, key_pub, _) =
        openssl(&["pkey", "-in", k, "-passin", "env:CA_PASS", "-pubout"], &[("CA_PASS", PASSPHRASE)]);
    let crt = dir.path().join("ca/ca.crt");
    let (_, cert_pub, _) = openssl(&["x509", "-in", crt.to_str().expect("path"), "-noout", "-pubkey"], &[]);
    assert!(key_pub.contains("BEGIN PUBLIC KEY") && key_pub == cert_pub, "{key_pub} / {cert_pub}");
}

#[tokio::test]
async fn a_ca_key_encrypted_by_openssl_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let created = crate::support::open(dir.path(), Settings::default()).await.expect("plain CA");
    let ca_pem = created.state.pki.ca.cert_pem().to_owned();
    drop(created);
    let key = dir.path().join("ca/ca.key");
    let k = key.to_str().expect("path");
    let out = dir.path().join("ca/by-openssl.key");
    // OpenSSL 3's default PBES2: PBKDF2-HMAC-SHA256 with AES-256-CBC.
    let (ok, _, err) = openssl(
        &[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            k,
            "-passout",
            "env:CA_PASS",
            "-out",
            out.to_str().expect("p"),
        ],
        &[("CA_PASS", PASSPHRASE)],
    );
    assert!(ok, "{err}");
    std::fs::rename(&out, &key).expect("replace");
    chmod(&key, 0o600);
    let opened = crate::support::open_with_ca(dir.path(), &with_passphrase(PASSPHRASE), Settings::default())
        .await
        .expect("an openssl-encrypted key opens");
    assert_eq!(opened.state.pki.ca.cert_pem(), ca_pem);
    assert_issues(&opened);
}

#[test]
fn encrypt_key_turns_a_plain_ca_key_into_one_that_needs_the_passphrase() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("path");
    let pass = [("CA_PASS", PASSPHRASE)];
    let key = dir.path().join("ca/ca.key");
    assert_eq!(
        run(&["corp", "create", "--name", "甲社", "--contract-id", "40000000001", "--data-dir", d], &[]).0,
        0
    );
    let ca_pem = std::fs::read_to_string(dir.path().join("ca/ca.crt")).expect("ca.crt");

    // A plain key with the option set is refused, and the message says how to encrypt it.
    let (code, _, err) = run(&["corp", "list", "--data-dir", d, "--ca-key-passphrase-env", "CA_PASS"], &pass);
    assert_ne!(code, 0);
    assert!(
        err.contains("is not encrypted") && err.contains("server ca encrypt-key --ca-key-passphrase-env"),
        "{err}"
    );

    // encrypt-key needs the option and its variable.
    let (code, _, err) = run(&["ca", "encrypt-key", "--data-dir", d], &pass);
    assert_ne!(code, 0);
    assert!(err.contains("--ca-key-passphrase-env"), "{err}");
    let (code, _, err) =
        run(&["ca", "encrypt-key", "--data-dir", d, "--ca-key-passphrase-env", "UNSET_CA_PASS"], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("UNSET_CA_PASS") && err.contains("not set"), "{err}");
    let (code, _, err) = run(
        &["ca", "encrypt-key", "--data-dir", d, "--ca-key-passphrase-env", "CA_PASS"],
        &[("CA_PASS", "")],
    );
    assert_ne!(code, 0);
    assert!(err.contains("is empty"), "{err}");
    assert!(
        std::fs::read_to_string(&key).expect("key").starts_with("-----BEGIN PRIVATE KEY-----"),
        "unchanged"
    );

    let (code, out, err) =
        run(&["ca", "encrypt-key", "--data-dir", d, "--ca-key-passphrase-env", "CA_PASS"], &pass);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("is now encrypted"), "{out}");
    assert!(!out.contains(PASSPHRASE) && !err.contains(PASSPHRASE), "the passphrase is never printed");
    assert!(std::fs::read_to_string(&key).expect("key").starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert_eq!(mode_of(&key), 0o600, "still owner-only");
    assert!(!dir.path().join("ca/ca.tmp").exists(), "no temporary file is left behind");
    assert_eq!(std::fs::read_to_string(dir.path().join("ca/ca.crt")).expect("ca.crt"), ca_pem, "same CA");
    let (ok, _, err) =
        openssl(&["pkey", "-in", key.to_str().expect("p"), "-passin", "env:CA_PASS", "-noout"], &pass);
    assert!(ok, "{err}");

    // From now on the server starts only with the passphrase.
    let (code, _, err) = run(&["corp", "list", "--data-dir", d], &pass);
    assert_ne!(code, 0);
    assert!(err.contains("is encrypted") && err.contains("--ca-key-passphrase-env"), "{err}");
    let (code, _, err) = run(
        &["corp", "list", "--data-dir", d, "--ca-key-passphrase-env", "CA_PASS"],
        &[("CA_PASS", "wrong")],
    );
    assert_ne!(code, 0);
    assert!(err.contains("does not decrypt"), "{err}");
    let (code, out, err) =
        run(&["corp", "list", "--data-dir", d, "--ca-key-passphrase-env", "CA_PASS"], &pass);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("甲社"), "{out}");
    // The same through BIZDIRECT_CA_KEY_PASSPHRASE_ENV and through the configuration file.
    let (code, out, err) = run(
        &["corp", "list", "--data-dir", d],
        &[("CA_PASS", PASSPHRASE), ("BIZDIRECT_CA_KEY_PASSPHRASE_ENV", "CA_PASS")],
    );
    assert_eq!(code, 0, "{out}{err}");
    let config = dir.path().join("bizdirect.toml");
    std::fs::write(&config, "ca_key_passphrase_env = \"CA_PASS\"\n").expect("config");
    let (code, out, err) =
        run(&["corp", "list", "--data-dir", d, "--config", config.to_str().expect("p")], &pass);
    assert_eq!(code, 0, "{out}{err}");

    // Encrypting twice is refused, and changes nothing.
    let before = std::fs::read_to_string(&key).expect("key");
    let (code, _, err) =
        run(&["ca", "encrypt-key", "--data-dir", d, "--ca-key-passphrase-env", "CA_PASS"], &pass);
    assert_ne!(code, 0);
    assert!(err.contains("already encrypted"), "{err}");
    assert_eq!(std::fs::read_to_string(&key).expect("key"), before);
}

#[test]
fn encrypt_key_refuses_a_key_open_to_others_and_a_missing_ca() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("path");
    let pass = [("CA_PASS", PASSPHRASE)];
    let (code, _, err) =
        run(&["ca", "encrypt-key", "--data-dir", d, "--ca-key-passphrase-env", "CA_PASS"], &pass);
    assert_ne!(code, 0);
    assert!(err.contains("no CA here"), "{err}");
    assert!(!dir.path().join("ca").exists(), "encrypt-key never creates a CA");
    assert_eq!(run(&["corp", "list", "--data-dir", d], &[]).0, 0);
    chmod(&dir.path().join("ca/ca.key"), 0o644);
    let (code, _, err) =
        run(&["ca", "encrypt-key", "--data-dir", d, "--ca-key-passphrase-env", "CA_PASS"], &pass);
    assert_ne!(code, 0);
    assert!(err.contains("chmod 600"), "{err}");
}

#[test]
fn help_documents_the_passphrase_option_and_encrypt_key() {
    let (code, out, _) = run(&["--help"], &[]);
    assert_eq!(code, 0);
    assert!(
        out.contains("--ca-key-passphrase-env") && out.contains("BIZDIRECT_CA_KEY_PASSPHRASE_ENV"),
        "{out}"
    );
    let (code, out, _) = run(&["ca", "--help"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("encrypt-key"), "{out}");
    let (code, _, err) = run(&["corp", "list", "--ca-key-passphrase-env", ""], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("ca_key_passphrase_env must be the name of an environment variable"), "{err}");
}

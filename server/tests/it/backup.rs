//! `server backup` and `server restore`, run as real processes: an online backup taken while
//! another writer carries on, restored into a folder that passes `server check` with the same CA;
//! and every refusal (used folder, missing, truncated or altered archive, existing file) leaving
//! things as they were.

use crate::certificates::{acquire, csr, reissue};
use crate::support::TestApp;
use app::ssr::now;
use app::ssr::operator::corporations::{self, demo, CreateRequest};
use app::ssr::secret::Pin;
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use http::StatusCode;
use server::backup::Manifest;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The real binary: `(exit code, stdout, stderr)`.
fn run(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env_remove("BIZDIRECT_CA_KEY_PASSPHRASE_ENV")
        .env_remove("BIZDIRECT_CA_DIR")
        .env_remove("BIZDIRECT_DATA_DIR")
        .env_remove("BIZDIRECT_CONFIG")
        .env_remove("BIZDIRECT_DATABASE")
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

fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o7777
}

/// openssl with `args` succeeds; returns stdout.
fn openssl(args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("openssl is installed");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The archive's members in order: `(name, mode in the header, bytes)`.
fn members(archive: &Path) -> Vec<(String, u32, Vec<u8>)> {
    let file = std::fs::File::open(archive).expect("archive");
    let mut tar = tar::Archive::new(GzDecoder::new(file));
    tar.entries()
        .expect("entries")
        .map(|e| {
            let mut e = e.expect("entry");
            let name = e.path().expect("path").to_string_lossy().into_owned();
            let mode = e.header().mode().expect("mode");
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).expect("read");
            (name, mode, bytes)
        })
        .collect()
}

fn member<'a>(all: &'a [(String, u32, Vec<u8>)], name: &str) -> &'a [u8] {
    &all.iter().find(|(n, _, _)| n == name).unwrap_or_else(|| panic!("{name} is archived")).2
}

fn manifest_of(archive: &Path) -> Manifest {
    let all = members(archive);
    assert_eq!(all[0].0, "manifest.json", "the manifest comes first");
    serde_json::from_slice(&all[0].2).expect("manifest")
}

/// Writes an archive of `members` as given (a well-formed tar.gz, whatever its content).
fn write_members(archive: &Path, members: &[(String, u32, Vec<u8>)]) {
    let file = std::fs::File::create(archive).expect("create");
    let mut tar = tar::Builder::new(GzEncoder::new(file, Compression::default()));
    for (name, mode, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(*mode);
        tar.append_data(&mut header, name, bytes.as_slice()).expect("append");
    }
    tar.into_inner().expect("tar").finish().expect("gzip");
}

/// Every name in `dir` with its content (files) — what "left untouched" is compared by.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let path = e.expect("entry").path();
            if path.is_dir() {
                stack.push(path.clone());
                found.push((path, Vec::new()));
            } else {
                let bytes = std::fs::read(&path).expect("read");
                found.push((path, bytes));
            }
        }
    }
    found.sort();
    found
}

/// Temporary folders a restore or backup might leave behind (none may remain).
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// The data folder of a `TestApp` (`<dir>/ca/ca.crt` is its CA certificate).
fn data_dir(app: &TestApp) -> PathBuf {
    app.state.pki.ca.cert_path().parent().and_then(Path::parent).expect("data folder").to_owned()
}

async fn count(pool: &app::ssr::db::Pool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(pool).await.expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_backup_restores_into_a_folder_that_passes_the_check() {
    // Activity: issuances, acquisitions, a reissue (revocation in the CRL), the HTTPS certificate.
    // `backup` copies the SQLite file: this test runs on SQLite whatever the suite runs on.
    let app = TestApp::sqlite().await;
    let admin = app.demo_admin_cookie().await;
    for user in ["test01", "test02", "test03"] {
        assert_eq!(reissue(&app, &admin, user, "0").await.status, StatusCode::OK);
        assert_eq!(acquire(&app, user, &csr()).await.status, StatusCode::OK);
    }
    let live: i64 = sqlx::query_scalar(
        "SELECT c.id FROM certificates c JOIN users u ON u.id = c.user_pk WHERE u.user_id = 'test01' AND c.state = 'issued'",
    )
    .fetch_one(&app.state.db)
    .await
    .expect("live");
    assert_eq!(reissue(&app, &admin, "test01", &live.to_string()).await.status, StatusCode::OK);
    let data = data_dir(&app);
    let _ = app.tls_material();

    // A writer that keeps going before, during and after the backup: every write has its audit
    // record; every tenth creates a contract and opens its administrator's certificate. While the
    // backup runs it makes only the quick writes: a contract's two Argon2 hashes can take longer
    // than the whole backup when other tests hash at the same time, and then no write would
    // finish during the backup even though none was blocked.
    let (stop, written) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let quick_only = Arc::new(AtomicBool::new(false));
    let writer = {
        let (state, stop, written, quick_only) =
            (app.state.clone(), stop.clone(), written.clone(), quick_only.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                if n % 10 == 0 && !quick_only.load(Ordering::SeqCst) {
                    let created = corporations::create(
                        &state,
                        CreateRequest {
                            contract_id: None,
                            name: format!("並行{n}株式会社"),
                            admin_pin: Some(Pin::new("Writer1234".into())),
                            admin_confirm_pin: Some(Pin::new("WriterConf1".into())),
                            max_users: None,
                            admin_email: None,
                        },
                        now(),
                    )
                    .await
                    .expect("create while the backup runs");
                    app::ssr::operator::certificates::issue_admin(&state, &created.contract_id, now())
                        .await
                        .expect("issue");
                } else {
                    let max = 50 + i64::try_from(n % 40).expect("small");
                    corporations::set_max_users(&state, demo::CONTRACT_ID, max, now()).await.expect("set");
                }
                n += 1;
                written.store(n, Ordering::SeqCst);
            }
        })
    };
    let wait_for = |target: usize| {
        let written = written.clone();
        async move {
            while written.load(Ordering::SeqCst) < target {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    wait_for(12).await;
    let contracts_before = count(&app.state.db, "corporations").await;
    let audit_before = count(&app.state.db, "audit_log").await;
    quick_only.store(true, Ordering::SeqCst);
    // The write in progress may be a contract's: the count starts once it is done.
    let writes_before = written.load(Ordering::SeqCst) + 1;
    wait_for(writes_before).await;

    let work = tempfile::tempdir().expect("tempdir");
    let archive = work.path().join("bizdirect-backup.tar.gz");
    let args = ["backup", "--to", s(&archive), "--data-dir", s(&data)].map(str::to_owned);
    let (code, out, err) =
        tokio::task::spawn_blocking(move || run(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[]))
            .await
            .expect("backup");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("mode 0600") && out.contains("CA private key"), "{out}");
    let writes_after = written.load(Ordering::SeqCst);
    quick_only.store(false, Ordering::SeqCst);
    assert!(writes_after > writes_before, "the writer carried on during the backup");
    // at least one more contract after the snapshot
    wait_for((writes_after / 10 + 1) * 10 + 1).await;
    stop.store(true, Ordering::SeqCst);
    writer.await.expect("writer");
    let contracts_after = count(&app.state.db, "corporations").await;
    let certificates_after = count(&app.state.db, "certificates").await;
    let audit_after = count(&app.state.db, "audit_log").await;

    assert_eq!(mode_of(&archive), 0o600, "the archive holds the CA key");
    let manifest = manifest_of(&archive);
    assert_eq!((manifest.format.as_str(), manifest.version), ("bizdirect-backup", 1));
    assert!(
        contracts_before <= manifest.contracts && manifest.contracts < contracts_after,
        "a snapshot taken between {contracts_before} and {contracts_after} contracts: {manifest:?}"
    );
    assert!(manifest.certificates < certificates_after, "{manifest:?}");
    assert!(audit_before <= manifest.audit_records && manifest.audit_records < audit_after, "{manifest:?}");
    let all = members(&archive);
    let names: Vec<&str> = all.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "manifest.json",
            "bizdirect.db",
            "ca/ca.crt",
            "ca/ca.key",
            "tls/server.crt",
            "tls/server.key",
            "tls/issuer.crt",
            "tls/issuer.key"
        ]
    );
    for (name, _, bytes) in &all[1..] {
        let listed = manifest.members.iter().find(|m| &m.name == name).expect("listed");
        assert_eq!(listed.sha256, hex::encode(Sha256::digest(bytes)), "{name}");
    }
    assert_eq!(all[3].1 & 0o777, 0o600, "ca.key's mode is kept in the archive");
    assert_eq!(member(&all, "ca/ca.key"), std::fs::read(data.join("ca/ca.key")).expect("key"));

    // Restore into an empty folder that already exists.
    let restored = work.path().join("restored");
    std::fs::create_dir(&restored).expect("mkdir");
    let (code, out, err) = run(&["restore", "--from", s(&archive), "--data-dir", s(&restored)], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("check passed") && out.contains("as the manifest says"), "{out}");
    assert!(out.contains("CA key: a test signature verifies"), "{out}");
    assert_eq!(leftovers(work.path()), Vec::<String>::new(), "no temporary folder left");

    let (code, out, err) = run(&["check", "--data-dir", s(&restored)], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("check passed"), "{out}");

    // What the manifest says is what the restored database holds.
    let db = app::ssr::db::backup::open_live(&restored.join("bizdirect.db")).await.expect("restored db");
    let counts = app::ssr::db::backup::counts(&db).await.expect("counts");
    assert_eq!((counts.contracts, counts.certificates), (manifest.contracts, manifest.certificates));
    assert!(counts.audit_records >= manifest.audit_records, "{counts:?}");
    let serial: String =
        sqlx::query_scalar("SELECT hex(serial) FROM certificates WHERE state = 'issued' ORDER BY id LIMIT 1")
            .fetch_one(&db)
            .await
            .expect("an issued certificate");
    db.close().await;

    // The same CA and HTTPS issuer (browsers trust the restored server as before), their files
    // closed to others as the server requires.
    for file in
        ["ca/ca.crt", "ca/ca.key", "tls/server.crt", "tls/server.key", "tls/issuer.crt", "tls/issuer.key"]
    {
        assert_eq!(
            std::fs::read(restored.join(file)).expect("restored"),
            std::fs::read(data.join(file)).expect("original"),
            "{file}"
        );
    }
    assert_eq!(mode_of(&restored.join("ca")), 0o700);
    assert_eq!(mode_of(&restored.join("ca/ca.key")), 0o600);
    assert_eq!(mode_of(&restored.join("tls/server.key")), 0o600);
    assert_eq!(mode_of(&restored.join("tls")), 0o700);
    assert_eq!(mode_of(&restored.join("tls/issuer.key")), 0o600);
    assert_eq!(mode_of(&restored.join("bizdirect.db")) & 0o077, 0);
    let key = restored.join("ca/ca.key");
    openssl(&["pkey", "-in", s(&key), "-noout"], &[]);
    assert_eq!(
        openssl(&["pkey", "-in", s(&key), "-pubout"], &[]),
        openssl(&["x509", "-in", s(&restored.join("ca/ca.crt")), "-pubkey", "-noout"], &[]),
        "ca.key is the key of ca.crt"
    );
    // The restored key signs: a revocation re-signs the CRL, and the check verifies it under ca.crt.
    let (code, out, err) = run(
        &["cert", "revoke", "--serial", &serial, "--reason", "keyCompromise", "--data-dir", s(&restored)],
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&["check", "--data-dir", s(&restored)], &[]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn restore_refuses_a_used_folder_and_a_missing_truncated_or_altered_archive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let (code, out, err) = run(
        &["corp", "create", "--name", "甲社", "--contract-id", "50000000001", "--data-dir", s(&data)],
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        run(&["cert", "issue-admin", "--contract-id", "50000000001", "--data-dir", s(&data)], &[]).0,
        0
    );
    let archive = dir.path().join("backup.tar.gz");
    let (code, out, err) = run(&["backup", "--to", s(&archive), "--data-dir", s(&data)], &[]);
    assert_eq!(code, 0, "{out}{err}");
    let bytes = std::fs::read(&archive).expect("archive");
    let restore = |from: &Path, to: &Path| run(&["restore", "--from", s(from), "--data-dir", s(to)], &[]);

    // A folder that holds anything, even a data folder of its own, is never written to.
    let used = dir.path().join("used");
    std::fs::create_dir(&used).expect("mkdir");
    std::fs::write(used.join("keep.txt"), "mine").expect("write");
    for target in [&used, &data] {
        let before = snapshot(target);
        let (code, out, err) = restore(&archive, target);
        assert_ne!(code, 0, "{out}");
        assert!(err.contains("is not empty") && err.contains("nothing was changed"), "{err}");
        assert_eq!(snapshot(target), before, "{} untouched", target.display());
    }
    let file_target = dir.path().join("keep.txt");
    std::fs::write(&file_target, "mine").expect("write");
    let (code, _, err) = restore(&archive, &file_target);
    assert_ne!(code, 0);
    assert!(err.contains("not a folder"), "{err}");
    assert_eq!(std::fs::read_to_string(&file_target).expect("read"), "mine");

    // Archives that must be refused, each with what stderr says; the target never appears.
    let target = dir.path().join("new").join("data");
    let mut cases: Vec<(PathBuf, &str)> = vec![(dir.path().join("no-such.tar.gz"), "cannot open the backup")];
    for (i, cut) in [bytes.len() / 2, bytes.len() - 4, 300, 10].into_iter().enumerate() {
        let truncated = dir.path().join(format!("truncated-{i}.tar.gz"));
        std::fs::write(&truncated, &bytes[..cut]).expect("write");
        cases.push((truncated, "truncated"));
    }
    let garbage = dir.path().join("garbage.tar.gz");
    std::fs::write(&garbage, b"not an archive at all").expect("write");
    cases.push((garbage, "damaged"));
    // A member altered, the manifest left as it was.
    let mut altered = members(&archive);
    let crt = altered.iter_mut().find(|(n, _, _)| n == "ca/ca.crt").expect("ca.crt");
    let at = crt.2.len() / 2;
    crt.2[at] ^= 0x01;
    let tampered = dir.path().join("tampered.tar.gz");
    write_members(&tampered, &altered);
    cases.push((tampered, "SHA-256 differs"));
    // A member the manifest does not list.
    let mut extra = members(&archive);
    extra.push(("ca/extra.key".into(), 0o600, b"x".to_vec()));
    let smuggled = dir.path().join("extra.tar.gz");
    write_members(&smuggled, &extra);
    cases.push((smuggled, "not in the manifest"));
    // A member dropped (manifest intact).
    let mut short = members(&archive);
    short.retain(|(n, _, _)| n != "ca/ca.key");
    let incomplete = dir.path().join("incomplete.tar.gz");
    write_members(&incomplete, &short);
    cases.push((incomplete, "ca/ca.key is missing"));

    for (from, expected) in &cases {
        let (code, out, err) = restore(from, &target);
        assert_ne!(code, 0, "{}: {out}", from.display());
        assert!(err.contains(expected), "{}: expected {expected:?} in: {err}", from.display());
        assert!(!target.exists(), "{}: nothing restored", from.display());
        assert!(!target.parent().expect("parent").exists(), "{}: not even its parent", from.display());
    }
    assert_eq!(leftovers(dir.path()), Vec::<String>::new(), "no temporary folder left");

    // Consistent hashes over data that breaks an invariant (an audit record edited): the check
    // runs before the folder appears, so nothing is restored and the violation is named.
    let mut edited = members(&archive);
    let copy = dir.path().join("edited.db");
    std::fs::write(&copy, member(&edited, "bizdirect.db")).expect("write");
    tokio::runtime::Runtime::new().expect("runtime").block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", s(&copy))).await.expect("db");
        sqlx::query("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 1")
            .execute(&pool)
            .await
            .expect("edit");
        pool.close().await;
    });
    let db_bytes = std::fs::read(&copy).expect("read");
    let mut manifest: Manifest = serde_json::from_slice(&edited[0].2).expect("manifest");
    let listed = manifest.members.iter_mut().find(|m| m.name == "bizdirect.db").expect("listed");
    listed.sha256 = hex::encode(Sha256::digest(&db_bytes));
    listed.size = db_bytes.len() as u64;
    edited[0].2 = serde_json::to_vec(&manifest).expect("json");
    edited.iter_mut().find(|(n, _, _)| n == "bizdirect.db").expect("db").2 = db_bytes;
    let doctored = dir.path().join("doctored.tar.gz");
    write_members(&doctored, &edited);
    let (code, out, err) = restore(&doctored, &target);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("VIOLATION [audit chain intact]"), "{out}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!target.parent().expect("parent").exists(), "nothing left, not even the parent it made");
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());

    // The good archive still restores there.
    let (code, out, err) = restore(&archive, &target);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("check passed"), "{out}");
}

#[test]
fn backup_never_replaces_a_file_and_takes_the_ca_from_ca_dir() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert_eq!(run(&["corp", "list", "--data-dir", s(&a)], &[]).0, 0, "a's CA");
    let ca_dir = a.join("ca");
    let (code, out, err) =
        run(&["corp", "create", "--name", "乙社", "--data-dir", s(&b), "--ca-dir", s(&ca_dir)], &[]);
    assert_eq!(code, 0, "{out}{err}");

    let existing = dir.path().join("existing.tar.gz");
    std::fs::write(&existing, "precious").expect("write");
    let (code, out, err) =
        run(&["backup", "--to", s(&existing), "--data-dir", s(&b), "--ca-dir", s(&ca_dir)], &[]);
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("exists") && err.contains("never replaces"), "{err}");
    assert_eq!(std::fs::read_to_string(&existing).expect("read"), "precious");

    let nothing = dir.path().join("nothing.tar.gz");
    let (code, _, err) =
        run(&["backup", "--to", s(&nothing), "--data-dir", s(&dir.path().join("none"))], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("no database"), "{err}");
    assert!(!nothing.exists() && !dir.path().join("none").exists(), "nothing created");

    let archive = dir.path().join("b.tar.gz");
    let (code, out, err) =
        run(&["backup", "--to", s(&archive), "--data-dir", s(&b), "--ca-dir", s(&ca_dir)], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(mode_of(&archive), 0o600);
    let all = members(&archive);
    assert_eq!(member(&all, "ca/ca.crt"), std::fs::read(ca_dir.join("ca.crt")).expect("crt"));
    assert_eq!(member(&all, "ca/ca.key"), std::fs::read(ca_dir.join("ca.key")).expect("key"));
    assert!(!all.iter().any(|(n, _, _)| n.starts_with("tls/")), "no tls/ in b: none archived");
    assert_eq!(leftovers(dir.path()), Vec::<String>::new(), "no temporary file left");

    let restored = dir.path().join("restored");
    let (code, out, err) = run(&["restore", "--from", s(&archive), "--data-dir", s(&restored)], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("check passed"), "{out}");
    assert_eq!(
        std::fs::read(restored.join("ca/ca.crt")).expect("restored"),
        std::fs::read(ca_dir.join("ca.crt")).expect("original")
    );
    let (code, out, _) = run(&["corp", "list", "--data-dir", s(&restored)], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("乙社") && out.contains("(1 corporations)"), "{out}");
}

#[test]
fn an_encrypted_ca_key_is_archived_as_is_and_restored_with_its_passphrase() {
    const PASS: (&str, &str) = ("BACKUP_TEST_CA_PASS", "correct horse battery staple");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    assert_eq!(run(&["corp", "create", "--name", "丙社", "--data-dir", s(&data)], &[]).0, 0);
    let (code, out, err) =
        run(&["ca", "encrypt-key", "--ca-key-passphrase-env", PASS.0, "--data-dir", s(&data)], &[PASS]);
    assert_eq!(code, 0, "{out}{err}");

    // The backup needs no passphrase: the key is copied as it is.
    let archive = dir.path().join("enc.tar.gz");
    let (code, out, err) = run(&["backup", "--to", s(&archive), "--data-dir", s(&data)], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("encrypted: a restore needs its passphrase"), "{out}");
    let key = std::fs::read(data.join("ca/ca.key")).expect("key");
    assert!(String::from_utf8_lossy(&key).contains("ENCRYPTED PRIVATE KEY"));
    assert_eq!(member(&members(&archive), "ca/ca.key"), key);

    let restored = dir.path().join("restored");
    let (code, out, err) = run(&["restore", "--from", s(&archive), "--data-dir", s(&restored)], &[]);
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("is encrypted") && err.contains("nothing was written"), "{err}");
    assert!(!restored.exists());

    let (code, out, err) = run(
        &["restore", "--from", s(&archive), "--data-dir", s(&restored), "--ca-key-passphrase-env", PASS.0],
        &[PASS],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("check passed"), "{out}");
    let restored_key = restored.join("ca/ca.key");
    assert_eq!(std::fs::read(&restored_key).expect("key"), key);
    openssl(&["pkey", "-in", s(&restored_key), "-passin", &format!("env:{}", PASS.0), "-noout"], &[PASS]);
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn backup_and_restore_refuse_a_postgresql_database_with_a_clear_message() {
    // Refused before anything is opened or written: no PostgreSQL server is needed to see it.
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = dir.path().join("never.tar.gz");
    let data = dir.path().join("data");
    let url = "postgres://bizdirect@127.0.0.1:1/bizdirect";
    for args in [
        ["backup", "--to", s(&archive), "--data-dir", s(&data), "--database", url],
        ["restore", "--from", s(&archive), "--data-dir", s(&data), "--database", url],
    ] {
        let (code, out, err) = run(&args, &[]);
        assert_ne!(code, 0, "{out}{err}");
        assert!(err.contains("SQLite database of the data folder only") && err.contains("pg_dump"), "{err}");
    }
    assert!(!archive.exists() && !data.exists(), "nothing written");
}

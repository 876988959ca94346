//! The bank-operator command line, run as a real process.

use base64::Engine as _;
use std::process::Command;

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_server"))
}

fn run(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let out = server()
        .args(args)
        .envs(crate::support::database_env(args))
        .envs(envs.iter().copied())
        .output()
        .expect("run server");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn create_and_list_corporations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("path");
    let (code, out, err) = run(
        &["corp", "create", "--name", "株式会社テスト", "--contract-id", "20000000002", "--data-dir", d],
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("20000000002"));
    assert!(out.contains("契約法人暗証番号 (admin PIN):"), "generated PINs are printed once: {out}");

    let (code, out, err) = run(
        &[
            "corp",
            "create",
            "--name",
            "乙社",
            "--admin-pin-env",
            "P1",
            "--confirm-pin-env",
            "P2",
            "--data-dir",
            d,
        ],
        &[("P1", "Secret123"), ("P2", "Other4567")],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("Secret123"), "PINs given by the operator are not echoed");

    let set = |id: &str, max: &str| {
        run(&["corp", "set-max-users", "--contract-id", id, "--max-users", max, "--data-dir", d], &[])
    };
    let (code, out, err) = set("20000000002", "5");
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = set("99", "5");
    assert_ne!(code, 0);
    assert!(err.contains("登録されていません"), "{err}");
    let (code, _, err) = set("20000000002", "0");
    assert_ne!(code, 0);
    assert!(err.contains("1〜9999"), "{err}");

    let (code, out, _) = run(&["corp", "list", "--data-dir", d], &[]);
    assert_eq!(code, 0);
    assert!(
        out.contains("株式会社テスト") && out.contains("乙社") && out.contains("(2 corporations)"),
        "{out}"
    );
    let line = out.lines().find(|l| l.contains("株式会社テスト")).unwrap_or_default();
    assert_eq!(line.split_whitespace().nth(2), Some("5"), "max users shown: {line}");
}

/// (arguments, environment, what stderr must mention)
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[test]
fn bad_arguments_fail_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("path");
    let cases: &[Case] = &[
        (&["corp", "create", "--data-dir", d], &[], "--name"),
        (&["corp", "create", "--name", "A", "--contract-id", "12ab", "--data-dir", d], &[], "半角数字"),
        (
            &["corp", "create", "--name", "A", "--admin-pin-env", "P1", "--data-dir", d],
            &[("P1", "short")],
            "6〜12",
        ),
        (
            &["corp", "create", "--name", "A", "--admin-pin-env", "NOPE_UNSET", "--data-dir", d],
            &[],
            "NOPE_UNSET",
        ),
        (
            &[
                "corp",
                "create",
                "--name",
                "A",
                "--admin-pin-env",
                "P",
                "--confirm-pin-env",
                "P",
                "--data-dir",
                d,
            ],
            &[("P", "Same1234")],
            "異なる",
        ),
        (&["corp", "create", "--name", "", "--data-dir", d], &[], "契約法人名"),
        (&["--addr", "not-an-address"], &[], "not-an-address"),
        (&["frobnicate"], &[], "frobnicate"),
    ];
    for (args, envs, expected) in cases {
        let (code, out, err) = run(args, envs);
        assert_ne!(code, 0, "{args:?} should fail");
        assert!(err.contains(expected), "{args:?}: expected {expected:?} in stderr: {err}{out}");
    }
    // A duplicate contract ID is refused and nothing changes.
    let create = ["corp", "create", "--name", "A", "--contract-id", "30000000003", "--data-dir", d];
    assert_eq!(run(&create, &[]).0, 0);
    let (code, _, err) = run(&create, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("既に登録"), "{err}");
    let (_, out, _) = run(&["corp", "list", "--data-dir", d], &[]);
    assert!(out.contains("(1 corporations)"), "{out}");
}

#[test]
fn help_explains_every_option() {
    let (code, out, _) = run(&["--help"], &[]);
    assert_eq!(code, 0);
    for opt in [
        "--data-dir",
        "--addr",
        "--demo",
        "--config",
        "BIZDIRECT_DATA_DIR",
        "BIZDIRECT_ADDR",
        "--session-idle-minutes",
    ] {
        assert!(out.contains(opt), "{opt} missing from --help");
    }
}

#[tokio::test]
async fn audit_verify_detects_an_edited_and_a_deleted_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("path");
    for (name, id) in [("甲社", "40000000001"), ("乙社", "40000000002"), ("丙社", "40000000003")] {
        assert_eq!(run(&["corp", "create", "--name", name, "--contract-id", id, "--data-dir", d], &[]).0, 0);
    }
    let (code, out, err) = run(&["audit", "verify", "--data-dir", d], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("audit chain intact"), "{out}");

    let db = app::ssr::db::open(&crate::support::database_for(dir.path())).await.expect("db");
    let original: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE seq = 2").fetch_one(&db).await.expect("row");
    sqlx::query("UPDATE audit_log SET detail = 'name=偽社' WHERE seq = 2").execute(&db).await.expect("edit");
    let (code, _, err) = run(&["audit", "verify", "--data-dir", d], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("record 2") && err.contains("altered"), "{err}");

    sqlx::query("UPDATE audit_log SET detail = $1 WHERE seq = 2")
        .bind(original)
        .execute(&db)
        .await
        .expect("restore");
    assert_eq!(run(&["audit", "verify", "--data-dir", d], &[]).0, 0);
    sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(&db).await.expect("delete");
    let (code, _, err) = run(&["audit", "verify", "--data-dir", d], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("broken at record 3"), "{err}");
}

#[test]
fn a_ca_given_by_path_must_exist_and_is_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("path");
    let missing = format!("{d}/no-ca");
    let (code, _, err) = run(&["corp", "list", "--data-dir", d, "--ca-dir", &missing], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("no CA here"), "{err}");
    assert!(!std::path::Path::new(&missing).exists(), "nothing is created at a given path");
    // A CA made in one data folder serves another.
    assert_eq!(run(&["corp", "list", "--data-dir", &format!("{d}/a")], &[]).0, 0);
    let (code, out, err) =
        run(&["corp", "list", "--data-dir", &format!("{d}/b"), "--ca-dir", &format!("{d}/a/ca")], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!std::path::Path::new(&format!("{d}/b/ca")).exists(), "no second CA was created");
}

#[test]
fn cert_commands_refuse_what_does_not_exist() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("path");
    let (code, _, err) =
        run(&["cert", "revoke", "--serial", "0A0B", "--reason", "keyCompromise", "--data-dir", d], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("no issued certificate"), "{err}");
    let (code, _, err) =
        run(&["cert", "revoke", "--serial", "0A0B", "--reason", "lost", "--data-dir", d], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("unknown reason"), "{err}");
    let (code, _, err) = run(&["cert", "list", "--contract-id", "123", "--data-dir", d], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("登録されていません"), "{err}");
}

#[test]
fn unlock_a_suspended_contract_and_issue_the_administrators_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("path");
    let (code, out, err) =
        run(&["corp", "create", "--name", "丙社", "--contract-id", "30000000003", "--data-dir", d], &[]);
    assert_eq!(code, 0, "{out}{err}");
    // As six wrong administrator PINs leave it.
    tokio::runtime::Runtime::new().expect("runtime").block_on(async {
        let pool = app::ssr::db::open(&crate::support::database_for(dir.path())).await.expect("db");
        sqlx::query("UPDATE corporations SET suspended_at = 1, admin_failed_logons = 6")
            .execute(&pool)
            .await
            .expect("suspend");
        pool.close().await;
    });
    let (code, out, err) = run(&["corp", "unlock", "--contract-id", "30000000003", "--data-dir", d], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("契約法人利用中止を解除しました"), "{out}");
    let (code, _, err) = run(&["corp", "unlock", "--contract-id", "99999999999", "--data-dir", d], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("登録されていません"), "{err}");

    let (code, out, err) =
        run(&["cert", "issue-admin", "--contract-id", "30000000003", "--data-dir", d], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("管理者の電子証明書を発行しました") && out.contains("/admin/acquire"), "{out}");
    let (code, out, _) = run(&["cert", "list", "--contract-id", "30000000003", "--data-dir", d], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("(admin)") && out.contains("awaiting"), "{out}");
    let (code, _, err) = run(&["cert", "issue-admin", "--contract-id", "99999999999", "--data-dir", d], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("登録されていません"), "{err}");
}

/// `server corp set-admin-logon`: the two methods, and a clear refusal of anything else or of an
/// unknown contract.
#[test]
fn set_the_administrators_logon_method() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("path");
    let (code, out, err) =
        run(&["corp", "create", "--name", "丙社", "--contract-id", "20000000003", "--data-dir", d], &[]);
    assert_eq!(code, 0, "{out}{err}");
    let set = |id: &str, method: &str| {
        run(&["corp", "set-admin-logon", "--contract-id", id, "--method", method, "--data-dir", d], &[])
    };
    for method in ["certificate", "id_pin"] {
        let (code, out, err) = set("20000000003", method);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains(method), "{out}");
    }
    let (code, _, err) = set("20000000003", "password");
    assert_ne!(code, 0);
    assert!(err.contains("id_pin") && err.contains("certificate"), "the methods are named: {err}");
    let (code, _, err) = set("99", "certificate");
    assert_ne!(code, 0);
    assert!(err.contains("登録されていません"), "{err}");
}

#[test]
fn set_the_second_factor_policy_and_reset_the_administrators() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("path");
    let (code, out, err) =
        run(&["corp", "create", "--name", "丁社", "--contract-id", "20000000004", "--data-dir", d], &[]);
    assert_eq!(code, 0, "{out}{err}");
    let set = |id: &str, policy: &str| {
        run(&["corp", "set-second-factor", "--contract-id", id, "--policy", policy, "--data-dir", d], &[])
    };
    for policy in ["required", "optional", "off"] {
        let (code, out, err) = set("20000000004", policy);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains(policy), "{out}");
    }
    let (code, _, err) = set("20000000004", "sometimes");
    assert_ne!(code, 0);
    assert!(err.contains("required"), "the policies are named: {err}");
    let (code, _, err) = set("99", "required");
    assert_ne!(code, 0);
    assert!(err.contains("登録されていません"), "{err}");
    let reset = |id: &str| run(&["corp", "reset-second-factor", "--contract-id", id, "--data-dir", d], &[]);
    let (code, out, err) = reset("20000000004");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("登録されていません (none was registered)"), "{out}");
    let (code, _, err) = reset("99");
    assert_ne!(code, 0);
    assert!(err.contains("登録されていません"), "{err}");
    assert!(dir.path().join("secrets").join("otp.key").exists(), "the key is made at the first start");
}

/// Rewrites the whole audit log from `rows` through the product's own chaining: a valid chain,
/// as someone with write access to the database could make it.
async fn rewrite_chain(db: &app::ssr::db::Pool, rows: &[app::ssr::db::audit::AuditRow]) {
    use app::ssr::audit::{Event, Outcome};
    sqlx::query("DELETE FROM audit_log").execute(db).await.expect("truncate");
    let events: Vec<(Event<'_>, i64)> = rows
        .iter()
        .map(|r| {
            let outcome = if r.outcome == "success" { Outcome::Success } else { Outcome::Failure };
            let event = Event {
                actor: &r.actor,
                corporation_id: r.corporation_id,
                action: &r.action,
                target: &r.target,
                outcome,
                detail: &r.detail,
                client_addr: &r.client_addr,
            };
            (event, r.at)
        })
        .collect();
    let mut tx = app::ssr::db::begin_write(db).await.expect("begin");
    app::ssr::audit::record_all(&mut tx, &events).await.expect("rewrite");
    tx.commit().await.expect("commit");
}

/// Signed checkpoints anchor the hash chain: a truncated tail, a removed record with the chain
/// re-hashed, and a whole re-hash with an altered record each pass the chain's own check, and
/// each fails `audit verify --checkpoints`. The signature verifies with openssl too.
#[tokio::test]
async fn audit_checkpoints_detect_a_truncated_tail_a_removed_record_and_a_rehash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("path");
    let create = |name: &str, id: &str| {
        run(&["corp", "create", "--name", name, "--contract-id", id, "--data-dir", d], &[]).0
    };
    for (name, id) in [("甲社", "41000000001"), ("乙社", "41000000002"), ("丙社", "41000000003")] {
        assert_eq!(create(name, id), 0);
    }
    let (code, first, err) = run(&["audit", "checkpoint", "--data-dir", d], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(create("丁社", "41000000004"), 0);
    assert_eq!(run(&["audit", "checkpoint", "--data-dir", d], &[]).0, 0);
    let file = dir.path().join("audit").join("checkpoints.jsonl");
    let f = file.to_str().expect("path");
    let lines = std::fs::read_to_string(&file).expect("checkpoints");
    assert_eq!(lines.lines().count(), 2, "{lines}");
    assert_eq!(lines.lines().next(), Some(first.trim()), "the printed checkpoint is the one appended");
    let verify = || run(&["audit", "verify", "--data-dir", d, "--checkpoints", f], &[]);
    let (code, out, err) = verify();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("every checkpoint holds: 2 checkpoints"), "{out}");

    // A tool not ours checks the signature: the message is what the module documents.
    let cp: serde_json::Value = serde_json::from_str(first.trim()).expect("json");
    let message = format!(
        "bizdirect audit checkpoint v1\nrecords={}\nhead={}\nat={}\n",
        cp["records"],
        cp["head"].as_str().expect("head"),
        cp["at"]
    );
    let sig =
        base64::engine::general_purpose::STANDARD.decode(cp["sig"].as_str().expect("sig")).expect("b64");
    std::fs::write(dir.path().join("msg"), message).expect("msg");
    std::fs::write(dir.path().join("sig"), sig).expect("sig");
    let openssl = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify", "audit/checkpoint.pub", "-signature", "sig", "msg"])
        .current_dir(dir.path())
        .output()
        .expect("openssl");
    assert!(String::from_utf8_lossy(&openssl.stdout).contains("Verified OK"), "{openssl:?}");

    let db = app::ssr::db::open(&crate::support::database_for(dir.path())).await.expect("db");
    let rows = app::ssr::db::audit::all(&db).await.expect("rows");
    let chain_alone = || run(&["audit", "verify", "--data-dir", d], &[]).0;

    // 1. The tail truncated: the chain that is left is intact.
    rewrite_chain(&db, &rows[..rows.len() - 1]).await;
    assert_eq!(chain_alone(), 0, "the chain alone cannot tell");
    let (code, out, _) = verify();
    assert_ne!(code, 0);
    assert!(out.contains("its tail was removed"), "{out}");

    // 2. A record removed and the chain re-hashed.
    rewrite_chain(&db, &rows).await;
    assert_eq!(verify().0, 0, "the original log holds again");
    let without_second: Vec<_> = rows.iter().filter(|r| r.seq != 2).cloned().collect();
    rewrite_chain(&db, &without_second).await;
    assert_eq!(chain_alone(), 0);
    let (code, out, _) = verify();
    assert_ne!(code, 0);
    assert!(out.contains("differs from the checkpoint"), "{out}");

    // 3. The whole chain re-hashed around an altered record.
    let mut altered = rows.clone();
    altered[1].detail = "name=偽社".into();
    rewrite_chain(&db, &altered).await;
    assert_eq!(chain_alone(), 0);
    let (code, out, _) = verify();
    assert_ne!(code, 0);
    assert!(out.contains("record") && out.contains("differs from the checkpoint"), "{out}");

    // A forged checkpoint line is refused by its signature.
    rewrite_chain(&db, &rows).await;
    let forged = lines.replacen("\"records\":", "\"records\":1", 1);
    std::fs::write(&file, forged).expect("forge");
    let (code, out, _) = verify();
    assert_ne!(code, 0);
    assert!(out.contains("signature does not verify"), "{out}");
}

/// The serving server signs a checkpoint every `--audit-checkpoint-secs` once the log grew, into
/// the file and (with `--audit-checkpoint-stdout`) on standard output; they verify.
#[test]
fn the_serving_server_writes_checkpoints_as_the_log_grows() {
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path().to_str().expect("path");
    let free =
        || std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let log = std::fs::File::create(dir.path().join("server.log")).expect("log");
    let serving = Killed(
        server()
            .args(["--data-dir", d, "--demo", "--audit-checkpoint-secs", "1", "--audit-checkpoint-stdout"])
            .args([
                "--addr",
                &format!("127.0.0.1:{}", free()),
                "--cert-addr",
                &format!("127.0.0.1:{}", free()),
                "--ops-addr",
                "127.0.0.1:0",
            ])
            .envs(crate::support::database_env(&["--data-dir", d]))
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start server"),
    );
    let file = dir.path().join("audit").join("checkpoints.jsonl");
    let started = std::time::Instant::now();
    while std::fs::read_to_string(&file).map_or(true, |t| t.lines().count() == 0) {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "no checkpoint written");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // The log does not grow while nobody acts: no second checkpoint of the same head.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    drop(serving);
    let lines = std::fs::read_to_string(&file).expect("checkpoints");
    assert_eq!(lines.lines().count(), 1, "{lines}");
    let printed = std::fs::read_to_string(dir.path().join("server.log")).expect("log");
    assert!(printed.contains(lines.trim()), "printed for a log shipper: {printed}");
    let (code, out, err) =
        run(&["audit", "verify", "--data-dir", d, "--checkpoints", file.to_str().expect("path")], &[]);
    assert_eq!(code, 0, "{out}{err}");
}

/// A release travels as one folder: a binary at `<install>/bin/server` serves `<install>/site`
/// without being told (not the `target/site` every build rewrites); `--site-root` still wins.
#[test]
fn an_installed_binary_serves_the_site_beside_it() {
    let dir = tempfile::tempdir().expect("dir");
    let install = dir.path().join("install");
    std::fs::create_dir_all(install.join("bin")).expect("bin");
    std::fs::create_dir_all(install.join("site/pkg")).expect("site");
    std::fs::copy(env!("CARGO_BIN_EXE_server"), install.join("bin/server")).expect("copy");
    let served = |extra: &[&str]| {
        let data = tempfile::tempdir().expect("data");
        let d = data.path().to_str().expect("path");
        let mut child = Command::new(install.join("bin/server"))
            .args(["--data-dir", d, "--ops-addr", "127.0.0.1:0"])
            .args([
                "--addr",
                &format!("127.0.0.1:{}", crate::support::free_port()),
                "--cert-addr",
                &format!("127.0.0.1:{}", crate::support::free_port()),
            ])
            .args(extra)
            .envs(crate::support::database_env(&["--data-dir", d]))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start");
        let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        let found = loop {
            line.clear();
            if std::io::BufRead::read_line(&mut stderr, &mut line).expect("log") == 0 {
                break String::new();
            }
            if let Some((_, site)) = line.split_once("serving the site from ") {
                break site.trim().to_owned();
            }
        };
        let _ = child.kill();
        let _ = child.wait();
        found
    };
    assert_eq!(served(&[]), install.join("site").to_str().expect("path"));
    let elsewhere = dir.path().join("elsewhere");
    assert_eq!(
        served(&["--site-root", elsewhere.to_str().expect("path")]),
        elsewhere.to_str().expect("path")
    );
}

/// `server audit export` writes every record with its chain hashes as JSON lines; a later export
/// `--since-seq N` starts where the collector stopped (its first prev_hash is record N's hash);
/// `server audit verify-export` checks a file with the chain's own computation and names an
/// altered or a missing record.
#[test]
fn the_audit_export_round_trips_through_the_chain_check() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path().to_str().expect("path");
    for contract in ["45000000001", "45000000002"] {
        let (code, _, err) = run(
            &["corp", "create", "--name", "監査出力株式会社", "--contract-id", contract, "--data-dir", d],
            &[],
        );
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = run(&["cert", "issue-admin", "--contract-id", contract, "--data-dir", d], &[]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, all, err) = run(&["audit", "export", "--data-dir", d], &[]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = all.lines().collect();
    assert!(lines.len() >= 4, "{all}");
    let record = |line: &str| serde_json::from_str::<serde_json::Value>(line).expect("json");
    assert_eq!(record(lines[0])["seq"], 1);
    assert_eq!(record(lines[0])["prev_hash"], "0".repeat(64));
    assert!(record(lines[1])["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{}", lines[1]);
    let verify = |text: &str| {
        let file = dir.path().join("export.jsonl");
        std::fs::write(&file, text).expect("write");
        run(&["audit", "verify-export", file.to_str().expect("path")], &[])
    };
    let (code, out, err) = verify(&all);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("{} records, seq 1..{}", lines.len(), lines.len())), "{out}");

    let (code, later, err) = run(&["audit", "export", "--since-seq", "2", "--data-dir", d], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(later.lines().count(), lines.len() - 2);
    assert_eq!(record(later.lines().next().expect("first"))["prev_hash"], record(lines[1])["hash"]);
    assert_eq!(verify(&later).0, 0, "an incremental export verifies on its own");

    let altered = all.replacen(r#""outcome":"success""#, r#""outcome":"failure""#, 1);
    let (code, _, err) = verify(&altered);
    assert_ne!(code, 0);
    assert!(err.contains("record altered"), "{err}");
    let mut missing = lines.clone();
    missing.remove(2);
    let (code, _, err) = verify(&missing.join("\n"));
    assert_ne!(code, 0);
    assert!(err.contains("sequence gap"), "{err}");
}

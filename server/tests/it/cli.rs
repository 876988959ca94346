//! The bank-operator command line, run as a real process.

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

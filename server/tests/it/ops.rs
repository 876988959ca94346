//! The operations listener of the real binary: `/healthz`, `/readyz`, and `/metrics` scraped
//! before and after logons, a 再発行, an acquisition and a 事故登録 over HTTPS — each counter moved
//! by exactly what happened — and the text accepted by `promtool check metrics` (Debian's
//! `prometheus` package).

#[path = "../../../bench/src/client.rs"]
mod client;

use crate::support::{change_form, free_port, until_listening, with};
use app::ssr::operator::corporations::demo;
use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `GET path` on the operations listener: (status, body).
fn get(port: u16, path: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("ops listener");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("head");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    (status, body.to_owned())
}

/// Every sample of a scrape: `name{labels}` → value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(series, value)| (series.to_owned(), value.parse().expect("value")))
        .collect()
}

/// `promtool check metrics` on `text`: its findings (empty when it has none).
fn promtool(text: &str) -> String {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus; scripts/setup.sh installs it)");
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("promtool");
    let findings = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "promtool check metrics failed: {findings}");
    findings
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_exactly_what_happened_and_promtool_accepts_them() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let d = data.to_str().expect("path");
    let (port, ops_port) = (free_port(), free_port());
    let mut server = serve_on(
        &data,
        (port, ops_port),
        &[],
        crate::support::database_env(&["--data-dir", d]),
        Stdio::null(),
    );
    assert_eq!(get(ops_port, "/healthz"), (200, "ok\n".to_owned()));
    assert_eq!(get(ops_port, "/readyz"), (200, "ready\n".to_owned()));
    assert_eq!(get(ops_port, "/").0, 404, "nothing of the product on the operations listener");
    let (status, before) = get(ops_port, "/metrics");
    assert_eq!(status, 200);
    let before = samples(&before);

    let client = client_of(&data, port);
    let mut c = client.connect().await.expect("connect");
    let wrong = [("contract_id", demo::CONTRACT_ID), ("pin", "Wrong1234")];
    assert_eq!(c.call("admin_logon", &wrong, None).await.expect("logon").status, 401);
    let right = [("contract_id", demo::CONTRACT_ID), ("pin", demo::ADMIN_PIN)];
    let admin = c.call("admin_logon", &right, None).await.expect("logon").cookie.expect("admin session");
    let user = [("contract_id", demo::CONTRACT_ID), ("user_id", "test05"), ("user_pin", demo::USER_PIN)];
    assert_eq!(c.call("user_logon", &user, None).await.expect("logon").status, 200);
    let detail = c.call("get_user", &[("user", "test01")], Some(&admin)).await.expect("get_user");
    let version = client::json_field(&detail.body, "cert_version").unwrap_or_else(|| "0".into());
    let reissue = client::reissue_form("test01", "テスト01", &version, demo::ADMIN_CONFIRM_PIN);
    let saved = c.call("save_user", &reissue, Some(&admin)).await.expect("reissue");
    assert_eq!(saved.status, 200, "{}", saved.body);
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let csr = rcgen::CertificateParams::default().serialize_request(&key).expect("csr").pem().expect("pem");
    let acquire = [
        ("contract_id", demo::CONTRACT_ID),
        ("user_id", "test01"),
        ("user_pin", demo::USER_PIN),
        ("user_confirm_pin", demo::USER_CONFIRM_PIN),
        ("csr", csr.as_str()),
    ];
    let acquired = c.call("acquire_certificate", &acquire, None).await.expect("acquire");
    assert_eq!(acquired.status, 200, "{}", acquired.body);
    let accident = with(change_form("test01"), "accident", "on");
    let saved = c.call("save_user", &accident, Some(&admin)).await.expect("事故登録");
    assert_eq!(saved.status, 200, "{}", saved.body);

    let (_, text) = get(ops_port, "/metrics");
    let _ = server.kill();
    let _ = server.wait();
    let after = samples(&text);
    let moved =
        |series: &str| after.get(series).copied().unwrap_or(0.0) - before.get(series).copied().unwrap_or(0.0);
    for (series, by) in [
        (r#"bizdirect_logons_total{method="id_pin",role="admin",outcome="logon_failed"}"#, 1.0),
        (r#"bizdirect_logons_total{method="id_pin",role="admin",outcome="success"}"#, 1.0),
        (r#"bizdirect_logons_total{method="id_pin",role="user",outcome="success"}"#, 1.0),
        (r#"bizdirect_server_fn_errors_total{code="logon_failed"}"#, 1.0),
        ("bizdirect_issuances_total", 1.0),
        (r#"bizdirect_certificates_issued_total{kind="acquisition"}"#, 1.0),
        (r#"bizdirect_revocations_total{reason="keyCompromise"}"#, 1.0),
        (r#"bizdirect_http_requests_total{listener="id",route="/api/admin_logon",status="401"}"#, 1.0),
        (r#"bizdirect_http_requests_total{listener="id",route="/api/admin_logon",status="200"}"#, 1.0),
        (
            r#"bizdirect_http_requests_total{listener="id",route="/api/acquire_certificate",status="200"}"#,
            1.0,
        ),
        (r#"bizdirect_http_request_duration_seconds_count{listener="id",route="/api/save_user"}"#, 2.0),
        ("bizdirect_group_commit_batch_size_count", 1.0),
    ] {
        assert!(
            (moved(series) - by).abs() < f64::EPSILON,
            "{series} moved by {}, not {by}:\n{text}",
            moved(series)
        );
    }
    assert!(moved(r#"bizdirect_certificates{state="revoked"}"#) >= 1.0, "{text}");
    assert!(after.keys().all(|series| !series.contains("test0")), "no person in a label:\n{text}");
    assert!(after.contains_key(r#"bizdirect_pool_queue_depth{pool="pin_hash"}"#));
    assert!(moved("bizdirect_crl_signatures") >= 1.0, "re-signed at the revocation:\n{text}");
    assert!(after.get("bizdirect_crls").is_some_and(|n| *n >= 2.0), "the shared CRL and the demo's:\n{text}");
    let findings = promtool(&text);
    assert!(findings.trim().is_empty(), "promtool: {findings}");
}

/// The serving server (`--demo`) on `data` with `extra` arguments and environment, its log to
/// `log`; returns once it says it serves (its own words on standard output, not merely something
/// listening on `port`, which another test may have taken meanwhile).
fn serve_on(
    data: &std::path::Path,
    (port, ops_port): (u16, u16),
    extra: &[&str],
    envs: Vec<(&'static str, String)>,
    log: Stdio,
) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--demo", "--data-dir", data.to_str().expect("path"), "--addr", &format!("127.0.0.1:{port}")])
        .args([
            "--cert-addr",
            &format!("127.0.0.1:{}", free_port()),
            "--ops-addr",
            &format!("127.0.0.1:{ops_port}"),
        ])
        .args(extra)
        .envs(envs)
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("serve");
    let out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let (serving, started) = std::sync::mpsc::channel();
    // Read to the end, so the server never writes into a closed pipe.
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(out).map_while(Result::ok) {
            if line.starts_with("bizdirect is serving at") {
                let _ = serving.send(());
            }
        }
    });
    started.recv_timeout(Duration::from_secs(60)).expect("the server did not start");
    until_listening(port, 5, "the server");
    child
}

/// An HTTPS client of the server on `data`, trusting its HTTPS certificate's issuer.
fn client_of(data: &std::path::Path, port: u16) -> client::Client {
    let issuer = std::fs::read_to_string(data.join("tls/issuer.crt")).expect("tls/issuer.crt");
    client::Client::new(&issuer, std::net::SocketAddr::from(([127, 0, 0, 1], port))).expect("client")
}

/// SIGTERM, and the exit (the database closed cleanly); its log (`log`) tells why if not.
fn stop(mut child: std::process::Child, log: &std::path::Path) {
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let status = child.wait().expect("exit");
    assert!(status.success(), "{status}:\n{}", std::fs::read_to_string(log).unwrap_or_default());
}

/// A size-limited tmpfs the test mounts itself (root), unmounted when dropped.
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount(megabytes: u32) -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let size = format!("size={megabytes}m");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &size, "tmpfs", dir.path().to_str().expect("path")])
            .status()
            .expect("mount");
        assert!(mounted.success(), "mounting a tmpfs needs root (CAP_SYS_ADMIN)");
        Self(dir)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

/// A full disk under the data folder: every write is refused with 503 (nothing half-written),
/// `/readyz` says why, and once space is freed writes succeed again without a restart; `server
/// check` passes afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_503_and_recovers_without_a_restart() {
    let disk = SmallDisk::mount(48);
    let data = disk.0.path().join("data");
    let logs = tempfile::tempdir().expect("log dir");
    let log = logs.path().join("server.log");
    let (port, ops_port) = (free_port(), free_port());
    // First start seeds the demo; a clean stop folds the write-ahead log into the database.
    let log_to =
        || Stdio::from(std::fs::OpenOptions::new().create(true).append(true).open(&log).expect("log"));
    stop(serve_on(&data, (port, ops_port), &[], Vec::new(), log_to()), &log);
    let server = serve_on(&data, (port, ops_port), &[], Vec::new(), log_to());
    assert_eq!(get(ops_port, "/readyz").0, 200);

    let filler = disk.0.path().join("filler");
    let mut file = std::fs::File::create(&filler).expect("filler");
    let chunk = vec![0u8; 1 << 20];
    while file.write_all(&chunk).is_ok() {}
    let _ = file.sync_all();
    drop(file);
    let (status, why) = get(ops_port, "/readyz");
    assert_eq!(status, 503, "{why}");
    assert!(why.contains("storage:") && why.contains(data.to_str().expect("path")), "{why}");

    let client = client_of(&data, port);
    let logon = [("contract_id", demo::CONTRACT_ID), ("pin", demo::ADMIN_PIN)];
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let mut c = client.connect().await.expect("connect");
        let answer = c.call("admin_logon", &logon, None).await.expect("answer");
        statuses.push(answer.status);
        if answer.status == 503 {
            assert!(answer.body.contains("Unavailable"), "{}", answer.body);
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&503), "a write on a full disk is refused with 503: {statuses:?}");
    println!("full disk: logons answered {statuses:?}; /readyz: {}", why.trim().replace('\n', "; "));
    assert!(!statuses.contains(&500), "never an internal error: {statuses:?}");

    std::fs::remove_file(&filler).expect("free the space");
    assert_eq!(get(ops_port, "/readyz"), (200, "ready\n".to_owned()));
    let mut c = client.connect().await.expect("connect");
    let answer = c.call("admin_logon", &logon, None).await.expect("answer");
    let printed = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(answer.status, 200, "writes again without a restart: {}\n{printed}", answer.body);
    assert!(answer.cookie.is_some());
    stop(server, &log);
    let check = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["check", "--data-dir", data.to_str().expect("path")])
        .output()
        .expect("check");
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    drop(disk);
}

/// A throwaway PostgreSQL cluster of this test's own (Debian's postgresql; as root the cluster
/// belongs to the `postgres` user), trusting local connections on a loopback port.
struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    fn pg(tool: &str) -> Command {
        let bindir = std::fs::read_dir("/usr/lib/postgresql")
            .expect("postgresql (scripts/setup.sh installs it)")
            .flatten()
            .map(|e| e.path().join("bin"))
            .max()
            .expect("a PostgreSQL version");
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(bindir.join(tool));
        command
    }

    fn new() -> Self {
        let dir = tempfile::tempdir().expect("dir");
        assert!(Command::new("chown")
            .args(["postgres:", dir.path().to_str().expect("path")])
            .status()
            .expect("chown")
            .success());
        let cluster = Self { dir, port: free_port() };
        let data = cluster.dir.path().join("data");
        let made = Self::pg("initdb")
            .args([
                "-D",
                data.to_str().expect("path"),
                "-U",
                "bizdirect",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ])
            .output()
            .expect("initdb");
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        cluster.start();
        cluster
    }

    fn start(&self) {
        let options =
            format!("-c listen_addresses=127.0.0.1 -p {} -k {}", self.port, self.dir.path().display());
        let data = self.dir.path().join("data");
        let log = self.dir.path().join("postgres.log");
        let started = Self::pg("pg_ctl")
            .args([
                "-D",
                data.to_str().expect("path"),
                "-l",
                log.to_str().expect("path"),
                "-w",
                "-o",
                &options,
                "start",
            ])
            .output()
            .expect("pg_ctl start");
        assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));
    }

    fn stop(&self) {
        let data = self.dir.path().join("data");
        let _ = Self::pg("pg_ctl")
            .args(["-D", data.to_str().expect("path"), "-m", "immediate", "-w", "stop"])
            .output();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// PostgreSQL stopped under the running server: `/readyz` says 503 naming the database and a
/// request gets a clear 503 (after the pool's 5 s wait for a connection, not a hang); PostgreSQL
/// back: ready again and serving, with no restart of bizdirect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_a_postgresql_outage_and_requests_get_503_meanwhile() {
    let cluster = Cluster::new();
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let (port, ops_port) = (free_port(), free_port());
    let database = format!("postgres://bizdirect@127.0.0.1:{}/postgres", cluster.port);
    let mut server = serve_on(&data, (port, ops_port), &["--database", &database], Vec::new(), Stdio::null());
    assert_eq!(get(ops_port, "/readyz").0, 200);
    let client = client_of(&data, port);
    let logon = [("contract_id", demo::CONTRACT_ID), ("pin", demo::ADMIN_PIN)];

    cluster.stop();
    let (status, why) = get(ops_port, "/readyz");
    assert_eq!(status, 503, "{why}");
    assert!(why.contains("database:"), "{why}");
    let asked = Instant::now();
    let answer =
        client.connect().await.expect("connect").call("admin_logon", &logon, None).await.expect("answer");
    let waited = asked.elapsed();
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert!(answer.body.contains("Unavailable"), "{}", answer.body);
    assert!(waited < Duration::from_secs(30), "answered, not hung: {waited:?}");

    cluster.start();
    let back = Instant::now();
    while get(ops_port, "/readyz").0 != 200 {
        assert!(back.elapsed() < Duration::from_secs(60), "not ready again after PostgreSQL came back");
        std::thread::sleep(Duration::from_millis(200));
    }
    let answer =
        client.connect().await.expect("connect").call("admin_logon", &logon, None).await.expect("answer");
    assert_eq!(answer.status, 200, "serving again without a restart: {}", answer.body);
    println!(
        "PostgreSQL outage: /readyz 503 at once, a logon answered 503 after {:.1} s, ready again {:.1} s after PostgreSQL restarted",
        waited.as_secs_f64(),
        back.elapsed().as_secs_f64()
    );
    let _ = server.kill();
    let _ = server.wait();
}

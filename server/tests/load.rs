//! Reliability under load and faults, through the real HTTPS server (loopback only, bounded in
//! time and count). Run with the other tests (`cargo test -p server --test load`); the figures
//! each run prints go to docs/RELIABILITY.md.
//!
//! - **Storm**: 200 concurrent clients log on (administrators and users), list, reissue and
//!   acquire over 20 users of 4 corporations for a fixed time; then `server check` passes and the
//!   audit log holds exactly as many successful records as the clients were told succeeded.
//! - **Crash**: the same load while the server is killed with SIGKILL 20 times at random moments
//!   and restarted; after each restart `server check` passes and every operation a client was
//!   told succeeded is in the database.

#[path = "../../bench/src/client.rs"]
mod client;

use client::{json_field, Answer};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: usize = 200;
const CORPORATIONS: [&str; 4] = ["41000000001", "41000000002", "41000000003", "41000000004"];
const USERS_PER_CORPORATION: usize = 5;
const ADMIN_PIN: &str = "Admin1234";
const CONFIRM_PIN: &str = "Confirm1234";
const USER_PIN: &str = "User1234";
const USER_CONFIRM_PIN: &str = "UserConf1234";
/// The PINs the storm's 暗証番号変更 sets for a moment (searched for in the log too).
const TEMP_PIN: &str = "Temp5678x";
const TEMP_CONFIRM_PIN: &str = "TempConf5678";

/// The server's log, in its data folder.
const LOG: &str = "server.log.jsonl";

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_server"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// The running server and how to reach it.
struct Server {
    child: Option<Child>,
    data: std::path::PathBuf,
    port: u16,
    cert_port: u16,
}

impl Server {
    fn start(data: &Path, port: u16, cert_port: u16) -> Self {
        let child = server()
            .args(["--data-dir", data.to_str().expect("path"), "--addr", &format!("127.0.0.1:{port}")])
            .args(["--cert-addr", &format!("127.0.0.1:{cert_port}"), "--ops-addr", "127.0.0.1:0"])
            // Throttling is not under test here: 200 clients share one address.
            .args([
                "--attempts-per-minute-per-address",
                "100000000",
                "--attempts-per-minute-per-account",
                "100000000",
            ])
            // One JSON object per log line, kept beside the data (searched for secrets).
            .args(["--log-format", "json"])
            .stdout(Stdio::null())
            .stderr(
                std::fs::OpenOptions::new().create(true).append(true).open(data.join(LOG)).expect("log file"),
            )
            .spawn()
            .expect("start server");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child: Some(child), data: data.to_owned(), port, cert_port }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
        }
    }

    fn restart(&mut self) {
        self.kill();
        *self = Self::start(&self.data.clone(), self.port, self.cert_port);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `server check` on the data folder: (passed, output).
fn check(data: &Path) -> (bool, String) {
    let out = server().args(["check", "--data-dir", data.to_str().expect("path")]).output().expect("check");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// The benchmarks' HTTPS client (`bench/src/client.rs`), one connection per request so that a
/// restarted server is reached again at once.
#[derive(Clone)]
struct Client(client::Client);

impl Client {
    fn new(ca_pem: &str, port: u16) -> Self {
        Self(client::Client::new(ca_pem, SocketAddr::from(([127, 0, 0, 1], port))).expect("client"))
    }

    async fn call(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> anyhow::Result<Answer> {
        let mut connection = match self.0.connect().await {
            Ok(connection) => connection,
            Err(e) => {
                // The server is down (being restarted): do not spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return Err(e);
            }
        };
        connection.call(endpoint, form, cookie).await
    }
}

/// What the clients were told succeeded.
#[derive(Default, Debug)]
struct Acknowledged {
    counts: BTreeMap<&'static str, i64>,
    serials: BTreeSet<String>,
    /// The session tokens the server handed out.
    tokens: BTreeSet<String>,
}

/// Creates the 4 corporations (CLI); their users are made through the server ([`create_users`]).
fn setup(data: &Path) {
    for (i, contract) in CORPORATIONS.iter().enumerate() {
        let out = server()
            .args(["corp", "create", "--name", &format!("負荷試験{i}"), "--contract-id", contract])
            .args([
                "--admin-pin-env",
                "P1",
                "--confirm-pin-env",
                "P2",
                "--data-dir",
                data.to_str().expect("path"),
            ])
            .env("P1", ADMIN_PIN)
            .env("P2", CONFIRM_PIN)
            .output()
            .expect("corp create");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

/// A client of the server started on `data`, trusting its HTTPS certificate's issuer (never the
/// client CA).
fn client_of(data: &Path, port: u16) -> Client {
    let issuer = std::fs::read_to_string(data.join("tls/issuer.crt")).expect("tls/issuer.crt");
    Client::new(&issuer, port)
}

async fn create_users(client: &Client) {
    for contract in CORPORATIONS {
        let admin = client
            .call("admin_logon", &[("contract_id", contract), ("pin", ADMIN_PIN)], None)
            .await
            .expect("logon");
        let cookie = admin.cookie.expect("admin cookie");
        for u in 0..USERS_PER_CORPORATION {
            let id = format!("u{u}");
            let form = [
                ("user_id", id.as_str()),
                ("name", "負荷 利用者"),
                ("email", ""),
                ("user_pin", USER_PIN),
                ("user_pin_again", USER_PIN),
                ("user_confirm_pin", USER_CONFIRM_PIN),
                ("user_confirm_pin_again", USER_CONFIRM_PIN),
                ("logon_method", "id_pin"),
                ("issue_certificate", "on"),
                ("admin_confirm_pin", CONFIRM_PIN),
            ];
            let r = client.call("save_user", &form, Some(&cookie)).await.expect("save");
            assert_eq!(r.status, 200, "{}", r.body);
        }
    }
}

/// 暗証番号変更 by the first user of each corporation: to the temporary PINs and back (the current
/// PINs given each time), so that the storm's log holds PIN changes too. Returns the session
/// tokens handed out on the way.
async fn change_pins_there_and_back(client: &Client) -> Vec<String> {
    let mut tokens = Vec::new();
    for contract in CORPORATIONS {
        let logon = [("contract_id", contract), ("user_id", "u0"), ("user_pin", USER_PIN)];
        let mut cookie =
            client.call("user_logon", &logon, None).await.expect("logon").cookie.expect("cookie");
        for ((pin, confirm), (current, current_confirm)) in [
            ((TEMP_PIN, TEMP_CONFIRM_PIN), (USER_PIN, USER_CONFIRM_PIN)),
            ((USER_PIN, USER_CONFIRM_PIN), (TEMP_PIN, TEMP_CONFIRM_PIN)),
        ] {
            let form = [
                ("user_pin", pin),
                ("user_pin_again", pin),
                ("user_confirm_pin", confirm),
                ("user_confirm_pin_again", confirm),
                ("current_user_pin", current),
                ("current_user_confirm_pin", current_confirm),
            ];
            let changed = client.call("change_pins", &form, Some(&cookie)).await.expect("change_pins");
            assert_eq!(changed.status, 200, "{}", changed.body);
            tokens.push(cookie);
            cookie = changed.cookie.expect("the rotated session");
        }
        tokens.push(cookie);
    }
    tokens.into_iter().filter_map(|c| c.split_once('=').map(|(_, token)| token.to_owned())).collect()
}

/// CSRs made once (the server only uses their public keys).
fn csrs() -> Vec<String> {
    (0..16)
        .map(|_| {
            let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
            rcgen::CertificateParams::default().serialize_request(&key).expect("csr").pem().expect("pem")
        })
        .collect()
}

/// One client's loop until `until`: a random mix of the four operations.
async fn client_loop(
    client: Client,
    seed: u64,
    until: Instant,
    csrs: Arc<Vec<String>>,
    ack: Arc<Mutex<Acknowledged>>,
) {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next = move |n: usize| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((state >> 33) % n as u64).unwrap_or(0)
    };
    let mut admin_cookie: Option<(usize, String)> = None;
    while Instant::now() < until {
        let corp = next(CORPORATIONS.len());
        let contract = CORPORATIONS[corp];
        let user = format!("u{}", next(USERS_PER_CORPORATION));
        let ok = |action: &'static str| {
            *ack.lock().expect("ack").counts.entry(action).or_default() += 1;
        };
        match next(4) {
            0 => {
                if let Ok(r) =
                    client.call("admin_logon", &[("contract_id", contract), ("pin", ADMIN_PIN)], None).await
                {
                    if r.status == 200 {
                        ok("admin_logon");
                        if let Some((_, token)) = r.cookie.as_deref().and_then(|c| c.split_once('=')) {
                            ack.lock().expect("ack").tokens.insert(token.to_owned());
                        }
                        admin_cookie = r.cookie.map(|c| (corp, c));
                    }
                }
            }
            1 => {
                let r = client
                    .call(
                        "user_logon",
                        &[("contract_id", contract), ("user_id", &user), ("user_pin", USER_PIN)],
                        None,
                    )
                    .await;
                if let Some(r) = r.ok().filter(|r| r.status == 200) {
                    ok("user_logon");
                    if let Some((_, token)) = r.cookie.as_deref().and_then(|c| c.split_once('=')) {
                        ack.lock().expect("ack").tokens.insert(token.to_owned());
                    }
                }
            }
            2 => {
                // List, then reissue one user as that administrator.
                let Some((_, cookie)) = admin_cookie.clone() else { continue };
                if client.call("list_users", &[], Some(&cookie)).await.is_ok_and(|r| r.status == 200) {
                    ok("list_users");
                }
                let Ok(detail) = client.call("get_user", &[("user", &user)], Some(&cookie)).await else {
                    continue;
                };
                let version = json_field(&detail.body, "cert_version").unwrap_or_else(|| "0".into());
                let form = client::reissue_form(&user, "負荷 利用者", &version, CONFIRM_PIN);
                if client.call("save_user", &form, Some(&cookie)).await.is_ok_and(|r| r.status == 200) {
                    ok("certificate_issue");
                }
            }
            _ => {
                let csr = &csrs[next(csrs.len())];
                let form = [
                    ("contract_id", contract),
                    ("user_id", user.as_str()),
                    ("user_pin", USER_PIN),
                    ("user_confirm_pin", USER_CONFIRM_PIN),
                    ("csr", csr.as_str()),
                ];
                if let Ok(r) = client.call("acquire_certificate", &form, None).await {
                    if r.status == 200 {
                        ok("certificate_acquire");
                        if let Some(serial) = json_field(&r.body, "serial") {
                            ack.lock().expect("ack").serials.insert(serial);
                        }
                    }
                }
            }
        }
        // admin_cookie belongs to one corporation: drop it sometimes so others get their turn.
        if next(8) == 0 {
            admin_cookie = None;
        }
    }
}

async fn run_load(client: &Client, seconds: u64, csrs: &Arc<Vec<String>>, ack: &Arc<Mutex<Acknowledged>>) {
    let until = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|i| tokio::spawn(client_loop(client.clone(), i as u64 + 1, until, csrs.clone(), ack.clone())))
        .collect();
    for t in tasks {
        t.await.expect("client task");
    }
}

/// Successful audit records per action after sequence number `after`.
async fn audit_counts(data: &Path, after: i64) -> BTreeMap<String, i64> {
    let pool = app::ssr::db::open(&app::ssr::Database::Sqlite(data.join("bizdirect.db"))).await.expect("db");
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT action, COUNT(*) FROM audit_log WHERE seq > $1 AND outcome = 'success' GROUP BY action",
    )
    .bind(after)
    .fetch_all(&pool)
    .await
    .expect("counts");
    pool.close().await;
    rows.into_iter().collect()
}

async fn max_seq(data: &Path) -> i64 {
    let pool = app::ssr::db::open(&app::ssr::Database::Sqlite(data.join("bizdirect.db"))).await.expect("db");
    let seq: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM audit_log")
        .fetch_one(&pool)
        .await
        .expect("seq");
    pool.close().await;
    seq
}

async fn serials_on_record(data: &Path) -> BTreeSet<String> {
    let pool = app::ssr::db::open(&app::ssr::Database::Sqlite(data.join("bizdirect.db"))).await.expect("db");
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT lower(hex(serial)) FROM certificates WHERE serial IS NOT NULL")
            .fetch_all(&pool)
            .await
            .expect("serials");
    pool.close().await;
    rows.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn storm_then_check_passes_and_the_audit_matches_what_clients_were_told() {
    let dir = tempfile::tempdir().expect("dir");
    let (port, cert_port) = (free_port(), free_port());
    setup(dir.path());
    let _server = Server::start(dir.path(), port, cert_port);
    let client = client_of(dir.path(), port);
    create_users(&client).await;
    let changing = change_pins_there_and_back(&client).await;
    let start_seq = max_seq(dir.path()).await;
    let csrs = Arc::new(csrs());
    let ack = Arc::new(Mutex::new(Acknowledged::default()));
    let started = Instant::now();
    run_load(&client, 15, &csrs, &ack).await;
    let elapsed = started.elapsed().as_secs_f64();
    let ack = std::mem::take(&mut *ack.lock().expect("ack"));
    let audit = audit_counts(dir.path(), start_seq).await;
    println!("storm: {CLIENTS} clients, {elapsed:.1} s, acknowledged {:?}", ack.counts);
    println!("storm: audit records (success) {audit:?}");
    for action in ["admin_logon", "user_logon", "certificate_issue", "certificate_acquire"] {
        let told = ack.counts.get(action).copied().unwrap_or(0);
        assert!(told > 0, "the load exercised {action}");
        assert_eq!(
            audit.get(action).copied().unwrap_or(0),
            told,
            "{action}: audit records = acknowledged successes"
        );
    }
    assert!(ack.serials.is_subset(&serials_on_record(dir.path()).await));
    let (passed, output) = check(dir.path());
    println!("storm: {}", output.trim());
    assert!(passed, "{output}");
    let mut tokens = ack.tokens.clone();
    tokens.extend(changing);
    no_secret_in_the_log(dir.path(), &tokens);
}

/// The JSON log of the storm (with its users' registration and 暗証番号変更 before it): one object
/// per log line, one `request` line per request with its id, and none of the secrets in play
/// anywhere — every PIN set or typed, every session token handed out, PIN hashes, the CA's and the
/// HTTPS issuer's private keys.
fn no_secret_in_the_log(data: &Path, tokens: &BTreeSet<String>) {
    let log = std::fs::read_to_string(data.join(LOG)).expect("log");
    let mut requests = 0;
    // (leptos prints a notice of its own at start, not through the log)
    for line in log.lines().filter(|l| l.starts_with('{')) {
        let object: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if object["message"] == "request" {
            requests += 1;
            assert!(object["request_id"].as_str().is_some_and(|id| id.len() == 32), "{line}");
            assert!(
                object["route"].is_string() && object["status"].is_u64() && object["latency_ms"].is_f64()
            );
        }
    }
    let key_lines = |file: &str| -> Vec<String> {
        let pem = std::fs::read_to_string(data.join(file)).expect("key");
        pem.lines().filter(|l| !l.starts_with("-----") && l.len() >= 16).map(str::to_owned).collect()
    };
    let mut secrets: Vec<String> =
        [ADMIN_PIN, CONFIRM_PIN, USER_PIN, USER_CONFIRM_PIN, TEMP_PIN, TEMP_CONFIRM_PIN, "$argon2id$"]
            .map(str::to_owned)
            .to_vec();
    secrets.extend(tokens.iter().cloned());
    secrets.extend(key_lines("ca/ca.key"));
    secrets.extend(key_lines("tls/issuer.key"));
    secrets.extend(key_lines("tls/server.key"));
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "a secret in the log: {secret}");
    }
    println!(
        "storm: log of {} lines ({requests} requests), {} secrets searched ({} session tokens), none found",
        log.lines().count(),
        secrets.len(),
        tokens.len()
    );
    assert!(requests > 100 && tokens.len() > 10, "the log and the tokens cover the storm");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_sigkills_under_load_lose_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("dir");
    let (port, cert_port) = (free_port(), free_port());
    setup(dir.path());
    let mut server = Server::start(dir.path(), port, cert_port);
    let client = client_of(dir.path(), port);
    create_users(&client).await;
    let start_seq = max_seq(dir.path()).await;
    let csrs = Arc::new(csrs());
    let ack = Arc::new(Mutex::new(Acknowledged::default()));
    // The load runs for the whole test; the server dies and comes back underneath it.
    let load = {
        let (client, csrs, ack) = (client.clone(), csrs.clone(), ack.clone());
        tokio::spawn(async move { run_load(&client, 40, &csrs, &ack).await })
    };
    let mut seed = 0x5eed_u64;
    for kill in 1..=20 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let wait = 300 + (seed >> 33) % 1200; // 0.3–1.5 s of load before the kill
        tokio::time::sleep(Duration::from_millis(wait)).await;
        server.kill();
        let (passed, output) = check(dir.path());
        assert!(passed, "after kill {kill}: {output}");
        // Everything acknowledged so far is on record.
        let acknowledged = {
            let ack = ack.lock().expect("ack");
            (ack.serials.clone(), ack.counts.clone())
        };
        let on_record = serials_on_record(dir.path()).await;
        assert!(
            acknowledged.0.is_subset(&on_record),
            "after kill {kill}: an acknowledged certificate is missing"
        );
        let audit = audit_counts(dir.path(), start_seq).await;
        for (action, told) in &acknowledged.1 {
            if *action != "list_users" {
                let recorded = audit.get(*action).copied().unwrap_or(0);
                assert!(
                    recorded >= *told,
                    "after kill {kill}: {action} acknowledged {told}, recorded {recorded}"
                );
            }
        }
        server.restart();
    }
    load.await.expect("load");
    let ack = std::mem::take(&mut *ack.lock().expect("ack"));
    println!(
        "crash: 20 SIGKILLs, acknowledged {:?}, {} certificates acquired",
        ack.counts,
        ack.serials.len()
    );
    let (passed, output) = check(dir.path());
    println!("crash: {}", output.trim());
    assert!(passed, "{output}");
    assert!(ack.counts.values().sum::<i64>() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_lets_requests_in_flight_finish_and_accepts_no_new_ones() {
    let dir = tempfile::tempdir().expect("dir");
    let (port, cert_port) = (free_port(), free_port());
    setup(dir.path());
    let mut server = Server::start(dir.path(), port, cert_port);
    let client = client_of(dir.path(), port);
    let start_seq = max_seq(dir.path()).await;
    // 40 logons in flight (each hashes a PIN), then SIGTERM.
    let calls: Vec<_> = (0..40)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let contract = CORPORATIONS[i % CORPORATIONS.len()];
                client.call("admin_logon", &[("contract_id", contract), ("pin", ADMIN_PIN)], None).await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let child = server.child.take().expect("running");
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let mut answered = 0;
    for call in calls {
        if let Ok(Ok(answer)) = call.await {
            assert_eq!(answer.status, 200, "a request in flight finished properly: {}", answer.body);
            answered += 1;
        }
    }
    let status = tokio::task::spawn_blocking(move || {
        let mut child = child;
        child.wait()
    })
    .await
    .expect("join")
    .expect("wait");
    assert!(status.success(), "clean exit after SIGTERM: {status:?}");
    assert!(
        client
            .call("admin_logon", &[("contract_id", CORPORATIONS[0]), ("pin", ADMIN_PIN)], None)
            .await
            .is_err(),
        "nothing accepted after"
    );
    let audit = audit_counts(dir.path(), start_seq).await;
    println!("sigterm: {answered} of 40 logons answered before the stop");
    assert!(answered > 0, "some requests were in flight");
    assert_eq!(audit.get("admin_logon").copied().unwrap_or(0), answered, "every logon done was answered");
}

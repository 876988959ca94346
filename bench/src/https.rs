//! P2 (reissue + acquire round trips through the HTTPS server functions, concurrent clients) and
//! P3 (logon storm: Argon2id at OWASP parameters, while other requests are timed) — against the
//! real server binary, started as a child process on loopback over a prepared data folder.

use crate::client::{json_field, Client, Connection};
use crate::harness::{
    corporation, csrs, instance, median_p99, met, row, users, ADMIN_PIN, CONFIRM_PIN, USER_CONFIRM_PIN,
    USER_PIN,
};
use app::ssr::secret::{Pin, PinHash};
use std::net::SocketAddr;
use std::path::Path;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Users per corporation, and how many of them each client works with.
const USERS_PER_CLIENT: usize = 4;
const CLIENTS_PER_CORPORATION: usize = 4;

fn contract(corp: usize) -> String {
    format!("91{corp:09}")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The server binary the benchmarks start: `SERVER_BIN`, else `server` beside this program
/// (`bench/run.sh` builds both into one target folder).
pub(crate) fn server_binary() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("SERVER_BIN") {
        return Ok(path.into());
    }
    let beside = std::env::current_exe()?.with_file_name("server");
    anyhow::ensure!(beside.is_file(), "{}: no server binary here; set SERVER_BIN", beside.display());
    Ok(beside)
}

/// The server binary serving `data` on loopback; killed when dropped.
struct Server {
    child: Child,
    client: Client,
}

impl Server {
    fn start(data: &Path) -> anyhow::Result<Self> {
        let (port, cert_port) = (free_port()?, free_port()?);
        let child = Command::new(server_binary()?)
            .arg("--data-dir")
            .arg(data)
            .args(["--addr", &format!("127.0.0.1:{port}"), "--cert-addr", &format!("127.0.0.1:{cert_port}")])
            .args(["--ops-addr", "127.0.0.1:0"])
            // Throttling is not what is measured: every client shares the loopback address.
            .args(["--attempts-per-minute-per-address", "100000000"])
            .args(["--attempts-per-minute-per-account", "100000000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            anyhow::ensure!(started.elapsed() < Duration::from_secs(60), "the server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        // the HTTPS certificate's issuer (never the client CA), written before the listeners bind
        let issuer = std::fs::read_to_string(data.join("tls/issuer.crt"))?;
        let client = Client::new(&issuer, SocketAddr::from(([127, 0, 0, 1], port)))?;
        Ok(Self { child, client })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A data folder with `corporations` corporations of `users_each` users (PINs final), closed
/// again so that the server process can open it; also the time of one verification of the
/// users' stored PIN hash (median of 9, on an otherwise idle process). With `cheap_pins` every
/// stored PIN hash is replaced by one at Argon2id's lowest cost ([`cheapen_pins`]).
async fn prepare(
    corporations: usize,
    users_each: usize,
    cheap_pins: bool,
) -> anyhow::Result<(tempfile::TempDir, Duration)> {
    let inst = instance().await?;
    for c in 0..corporations {
        let id = corporation(&inst.state, &contract(c), 9999).await?;
        users(&inst.state, id, users_each).await?;
    }
    let stored = if cheap_pins {
        cheapen_pins(&inst.state).await?
    } else {
        inst.state.pins.hash(&Pin::new(USER_PIN.to_owned())).await?
    };
    let mut times = Vec::new();
    for _ in 0..9 {
        let t = Instant::now();
        inst.state.pins.verify(Some(&stored), &Pin::new(USER_PIN.to_owned())).await?;
        times.push(t.elapsed());
    }
    times.sort_unstable();
    inst.state.db.close().await;
    Ok((inst.dir, times[times.len() / 2]))
}

/// `bizdirect-bench round-trips --cheap-pins` (P2 (b)) and P11: rewrites every PIN hash of the
/// benchmark's temporary database as Argon2id at its lowest cost (m = 8 KiB, t = 1, p = 1). The
/// server verifies a PIN at the cost its stored hash names, so the round trips then time
/// everything but the PIN checks. Returns the users' new PIN hash.
async fn cheapen_pins(state: &app::ssr::AppState) -> anyhow::Result<PinHash> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let params = argon2::Params::new(8, 1, 1, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    let argon2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let hash = |pin: &str| -> anyhow::Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        Ok(argon2.hash_password(pin.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("{e}"))?.to_string())
    };
    let user = hash(USER_PIN)?;
    app::ssr::bench::set_every_pin_hash(
        state,
        (&hash(ADMIN_PIN)?, &hash(CONFIRM_PIN)?),
        (&user, &hash(USER_CONFIRM_PIN)?),
    )
    .await?;
    Ok(PinHash::new(user))
}

fn ok(answer: &crate::client::Answer, what: &str) -> anyhow::Result<()> {
    anyhow::ensure!(answer.status == 200, "{what}: {} {}", answer.status, answer.body);
    Ok(())
}

async fn admin_session(conn: &mut Connection, corp: usize) -> anyhow::Result<String> {
    let answer =
        conn.call("admin_logon", &[("contract_id", &contract(corp)), ("pin", ADMIN_PIN)], None).await?;
    ok(&answer, "admin_logon")?;
    answer.cookie.ok_or_else(|| anyhow::anyhow!("admin_logon set no session cookie"))
}

/// One round trip as the two people do it: the administrator reissues (利用者情報変更 with
/// 「現在の電子証明書を失効し、再発行する。」 and the confirmation PIN), then the user previews and
/// acquires (電子証明書取得: both PINs, then the CSR). Returns each call's time.
async fn round_trip(
    conn: &mut Connection,
    admin: &str,
    corp: usize,
    user: &str,
    csr: &str,
) -> anyhow::Result<[Duration; 4]> {
    let mut times = [Duration::ZERO; 4];
    let t = Instant::now();
    let detail = conn.call("get_user", &[("user", user)], Some(admin)).await?;
    ok(&detail, "get_user")?;
    times[0] = t.elapsed();
    let version = json_field(&detail.body, "cert_version").unwrap_or_else(|| "0".into());
    let t = Instant::now();
    let form = crate::client::reissue_form(user, "性能 試験", &version, CONFIRM_PIN);
    ok(&conn.call("save_user", &form, Some(admin)).await?, "save_user (reissue)")?;
    times[1] = t.elapsed();
    let contract = contract(corp);
    let pins = [
        ("contract_id", contract.as_str()),
        ("user_id", user),
        ("user_pin", USER_PIN),
        ("user_confirm_pin", USER_CONFIRM_PIN),
    ];
    let t = Instant::now();
    ok(&conn.call("preview_acquisition", &pins, None).await?, "preview_acquisition")?;
    times[2] = t.elapsed();
    let mut with_csr = pins.to_vec();
    with_csr.push(("csr", csr));
    let t = Instant::now();
    let acquired = conn.call("acquire_certificate", &with_csr, None).await?;
    ok(&acquired, "acquire_certificate")?;
    anyhow::ensure!(json_field(&acquired.body, "serial").is_some(), "no serial in {}", acquired.body);
    times[3] = t.elapsed();
    Ok(times)
}

/// P2 (a), beside the bound the PIN checks set; with `cheap_pins` ([`cheapen_pins`]), P2 (b): the
/// path without the PIN checks' cost. `p1` is P1's rate in this run (certificates/s).
pub async fn round_trips(
    clients: usize,
    seconds: u64,
    p1: Option<f64>,
    cheap_pins: bool,
) -> anyhow::Result<()> {
    let corporations = clients.div_ceil(CLIENTS_PER_CORPORATION);
    let (dir, hash_time) =
        prepare(corporations, CLIENTS_PER_CORPORATION * USERS_PER_CLIENT, cheap_pins).await?;
    let server = Server::start(dir.path())?;
    let csrs = Arc::new(csrs(64)?);
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (client, csrs) = (server.client.clone(), csrs.clone());
            tokio::spawn(async move {
                let corp = c / CLIENTS_PER_CORPORATION;
                let mut conn = client.connect().await?;
                let admin = admin_session(&mut conn, corp).await?;
                let mut samples: Vec<[Duration; 4]> = Vec::new();
                let mut n = 0;
                while Instant::now() < until {
                    let user = format!(
                        "u{:05}",
                        (c % CLIENTS_PER_CORPORATION) * USERS_PER_CLIENT + n % USERS_PER_CLIENT
                    );
                    samples
                        .push(round_trip(&mut conn, &admin, corp, &user, &csrs[(c + n) % csrs.len()]).await?);
                    n += 1;
                }
                anyhow::Ok(samples)
            })
        })
        .collect();
    let mut samples = Vec::new();
    for t in tasks {
        samples.extend(t.await??);
    }
    let elapsed = started.elapsed();
    drop(server);
    #[allow(clippy::cast_precision_loss)]
    let rate = samples.len() as f64 / elapsed.as_secs_f64();
    let mut whole: Vec<Duration> = samples.iter().map(|s| s.iter().sum()).collect();
    let mut calls: Vec<Duration> = samples.iter().flatten().copied().collect();
    let (rt_median, rt_p99) = median_p99(&mut whole);
    let (call_median, call_p99) = median_p99(&mut calls);
    let each: Vec<String> = (0..4)
        .map(|k| {
            let mut call: Vec<Duration> = samples.iter().map(|s| s[k]).collect();
            format!("{:.1}", median_p99(&mut call).0)
        })
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    // Argon2id runs per round trip: confirmation PIN (reissue), two PINs (preview), two (acquire).
    #[allow(clippy::cast_precision_loss)]
    let argon_bound = cores as f64 / (5.0 * hash_time.as_secs_f64());
    let (id, pins) = if cheap_pins {
        ("P2 (b)", ", PIN hashes at Argon2id m=8 KiB t=1 (the path without the PIN checks' cost)")
    } else {
        ("P2 (a)", "")
    };
    row(
        id,
        &format!("reissue + acquire round trips over HTTPS, {clients} clients, {seconds} s{pins}"),
        &format!(
            "{rate:.1} round trips/s; round trip p50 {rt_median:.0} ms p99 {rt_p99:.0} ms; per call p50 {call_median:.0} ms p99 {call_p99:.0} ms \
             (p50 get_user / save_user / preview_acquisition / acquire_certificate: {} ms)",
            each.join(" / ")
        ),
        &format!(
            "P1 {}; Argon2id bound {argon_bound:.1}/s (5 PIN checks × {:.2} ms on {cores} cores)",
            p1.map_or_else(|| "not run".to_owned(), |r| format!("{r:.0}/s")),
            hash_time.as_secs_f64() * 1000.0
        ),
        &if cheap_pins {
            format!(
                "goal ≥ 1,000 round trips/s: {}; per-call p99 ≤ 50 ms: {}",
                met(rate >= 1000.0),
                met(call_p99 <= 50.0)
            )
        } else {
            format!(
                "{:.0} % of the Argon2id bound (goal ≥ 90 %: {})",
                rate / argon_bound * 100.0,
                met(rate >= 0.9 * argon_bound)
            )
        },
    );
    Ok(())
}

/// The Vault-comparable figure: acquisitions alone (`acquire_certificate`: both PINs checked —
/// at Argon2id's lowest cost, [`cheapen_pins`] —, the CSR verified and signed, the group commit,
/// the answer after the durable commit) over HTTPS from `clients` kept-alive connections, for
/// `count` issuances opened beforehand (untimed), beside P1 of the same run (`p1`).
pub async fn acquisitions(clients: usize, count: usize, p1: Option<f64>) -> anyhow::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    const CORPORATIONS: usize = 8;
    let per_corporation = count.div_ceil(CORPORATIONS);
    let inst = instance().await?;
    for c in 0..CORPORATIONS {
        let id = corporation(&inst.state, &contract(c), i64::try_from(per_corporation)?).await?;
        users(&inst.state, id, per_corporation).await?;
        crate::harness::open_issuances(&inst.state, id, &contract(c)).await?;
    }
    cheapen_pins(&inst.state).await?;
    inst.state.db.close().await;
    let server = Server::start(inst.dir.path())?;
    let csrs = Arc::new(csrs(256)?);
    let total = per_corporation * CORPORATIONS;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, csrs, next) = (server.client.clone(), csrs.clone(), next.clone());
            tokio::spawn(async move {
                let mut conn = client.connect().await?;
                let mut times = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let (contract, user) = (contract(i % CORPORATIONS), format!("u{:05}", i / CORPORATIONS));
                    let form = [
                        ("contract_id", contract.as_str()),
                        ("user_id", user.as_str()),
                        ("user_pin", USER_PIN),
                        ("user_confirm_pin", USER_CONFIRM_PIN),
                        ("csr", csrs[i % csrs.len()].as_str()),
                    ];
                    let t = Instant::now();
                    let acquired = conn.call("acquire_certificate", &form, None).await?;
                    ok(&acquired, "acquire_certificate")?;
                    times.push(t.elapsed());
                }
                anyhow::Ok(times)
            })
        })
        .collect();
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await??);
    }
    let elapsed = started.elapsed();
    drop(server);
    anyhow::ensure!(times.len() == total, "{} of {total} acquisitions answered", times.len());
    #[allow(clippy::cast_precision_loss)]
    let rate = total as f64 / elapsed.as_secs_f64();
    let (median, p99) = median_p99(&mut times);
    row(
        "P11",
        &format!(
            "acquisitions alone over HTTPS (acquire_certificate), {clients} kept-alive clients, {total} issuances opened beforehand, PIN hashes at Argon2id m=8 KiB t=1"
        ),
        &format!("{rate:.0} certificates/s; per call p50 {median:.1} ms p99 {p99:.1} ms"),
        &format!(
            "P1 (in-process) {}; Vault PKI's published stored rate 2,200/s",
            p1.map_or_else(|| "not run".to_owned(), |r| format!("{r:.0}/s"))
        ),
        &format!(
            "{}≥ 2,200/s: {}",
            p1.map_or_else(String::new, |r| format!("{:.0} % of P1; ", rate / r * 100.0)),
            met(rate >= 2200.0)
        ),
    );
    Ok(())
}

/// P3: `clients` clients log on (利用者ログオン, one Argon2id verification each) as fast as the
/// server answers for `seconds`, while one administrator's status page (契約法人ステータス) is
/// requested every 20 ms and timed.
pub async fn logon_storm(clients: usize, seconds: u64) -> anyhow::Result<()> {
    let (dir, hash_time) = prepare(1, clients, false).await?;
    let server = Server::start(dir.path())?;
    let mut probe = server.client.connect().await?;
    let admin = admin_session(&mut probe, 0).await?;
    let idle = probe_for(&mut probe, &admin, Duration::from_secs(2)).await?;

    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let client = server.client.clone();
            tokio::spawn(async move {
                let mut conn = client.connect().await?;
                let (contract, user) = (contract(0), format!("u{c:05}"));
                let form = [("contract_id", contract.as_str()), ("user_id", &user), ("user_pin", USER_PIN)];
                let mut n = 0_usize;
                while Instant::now() < until {
                    ok(&conn.call("user_logon", &form, None).await?, "user_logon")?;
                    n += 1;
                }
                anyhow::Ok(n)
            })
        })
        .collect();
    let busy = probe_for(&mut probe, &admin, Duration::from_secs(seconds)).await?;
    let mut logons = 0;
    for t in tasks {
        logons += t.await??;
    }
    let elapsed = started.elapsed();
    drop(server);
    #[allow(clippy::cast_precision_loss)]
    let rate = logons as f64 / elapsed.as_secs_f64();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    #[allow(clippy::cast_precision_loss)]
    let ceiling = cores as f64 / hash_time.as_secs_f64();
    let (idle_median, idle_p99) = idle;
    let (busy_median, busy_p99) = busy;
    row(
        "P3",
        &format!("logon storm (Argon2id m=19 MiB t=2 p=1), {clients} clients, {seconds} s"),
        &format!("{rate:.1} logons/s"),
        &format!("{cores} cores ÷ {:.1} ms per hash = {ceiling:.1}/s", hash_time.as_secs_f64() * 1000.0),
        &format!("{:.0} % (goal ≥ 90 %: {})", rate / ceiling * 100.0, met(rate >= 0.9 * ceiling)),
    );
    row(
        "P3",
        "other requests during the storm (契約法人ステータス every 20 ms)",
        &format!("p50 {busy_median:.1} ms, p99 {busy_p99:.1} ms"),
        &format!("idle: p50 {idle_median:.1} ms, p99 {idle_p99:.1} ms"),
        &format!("p99 ≤ 20 ms: {}", met(busy_p99 <= 20.0)),
    );
    Ok(())
}

/// Requests the administrator's status every 20 ms for `length`; (median, p99) in ms.
async fn probe_for(conn: &mut Connection, admin: &str, length: Duration) -> anyhow::Result<(f64, f64)> {
    let until = Instant::now() + length;
    let mut times = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    while Instant::now() < until {
        tick.tick().await;
        let t = Instant::now();
        ok(&conn.call("admin_status", &[], Some(admin)).await?, "admin_status")?;
        times.push(t.elapsed());
    }
    Ok(median_p99(&mut times))
}

//! 電子メール通知: notices written in the change's transaction (the outbox), delivered over real
//! SMTP — Debian's aiosmtpd, writing a maildir — or as .eml files, with retries, never lost and
//! never twice.

use crate::support::{change_form, free_port, until_listening, with, TestApp};
use app::ssr::db::notices::NoticeRow;
use app::ssr::operator::corporations::demo;
use app::ssr::outbox::sender::{deliver_one, SmtpConfig, Transport};
use http::StatusCode;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Debian's aiosmtpd on a loopback port, writing every accepted message into a maildir; killed
/// when dropped.
pub(crate) struct SmtpSink {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
}

impl SmtpSink {
    pub(crate) fn start(dir: &Path, port: u16) -> Self {
        Self::start_with(dir, port, "aiosmtpd.handlers.Mailbox")
    }

    /// aiosmtpd with the handler `class` (a dotted path importable from `dir`), given the maildir.
    pub(crate) fn start_with(dir: &Path, port: u16, class: &str) -> Self {
        std::fs::create_dir_all(dir).expect("dir");
        let maildir = dir.join("maildir");
        let listen = format!("127.0.0.1:{port}");
        let args = ["-m", "aiosmtpd", "-n", "-l", &listen, "-c", class].map(std::ffi::OsStr::new);
        let child = spawn_smtp(dir, port, &[&args[..], &[maildir.as_os_str()]].concat());
        Self { child, port, maildir }
    }

    /// How many messages were delivered so far.
    pub(crate) fn count(&self) -> usize {
        std::fs::read_dir(self.maildir.join("new")).map_or(0, Iterator::count)
    }

    /// Every message delivered so far, as raw text.
    pub(crate) fn messages(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(self.maildir.join("new"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files.iter().map(|f| std::fs::read_to_string(f).expect("message")).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp(port: u16) -> Transport {
    Transport::smtp(&SmtpConfig {
        url: format!("smtp://127.0.0.1:{port}"),
        user: None,
        password: None,
        ca_pem: None,
    })
    .expect("transport")
}

/// Starts `python3 script args…` (with aiosmtpd importable and `dir` on the module path) and
/// waits until it listens on `port`.
fn spawn_smtp(dir: &Path, port: u16, args: &[&std::ffi::OsStr]) -> Child {
    let child = Command::new("/usr/bin/python3")
        .args(args)
        .env("PYTHONPATH", dir)
        .spawn()
        .expect("python3-aiosmtpd (scripts/setup.sh installs it)");
    until_listening(port, 20, "aiosmtpd");
    child
}

async fn notices(app: &TestApp) -> Vec<NoticeRow> {
    let mut rows = app::ssr::db::notices::list(&app.state.db, false, 1000).await.expect("notices");
    rows.reverse();
    rows
}

/// 再発行 of `user` with `email` on file, by the demo administrator: the address is set first
/// (and the notices of that change, not what these tests are about, are cleared).
async fn reissue_with_address(app: &TestApp, admin: &str, user: &'static str, email: &'static str) {
    let form = with(with(change_form(user), "email", email), "name", "利用者 太郎");
    let saved = app.call("save_user", &form, Some(admin)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    sqlx::query("DELETE FROM notices WHERE kind = 'user_changed'")
        .execute(&app.state.db)
        .await
        .expect("clear");
    let form = with(with(form, "issue_certificate", "on"), "cert_version", "0");
    let saved = app.call("save_user", &form, Some(admin)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
}

/// The text of a message: headers as they are, a base64 or quoted-printable body decoded.
fn decoded(raw: &str) -> String {
    use base64::Engine as _;
    let (head, body) = raw.split_once("\n\n").or_else(|| raw.split_once("\r\n\r\n")).expect("body");
    let text = if head.to_ascii_lowercase().contains("content-transfer-encoding: base64") {
        let b64: String = body.split_whitespace().collect();
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).expect("base64"))
            .expect("utf-8")
    } else {
        body.to_owned()
    };
    format!("{head}\n\n{text}")
}

/// A header's value, RFC 2047 encoded words (`=?utf-8?b?…?=`) decoded, folded lines joined.
fn header(raw: &str, name: &str) -> String {
    use base64::Engine as _;
    let head = raw.split_once("\r\n\r\n").or_else(|| raw.split_once("\n\n")).expect("head").0;
    let prefix = format!("{name}: ");
    let mut lines = head.lines().skip_while(|l| !l.starts_with(&prefix));
    let first = lines.next().expect("header").trim_start_matches(&prefix);
    let folded = lines.take_while(|l| l.starts_with([' ', '\t']));
    let mut bytes = Vec::new();
    for word in std::iter::once(first).chain(folded).flat_map(str::split_whitespace) {
        let encoded = word.len() > 12
            && word.get(..10).is_some_and(|p| p.eq_ignore_ascii_case("=?utf-8?b?"))
            && word.ends_with("?=");
        if encoded {
            let text = &word[10..word.len() - 2];
            bytes.extend(base64::engine::general_purpose::STANDARD.decode(text).expect("base64"));
        } else {
            if !bytes.is_empty() {
                bytes.push(b' ');
            }
            bytes.extend(word.as_bytes());
        }
    }
    String::from_utf8(bytes).expect("utf-8")
}

/// Delivers every waiting notice to aiosmtpd and reads each back from the maildir: to its row's
/// recipient, under its Message-ID, with its subject and text, and no PIN anywhere. (Delivered as
/// of a year ahead: the reminder tests write their rows at the scan times they simulate.)
async fn assert_mailed(app: &TestApp) {
    let dir = tempfile::tempdir().expect("dir");
    let sink = SmtpSink::start(dir.path(), free_port());
    let transport = smtp(sink.port);
    let ahead = app::ssr::now() + 365 * 86_400;
    while deliver_one(&app.state, &transport, ahead).await.expect("deliver") {}
    let rows = notices(app).await;
    let messages = sink.messages();
    assert_eq!(messages.len(), rows.len(), "one message per notice");
    for row in &rows {
        assert_eq!(row.state, "sent", "{row:?}");
        let raw = messages.iter().find(|m| m.contains(&row.message_id)).expect("the row's message");
        assert_eq!(header(raw, "To"), row.recipient);
        assert_eq!(header(raw, "Subject"), row.subject);
        let text = decoded(raw);
        assert!(row.body.lines().all(|line| text.contains(line)), "{text}");
        for secret in SECRETS {
            assert!(!raw.contains(secret) && !text.contains(secret), "{secret} in {text}");
        }
    }
}

const SECRETS: [&str; 4] = [demo::USER_PIN, demo::USER_CONFIRM_PIN, demo::ADMIN_PIN, demo::ADMIN_CONFIRM_PIN];

/// 再発行 → 電子証明書発行のお知らせ, over SMTP: to the user's address, in Japanese and English,
/// with the acquisition page's URL and the window's last day, no PIN; the row is marked sent.
#[tokio::test]
async fn a_reissue_mails_the_issuance_notice_over_smtp() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    // test01 last logged on in English: the Japanese notice carries the English version.
    sqlx::query("UPDATE users SET lang = 'en' WHERE user_id = 'test01'")
        .execute(&app.state.db)
        .await
        .expect("en");
    reissue_with_address(&app, &admin, "test01", "taro@example.jp").await;
    let rows = notices(&app).await;
    assert_eq!(rows.len(), 1, "one notice, written with the reissue: {rows:?}");
    assert_eq!((rows[0].kind.as_str(), rows[0].state.as_str()), ("issuance_opened", "pending"));

    let dir = tempfile::tempdir().expect("dir");
    let sink = SmtpSink::start(dir.path(), free_port());
    let transport = smtp(sink.port);
    assert!(deliver_one(&app.state, &transport, app::ssr::now()).await.expect("deliver"));
    assert!(!deliver_one(&app.state, &transport, app::ssr::now()).await.expect("nothing more"));
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let text = decoded(&messages[0]);
    assert!(text.contains("To: taro@example.jp"), "{text}");
    assert!(text.contains(&format!("Message-ID: {}", rows[0].message_id)), "{text}");
    assert!(text.contains("Subject: =?utf-8?"), "a non-ASCII subject is encoded (RFC 2047): {text}");
    let acquire_by: i64 = sqlx::query_scalar("SELECT acquire_by FROM certificates WHERE state = 'awaiting'")
        .fetch_one(&app.state.db)
        .await
        .expect("issuance");
    for expected in [
        "利用者 太郎 様",
        "電子証明書取得: https://127.0.0.1:3000/user/acquire",
        &format!("取得期限: {}", app::time_fmt::date_time(acquire_by, app::i18n::Lang::Ja)),
        "---- English ----",
        &format!("Fetch it by: {}", app::time_fmt::date_time(acquire_by, app::i18n::Lang::En)),
        demo::NAME,
    ] {
        assert!(text.contains(expected), "{expected} missing: {text}");
    }
    for secret in SECRETS {
        assert!(!text.contains(secret) && !messages[0].contains(secret), "{secret} in the message");
    }
    assert_eq!(notices(&app).await[0].state, "sent");
}

/// A holder without an address gets no notice: removing test02's address tells only the old
/// address, and the issuance that follows in the same change tells nobody.
#[tokio::test]
async fn no_address_no_notice() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    let form = with(with(change_form("test02"), "issue_certificate", "on"), "cert_version", "0");
    let form = with(with(form, "email", ""), "name", "テスト02");
    assert_eq!(app.call("save_user", &form, Some(&admin)).await.status, StatusCode::OK);
    let told = kinds_to(&notices(&app).await);
    assert_eq!(
        told,
        [("user_changed".to_owned(), "test02@example.jp".to_owned())],
        "only the old address hears of it"
    );
}

/// The mail server down for a while: every notice is tried, kept, and delivered once it is back
/// (after its backoff), each exactly once under its own Message-ID.
#[tokio::test]
async fn smtp_down_for_a_while_loses_nothing_and_sends_nothing_twice() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    for (user, email) in [("test01", "a@example.jp"), ("test02", "b@example.jp"), ("test03", "c@example.jp")]
    {
        reissue_with_address(&app, &admin, user, email).await;
    }
    let port = free_port();
    let transport = smtp(port);
    let now = app::ssr::now();
    for _ in 0..3 {
        assert!(deliver_one(&app.state, &transport, now).await.expect("tried"));
    }
    assert!(!deliver_one(&app.state, &transport, now).await.expect("none due"), "each waits for its backoff");
    let rows = notices(&app).await;
    assert!(
        rows.iter().all(|r| r.state == "pending" && r.attempts == 1 && r.next_attempt_at > now),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| !r.last_error.is_empty()));

    let dir = tempfile::tempdir().expect("dir");
    let sink = SmtpSink::start(dir.path(), port);
    let later = now + 3600;
    while deliver_one(&app.state, &transport, later).await.expect("deliver") {}
    let messages = sink.messages();
    assert_eq!(messages.len(), 3, "each notice once");
    let mut ids: Vec<&str> =
        messages.iter().filter_map(|m| m.lines().find(|l| l.starts_with("Message-ID: "))).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "three Message-IDs");
    assert!(notices(&app).await.iter().all(|r| r.state == "sent" && r.attempts == 2));
}

/// An address the message cannot be built for fails for good (no retry); the embedded default
/// writes the others as .eml files — the bytes SMTP would carry.
#[tokio::test]
async fn a_bad_address_fails_for_good_and_files_hold_the_rest() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    reissue_with_address(&app, &admin, "test01", "taro@example.jp").await;
    sqlx::query("UPDATE notices SET recipient = 'not an address'")
        .execute(&app.state.db)
        .await
        .expect("spoil");
    reissue_with_address(&app, &admin, "test02", "jiro@example.jp").await;
    let dir = tempfile::tempdir().expect("dir");
    let transport = Transport::Files(dir.path().join("mail"));
    while deliver_one(&app.state, &transport, app::ssr::now()).await.expect("deliver") {}
    let rows = notices(&app).await;
    assert_eq!((rows[0].state.as_str(), rows[0].attempts), ("failed", 1), "{rows:?}");
    assert_eq!(rows[1].state, "sent");
    let files: Vec<_> = std::fs::read_dir(dir.path().join("mail")).expect("mail").flatten().collect();
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(files[0].path()).expect("eml");
    assert!(eml.contains("To: jiro@example.jp") && eml.contains(&rows[1].message_id), "{eml}");
    let listed = app::ssr::db::notices::list(&app.state.db, true, 10).await.expect("failed");
    assert_eq!(listed.len(), 1, "the operator's list of failed notices");
}

/// Two senders at once (as two instances would run) deliver each notice exactly once: a row is
/// claimed under the write lock.
#[tokio::test]
async fn two_senders_never_send_one_notice_twice() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    for (user, email) in [
        ("test01", "a@example.jp"),
        ("test02", "b@example.jp"),
        ("test03", "c@example.jp"),
        ("test04", "d@example.jp"),
    ] {
        reissue_with_address(&app, &admin, user, email).await;
    }
    let dir = tempfile::tempdir().expect("dir");
    let sink = SmtpSink::start(dir.path(), free_port());
    let (a, b) = (smtp(sink.port), smtp(sink.port));
    let drain = |transport: &'static Transport| {
        let state = app.state.clone();
        async move {
            let mut n = 0;
            while deliver_one(&state, transport, app::ssr::now()).await.expect("deliver") {
                n += 1;
            }
            n
        }
    };
    let (a, b): (&'static Transport, &'static Transport) = (Box::leak(Box::new(a)), Box::leak(Box::new(b)));
    let (na, nb) = tokio::join!(drain(a), drain(b));
    assert_eq!(na + nb, 4);
    assert_eq!(sink.messages().len(), 4, "each notice once");
}

/// The serving server on the data folder `d`, its notices to the mail server on `smtp_port`.
fn serve(d: &str, smtp_port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--data-dir", d, "--smtp-url", &format!("smtp://127.0.0.1:{smtp_port}")])
        .args([
            "--addr",
            &format!("127.0.0.1:{}", free_port()),
            "--cert-addr",
            &format!("127.0.0.1:{}", free_port()),
            "--ops-addr",
            "127.0.0.1:0",
        ])
        .envs(crate::support::database_env(&["--data-dir", d]))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve")
}

/// `kill -9` in the middle of a full outbox's delivery: after the restart every notice is
/// delivered; the only one that can arrive twice is the one in flight at the kill (accepted by
/// the mail server, not yet marked: sent again with its Message-ID when its lease ends). Prints
/// the figures docs/RELIABILITY.md quotes.
#[tokio::test]
async fn a_full_outbox_killed_mid_delivery_loses_nothing() {
    use app::ssr::outbox::{enqueue, sender::LEASE_SECS, Notice};
    const N: usize = 200;
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let d = data.to_str().expect("path");
    let opened = crate::support::open(&data, app::ssr::Settings::default()).await.expect("open");
    let mut tx = app::ssr::db::begin_write(&opened.state.db).await.expect("begin");
    for i in 0..N {
        let notice = Notice {
            corporation_id: None,
            kind: "test",
            recipient: format!("n{i}@example.jp"),
            subject: format!("notice {i}"),
            body: "body".to_owned(),
        };
        enqueue(&mut tx, &opened.state.settings, &notice, app::ssr::now()).await.expect("enqueue");
    }
    tx.commit().await.expect("commit");
    let sink = SmtpSink::start(dir.path(), free_port());
    let started = Instant::now();
    let mut first = serve(d, sink.port);
    while sink.count() < N / 4 {
        assert!(started.elapsed() < Duration::from_secs(60), "the sender did not deliver");
        std::thread::sleep(Duration::from_millis(5));
    }
    first.kill().expect("kill -9");
    first.wait().expect("reaped");
    let at_kill = sink.count();
    let mut second = serve(d, sink.port);
    while sink.count() < N - 1 {
        assert!(started.elapsed() < Duration::from_secs(120), "not delivered after the restart");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_secs(1));
    second.kill().expect("kill");
    second.wait().expect("reaped");
    // The row in flight at the kill, if any, is claimed again once its lease has ended.
    let transport = smtp(sink.port);
    let later = app::ssr::now() + LEASE_SECS + 1;
    let mut in_flight = 0;
    while deliver_one(&opened.state, &transport, later).await.expect("deliver") {
        in_flight += 1;
    }
    let messages = sink.messages();
    let mut ids: Vec<&str> =
        messages.iter().filter_map(|m| m.lines().find(|l| l.starts_with("Message-ID: "))).collect();
    ids.sort_unstable();
    ids.dedup();
    let twice = messages.len() - ids.len();
    println!(
        "outbox kill -9: {N} notices, killed with {at_kill} delivered, restarted: {} distinct delivered, \
         {in_flight} claimed again after its lease, {twice} delivered twice, {:.1} s in all",
        ids.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(ids.len(), N, "every notice delivered");
    assert!(twice <= 1 && in_flight <= 1, "at most the one in flight twice");
    let rows = app::ssr::db::notices::list(&opened.state.db, false, 1000).await.expect("rows");
    assert!(rows.iter().all(|r| r.state == "sent"), "every row marked sent");
}

/// `kill -9` of the server with notices waiting (the mail server down): after a restart, with the
/// mail server back, every notice is delivered, once; `server notices list` shows it sent.
#[test]
fn a_notice_waiting_at_kill_9_is_delivered_after_the_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path().join("data");
    let d = d.to_str().expect("path");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .envs(crate::support::database_env(&["--data-dir", d]))
            .output()
            .expect("run");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let contract = "43000000001";
    run(&[
        "corp",
        "create",
        "--name",
        "通知株式会社",
        "--contract-id",
        contract,
        "--email",
        "boss@example.jp",
        "--data-dir",
        d,
    ]);
    run(&["cert", "issue-admin", "--contract-id", contract, "--data-dir", d]);
    let smtp_port = free_port();
    let serve = || serve(d, smtp_port);
    let attempts = || -> String { run(&["notices", "list", "--data-dir", d]) };
    let mut first = serve();
    let started = Instant::now();
    // Killed once the attempt failed and its error is recorded, so the row is not claimed: a row
    // killed while claimed waits out its 120 s lease (`a_full_outbox_killed_mid_delivery_loses_nothing`).
    let tried = || attempts().lines().any(|l| l.contains("\t1 attempt(s)\t") && !l.ends_with('\t'));
    while !tried() {
        assert!(started.elapsed() < Duration::from_secs(60), "the sender did not try");
        std::thread::sleep(Duration::from_millis(200));
    }
    first.kill().expect("kill -9");
    first.wait().expect("reaped");
    assert!(attempts().contains("pending"), "{}", attempts());

    let sink = SmtpSink::start(dir.path(), smtp_port);
    let mut second = serve();
    let started = Instant::now();
    while sink.messages().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60), "not delivered after the restart");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(2));
    second.kill().expect("kill");
    second.wait().expect("reaped");
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "once");
    assert!(messages[0].contains("To: boss@example.jp"), "{}", messages[0]);
    assert!(decoded(&messages[0]).contains("/admin/acquire"));
    assert!(attempts().contains("\tsent\t"), "{}", attempts());
}

/// 電子証明書取得完了のお知らせ: written in the acquisition's group commit, to the user and to the
/// administrator, with the serial and the last day of validity.
#[tokio::test]
async fn an_acquisition_tells_the_user_and_the_administrator() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    reissue_with_address(&app, &admin, "test01", "taro@example.jp").await;
    let got = crate::certificates::acquire(&app, "test01", &crate::certificates::csr()).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let serial = crate::certificates::json_str(&got.body, "serial").to_ascii_uppercase();
    let rows = notices(&app).await;
    let acquired: Vec<_> = rows.iter().filter(|r| r.kind == "certificate_acquired").collect();
    let mut to: Vec<&str> = acquired.iter().map(|r| r.recipient.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, [demo::ADMIN_EMAIL, "taro@example.jp"], "{rows:?}");
    for r in &acquired {
        assert!(r.body.contains(&format!("シリアル番号: {serial}")), "{}", r.body);
        assert!(r.body.contains("お心当たりのない場合"), "{}", r.body);
        assert!(SECRETS.iter().all(|s| !r.body.contains(s)));
    }
    assert!(
        acquired.iter().any(|r| r.body.contains("利用者 利用者 太郎 様")),
        "the administrator is told whose"
    );
    assert!(
        acquired.iter().all(|r| !r.body.contains("English") && !r.subject.contains("fetched")),
        "people whose language is Japanese get Japanese only"
    );
    assert_mailed(&app).await;
}

fn kinds_to(rows: &[NoticeRow]) -> Vec<(String, String)> {
    rows.iter().map(|r| (r.kind.clone(), r.recipient.clone())).collect()
}

/// Locks: 利用停止 tells the user and the administrator; 契約法人利用中止 the administrator and the
/// bank operator.
#[tokio::test]
async fn locks_are_told_to_the_holder_the_administrator_and_the_bank() {
    let app = TestApp::with_settings(app::ssr::Settings {
        attempts_per_minute_per_account: 100,
        operator_email: "ops@bank.example".into(),
        ..app::ssr::Settings::default()
    })
    .await;
    for _ in 0..6 {
        app.call(
            "user_logon",
            &[("contract_id", demo::CONTRACT_ID), ("user_id", "test05"), ("user_pin", "Wrong1234")],
            None,
        )
        .await;
    }
    for _ in 0..6 {
        app.call("admin_logon", &[("contract_id", demo::CONTRACT_ID), ("pin", "Wrong1234")], None).await;
    }
    let told = kinds_to(&notices(&app).await);
    let expected = [
        ("user_locked", "test05@example.jp"),
        ("user_locked", demo::ADMIN_EMAIL),
        ("contract_locked", demo::ADMIN_EMAIL),
        ("contract_locked", "ops@bank.example"),
    ];
    assert_eq!(told, expected.map(|(k, r)| (k.to_owned(), r.to_owned())), "one notice each, once");
    let rows = notices(&app).await;
    assert!(rows[3].body.contains("server corp unlock --contract-id 10000000001"), "{}", rows[3].body);
    assert_mailed(&app).await;
}

/// Changes a holder must know about: the PIN change, the administrator's reset, a new address
/// (told at the old and the new one), 事故登録 (and the certificate it revokes).
#[tokio::test]
async fn changes_a_holder_must_know_about_are_told() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    let cookie = app
        .call(
            "user_logon",
            &[("contract_id", demo::CONTRACT_ID), ("user_id", "test05"), ("user_pin", demo::USER_PIN)],
            None,
        )
        .await
        .session_cookie()
        .expect("cookie");
    let change = [
        ("user_pin", "Newpin123"),
        ("user_pin_again", "Newpin123"),
        ("user_confirm_pin", "Newconf45"),
        ("user_confirm_pin_again", "Newconf45"),
        ("current_user_pin", demo::USER_PIN),
        ("current_user_confirm_pin", demo::USER_CONFIRM_PIN),
    ];
    assert_eq!(app.call("change_pins", &change, Some(&cookie)).await.status, StatusCode::OK);
    // A new address and a PIN reset in one change.
    let form = with(with(change_form("test05"), "email", "new05@example.jp"), "name", "テスト05");
    let form = with(
        with(with(form, "user_pin", "Reset1234"), "user_pin_again", "Reset1234"),
        "logon_method",
        "id_pin",
    );
    let saved = app.call("save_user", &form, Some(&admin)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    // 事故登録 of a user whose certificate is in use.
    crate::certificates::reissue(&app, &admin, "test01", "0").await;
    let got = crate::certificates::acquire(&app, "test01", &crate::certificates::csr()).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let form = with(with(change_form("test01"), "accident", "on"), "name", "テスト01");
    assert_eq!(app.call("save_user", &form, Some(&admin)).await.status, StatusCode::OK);
    // The bank revokes test02's certificate by serial (`server cert revoke --serial`).
    crate::certificates::reissue(&app, &admin, "test02", "0").await;
    let got = crate::certificates::acquire(&app, "test02", &crate::certificates::csr()).await;
    let serial = crate::certificates::json_str(&got.body, "serial").to_owned();
    let revoked = app::ssr::operator::certificates::revoke_by_serial(&app.state, &serial, 5, app::ssr::now());
    assert!(revoked.await.expect("revoke"));

    let rows = notices(&app).await;
    let told: Vec<(String, String)> = kinds_to(&rows)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("issuance") && k != "certificate_acquired")
        .collect();
    let expected = [
        ("pins_changed", "test05@example.jp"),
        ("user_changed", "new05@example.jp"),
        ("user_changed", "test05@example.jp"),
        ("user_changed", "test01@example.jp"),
        ("certificate_revoked", "test01@example.jp"),
        ("certificate_revoked", demo::ADMIN_EMAIL),
        ("certificate_revoked", "test02@example.jp"),
        ("certificate_revoked", demo::ADMIN_EMAIL),
    ];
    assert_eq!(told, expected.map(|(k, r)| (k.to_owned(), r.to_owned())));
    let reset =
        rows.iter().find(|r| r.kind == "user_changed" && r.recipient == "new05@example.jp").expect("reset");
    assert!(
        reset.body.contains("暗証番号が再設定されました")
            && reset.body.contains("メールアドレスが変更されました"),
        "{}",
        reset.body
    );
    assert!(!reset.body.contains("Reset1234"), "never the PIN");
    let revoked: Vec<_> = rows.iter().filter(|r| r.kind == "certificate_revoked").collect();
    assert!(revoked[0].body.contains("keyCompromise"), "{}", revoked[0].body);
    assert!(
        revoked[2].body.contains("cessationOfOperation")
            && revoked[2].body.contains(&serial.to_ascii_uppercase()),
        "{}",
        revoked[2].body
    );
    assert_mailed(&app).await;
}

/// 電子証明書有効期限のお知らせ: at 30 and 10 days before the end, to the holder and the
/// administrator, each once however often — or however many scans at once — run; a certificate
/// first seen inside the 10-day mark gets that notice only; an acquisition window 7 days before it
/// closes unused.
#[tokio::test]
async fn expiry_reminders_go_once_per_certificate_and_mark() {
    use app::ssr::operator::scan_reminders;
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    reissue_with_address(&app, &admin, "test01", "taro@example.jp").await;
    let got = crate::certificates::acquire(&app, "test01", &crate::certificates::csr()).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    sqlx::query("DELETE FROM notices").execute(&app.state.db).await.expect("clear");
    let not_after: i64 = sqlx::query_scalar("SELECT not_after FROM certificates WHERE state = 'issued'")
        .fetch_one(&app.state.db)
        .await
        .expect("issued");
    let day = 86_400;
    assert_eq!(scan_reminders(&app.state, not_after - 40 * day).await.expect("scan"), 0);
    let at_29 = not_after - 29 * day;
    let (a, b) = tokio::join!(scan_reminders(&app.state, at_29), scan_reminders(&app.state, at_29));
    assert_eq!(a.expect("scan") + b.expect("scan"), 1, "two scans at once: one reminder");
    assert_eq!(scan_reminders(&app.state, at_29 + 3600).await.expect("again"), 0);
    assert_eq!(scan_reminders(&app.state, not_after - 9 * day).await.expect("10 days"), 1);
    assert_eq!(scan_reminders(&app.state, not_after - 8 * day).await.expect("again"), 0);
    let told = kinds_to(&notices(&app).await);
    let expected = [
        ("certificate_expiring", "taro@example.jp"),
        ("certificate_expiring", demo::ADMIN_EMAIL),
        ("certificate_expiring", "taro@example.jp"),
        ("certificate_expiring", demo::ADMIN_EMAIL),
    ];
    assert_eq!(told, expected.map(|(k, r)| (k.to_owned(), r.to_owned())));
    let rows = notices(&app).await;
    let date = app::time_fmt::date_time(not_after, app::i18n::Lang::Ja);
    assert!(rows[0].body.contains(&format!("有効期限は {date} です")), "{}", rows[0].body);

    // Seen for the first time 5 days before the end: the 10-day notice only.
    sqlx::query("DELETE FROM notice_marks").execute(&app.state.db).await.expect("forget");
    sqlx::query("DELETE FROM notices").execute(&app.state.db).await.expect("clear");
    assert_eq!(scan_reminders(&app.state, not_after - 5 * day).await.expect("late"), 1);
    assert_eq!(notices(&app).await.len(), 2);

    // An issuance waiting: reminded 7 days before its window closes.
    sqlx::query("DELETE FROM notices").execute(&app.state.db).await.expect("clear");
    reissue_with_address(&app, &admin, "test02", "jiro@example.jp").await;
    sqlx::query("DELETE FROM notices").execute(&app.state.db).await.expect("clear");
    let acquire_by: i64 = sqlx::query_scalar("SELECT acquire_by FROM certificates WHERE state = 'awaiting'")
        .fetch_one(&app.state.db)
        .await
        .expect("awaiting");
    assert_eq!(scan_reminders(&app.state, acquire_by - 8 * day).await.expect("early"), 0);
    assert_eq!(scan_reminders(&app.state, acquire_by - 6 * day).await.expect("window"), 1);
    let told = kinds_to(&notices(&app).await);
    assert_eq!(told[0], ("acquisition_window_closing".to_owned(), "jiro@example.jp".to_owned()));
    assert_mailed(&app).await;
}

/// 通知履歴: the administrator sees the notices to its own corporation's people, newest first.
#[tokio::test]
async fn the_administrator_sees_its_own_notices() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    reissue_with_address(&app, &admin, "test01", "taro@example.jp").await;
    let page = app.call("notice_history", &[("page", "1")], Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let listed: serde_json::Value = serde_json::from_str(&page.body).expect("json");
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(listed["entries"][0]["recipient"], "taro@example.jp");
    assert_eq!(listed["entries"][0]["state"], "pending");
    assert!(listed["entries"][0]["subject"].as_str().is_some_and(|s| s.contains("電子証明書発行のお知らせ")));
    let other = app.other_admin_cookie().await;
    let theirs = app.call("notice_history", &[("page", "1")], Some(&other)).await;
    assert!(theirs.body.contains(r#""total":0"#), "another corporation sees none: {}", theirs.body);
}

/// 管理者メールアドレス変更: with the 契約法人確認暗証番号; a bad address or a wrong PIN changes
/// nothing; the old and the new address are told.
#[tokio::test]
async fn the_administrator_changes_its_own_address() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    let change = |email: &'static str, pin: &'static str| {
        let admin = admin.clone();
        let app = &app;
        async move {
            app.call("change_admin_email", &[("email", email), ("admin_confirm_pin", pin)], Some(&admin))
                .await
        }
    };
    let bad = change("not-an-address", demo::ADMIN_CONFIRM_PIN).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains(r#""field":"email""#), "{}", bad.body);
    let wrong = change("kanri@example.jp", "Wrong1234").await;
    assert!(wrong.body.contains(r#""field":"admin_confirm_pin","problem":"wrong""#), "{}", wrong.body);
    assert!(notices(&app).await.is_empty(), "nothing changed");
    let done = change("kanri@example.jp", demo::ADMIN_CONFIRM_PIN).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.location(), Some("/admin/status?done=email"));
    let status = app.call("admin_status", &[], Some(&admin)).await;
    assert!(status.body.contains(r#""admin_email":"kanri@example.jp""#), "{}", status.body);
    let told = kinds_to(&notices(&app).await);
    let expected = [("admin_email_changed", "kanri@example.jp"), ("admin_email_changed", demo::ADMIN_EMAIL)];
    assert_eq!(told, expected.map(|(k, r)| (k.to_owned(), r.to_owned())));
    assert!(app.audit_actions().await.iter().any(|(a, o, _)| a == "admin_email_change" && o == "success"));
    assert_mailed(&app).await;
}

/// An address the mail server refuses for good (550) is marked failed at once and never tried
/// again; the next notice goes on.
#[tokio::test]
async fn a_permanent_smtp_refusal_fails_the_notice_for_good() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    reissue_with_address(&app, &admin, "test01", "nobody@example.jp").await;
    reissue_with_address(&app, &admin, "test02", "jiro@example.jp").await;
    let dir = tempfile::tempdir().expect("dir");
    // aiosmtpd with a handler of our own: 550 for nobody@, the maildir for everyone else.
    std::fs::write(
        dir.path().join("refusing.py"),
        "from aiosmtpd.handlers import Mailbox\n\
         class Refusing(Mailbox):\n\
         \x20   async def handle_RCPT(self, server, session, envelope, address, rcpt_options):\n\
         \x20       if address.startswith('nobody@'):\n\
         \x20           return '550 5.1.1 no such user'\n\
         \x20       envelope.rcpt_tos.append(address)\n\
         \x20       return '250 OK'\n",
    )
    .expect("handler");
    let sink = SmtpSink::start_with(dir.path(), free_port(), "refusing.Refusing");
    let transport = smtp(sink.port);
    while deliver_one(&app.state, &transport, app::ssr::now()).await.expect("deliver") {}
    drop(sink);
    let rows = notices(&app).await;
    assert_eq!(
        (rows[0].recipient.as_str(), rows[0].state.as_str(), rows[0].attempts),
        ("nobody@example.jp", "failed", 1),
        "{rows:?}"
    );
    assert!(rows[0].last_error.contains("550"), "{}", rows[0].last_error);
    assert_eq!(rows[1].state, "sent");
    assert!(
        !deliver_one(&app.state, &transport, app::ssr::now() + 86_400).await.expect("none"),
        "never again"
    );
}

/// A logon remembers its language (the page's `lang` cookie) as the person's: the notices that
/// follow carry the English version for an English logon, Japanese only otherwise.
#[tokio::test]
async fn the_language_of_the_last_logon_is_the_notices_language() {
    let app = TestApp::new().await;
    let logon = |pin: &'static str, cookie: Option<&'static str>| {
        let app = &app;
        async move {
            let form = [("contract_id", demo::CONTRACT_ID), ("user_id", "test05"), ("user_pin", pin)];
            app.call("user_logon", &form, cookie).await.session_cookie().expect("cookie")
        }
    };
    let change = |cookie: String, from: (&'static str, &'static str), to: (&'static str, &'static str)| {
        let app = &app;
        async move {
            let form = [
                ("user_pin", to.0),
                ("user_pin_again", to.0),
                ("user_confirm_pin", to.1),
                ("user_confirm_pin_again", to.1),
                ("current_user_pin", from.0),
                ("current_user_confirm_pin", from.1),
            ];
            let cookie = format!("{cookie}; lang=ja");
            assert_eq!(app.call("change_pins", &form, Some(&cookie)).await.status, StatusCode::OK);
        }
    };
    let english = logon(demo::USER_PIN, Some("lang=en")).await;
    change(english, (demo::USER_PIN, demo::USER_CONFIRM_PIN), ("Second123", "Secondc45")).await;
    let japanese = logon("Second123", None).await;
    change(japanese, ("Second123", "Secondc45"), ("Third1234", "Thirdc567")).await;
    let rows = notices(&app).await;
    assert_eq!(rows.len(), 2);
    assert!(
        rows[0].body.contains("---- English ----") && rows[0].subject.contains("Your PINs were changed"),
        "{}",
        rows[0].body
    );
    assert!(!rows[1].body.contains("English") && !rows[1].subject.contains("PINs"), "{}", rows[1].body);
    assert_mailed(&app).await;
}

/// Header injection cannot reach a header: a recipient with CR/LF is no address (failed for good),
/// and CR/LF in a subject stays inside the encoded Subject.
#[tokio::test]
async fn cr_lf_never_reaches_a_header() {
    let app = TestApp::new().await;
    let mut tx = app::ssr::db::begin_write(&app.state.db).await.expect("begin");
    for (recipient, subject) in [
        ("a@example.jp\r\nBcc: evil@example.com", "ok"),
        ("b@example.jp", "件名\r\nBcc: evil@example.com"),
        ("c@example.jp", "subject\r\nBcc: evil@example.com"),
    ] {
        let notice = app::ssr::outbox::Notice {
            corporation_id: None,
            kind: "test",
            recipient: recipient.to_owned(),
            subject: subject.to_owned(),
            body: "body\r\n.\r\nBcc: evil@example.com".to_owned(),
        };
        app::ssr::outbox::enqueue(&mut tx, &app.state.settings, &notice, app::ssr::now())
            .await
            .expect("enqueue");
    }
    tx.commit().await.expect("commit");
    let dir = tempfile::tempdir().expect("dir");
    let transport = Transport::Files(dir.path().join("mail"));
    while deliver_one(&app.state, &transport, app::ssr::now()).await.expect("deliver") {}
    let rows = notices(&app).await;
    assert_eq!(rows.iter().map(|r| r.state.as_str()).collect::<Vec<_>>(), ["failed", "sent", "sent"]);
    for file in std::fs::read_dir(dir.path().join("mail")).expect("mail").flatten() {
        let eml = std::fs::read_to_string(file.path()).expect("eml");
        let head = eml.split("\r\n\r\n").next().expect("head");
        assert!(!head.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc:")), "{eml}");
    }
}

/// A relay of the bank's own that demands STARTTLS and a password (aiosmtpd with a certificate of
/// a private CA, AUTH only after TLS): with `?tls=required` and that CA trusted, the notice goes
/// over TLS with the password; a wrong password fails it for good (535); a relay that offers no
/// STARTTLS gets nothing (kept for a retry), and an untrusted certificate neither.
#[tokio::test]
async fn starttls_and_a_password_towards_a_relay_that_demands_them() {
    let app = TestApp::new().await;
    let admin = app.demo_admin_cookie().await;
    for (user, email) in [("test01", "a@example.jp"), ("test02", "b@example.jp"), ("test03", "c@example.jp")]
    {
        reissue_with_address(&app, &admin, user, email).await;
    }
    let dir = tempfile::tempdir().expect("dir");
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name.push(rcgen::DnType::CommonName, "Bank mail CA");
    let ca_pem = ca.self_signed(&ca_key).expect("CA").pem();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().expect("key");
    let relay = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("params")
        .signed_by(&key, &issuer)
        .expect("relay certificate");
    std::fs::write(dir.path().join("relay.crt"), relay.pem()).expect("cert");
    std::fs::write(dir.path().join("relay.key"), key.serialize_pem()).expect("key");
    std::fs::write(
        dir.path().join("relay.py"),
        "import ssl, sys, time\n\
         from aiosmtpd.controller import Controller\n\
         from aiosmtpd.handlers import Mailbox\n\
         from aiosmtpd.smtp import AuthResult, LoginPassword\n\
         port, maildir, cert, key = sys.argv[1:]\n\
         context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)\n\
         context.load_cert_chain(cert, key)\n\
         def check(server, session, envelope, mechanism, data):\n\
         \x20   right = LoginPassword(b'notices', b'relay-secret')\n\
         \x20   return AuthResult(success=session.ssl is not None and data == right, handled=False)\n\
         Controller(Mailbox(maildir), hostname='127.0.0.1', port=int(port), tls_context=context,\n\
         \x20   require_starttls=True, authenticator=check, auth_require_tls=True).start()\n\
         while True:\n\
         \x20   time.sleep(3600)\n",
    )
    .expect("relay");
    let port = free_port();
    let maildir = dir.path().join("maildir");
    let args = [
        dir.path().join("relay.py").into_os_string(),
        port.to_string().into(),
        maildir.clone().into_os_string(),
        dir.path().join("relay.crt").into_os_string(),
        dir.path().join("relay.key").into_os_string(),
    ];
    let mut relay =
        spawn_smtp(dir.path(), port, &args.iter().map(std::ffi::OsString::as_os_str).collect::<Vec<_>>());
    let transport = |password: &str, ca: Option<&str>| {
        Transport::smtp(&SmtpConfig {
            url: format!("smtp://127.0.0.1:{port}?tls=required"),
            user: Some("notices".to_owned()),
            password: Some(app::ssr::secret::Pin::new(password.to_owned())),
            ca_pem: ca.map(|pem| pem.as_bytes().to_vec()),
        })
        .expect("transport")
    };
    let now = app::ssr::now();
    // The relay's certificate is not trusted without its CA: nothing sent, kept for a retry.
    assert!(deliver_one(&app.state, &transport("relay-secret", None), now).await.expect("tried"));
    // A wrong password: refused for good.
    assert!(deliver_one(&app.state, &transport("wrong", Some(&ca_pem)), now).await.expect("tried"));
    // The right one, over TLS.
    assert!(deliver_one(&app.state, &transport("relay-secret", Some(&ca_pem)), now).await.expect("tried"));
    let _ = relay.kill();
    let _ = relay.wait();
    let rows = notices(&app).await;
    assert_eq!(
        rows.iter().map(|r| r.state.as_str()).collect::<Vec<_>>(),
        ["pending", "failed", "sent"],
        "{rows:?}"
    );
    assert!(rows[0].last_error.to_lowercase().contains("certificate"), "{}", rows[0].last_error);
    assert!(rows[1].last_error.contains("535"), "{}", rows[1].last_error);
    let delivered: Vec<_> = std::fs::read_dir(maildir.join("new")).expect("maildir").flatten().collect();
    assert_eq!(delivered.len(), 1);
    let message = std::fs::read_to_string(delivered[0].path()).expect("message");
    assert!(message.contains("To: c@example.jp") && message.contains(&rows[2].message_id), "{message}");

    // A relay without STARTTLS: with TLS required nothing goes in clear, the notice waits.
    let plain = SmtpSink::start(&dir.path().join("plain"), free_port());
    let retry = now + 3600;
    let required = Transport::smtp(&SmtpConfig {
        url: format!("smtp://127.0.0.1:{}?tls=required", plain.port),
        user: None,
        password: None,
        ca_pem: None,
    })
    .expect("transport");
    assert!(deliver_one(&app.state, &required, retry).await.expect("tried"));
    assert!(plain.messages().is_empty(), "nothing in clear");
    let rows = notices(&app).await;
    assert_eq!((rows[0].state.as_str(), rows[0].attempts), ("pending", 2), "{rows:?}");
    assert!(rows[0].last_error.contains("STARTTLS"), "{}", rows[0].last_error);
}

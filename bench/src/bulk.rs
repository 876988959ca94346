//! P10, the administrator's bulk work through the real router in-process: 利用者一括登録 of 99
//! users (upload, report, registration, result), beside the 198 Argon2id hashes of their
//! provisional PINs alone; and the CSV export of an audit log of 100,000 records, beside the
//! database read of those records alone.

use crate::harness::{corporation, instance, median_p99, row, ADMIN_PIN, CONFIRM_PIN};
use crate::list::post;
use app::ssr::audit::{record_all, Actor};
use axum::body::Body;
use http_body_util::BodyExt;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const ORIGIN: &str = "https://127.0.0.1:3000";

/// Sends a request through the router; returns its status, `Location` and body.
async fn send(
    router: &axum::Router,
    req: http::Request<Body>,
) -> anyhow::Result<(u16, Option<String>, Vec<u8>)> {
    let res = router.clone().oneshot(req).await?;
    let status = res.status().as_u16();
    let location = res.headers().get(http::header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    Ok((status, location, res.into_body().collect().await?.to_bytes().to_vec()))
}

/// The administrator's session on `router` for `contract`.
async fn logon(router: &axum::Router, contract: &str) -> anyhow::Result<String> {
    let (status, body, cookie) =
        post(router, "admin_logon", &format!("contract_id={contract}&pin={ADMIN_PIN}"), None).await?;
    anyhow::ensure!(status == 200, "admin_logon: {status} {}", String::from_utf8_lossy(&body));
    cookie.ok_or_else(|| anyhow::anyhow!("no session cookie"))
}

/// 利用者一括登録's file of `count` users in the template's columns, as Excel saves it.
fn import_file(count: usize) -> Vec<u8> {
    let header = app::ssr::admin::import::columns(app::i18n::Lang::Ja).join(",");
    let lines = (0..count).map(|i| {
        format!("imp{i:05},一括 利用者{i},imp{i:05}@example.jp,電子証明書方式,○,○,○,-,-,-,-,-,-,-,○\r\n")
    });
    let text: String = std::iter::once(format!("\u{feff}{header}\r\n")).chain(lines).collect();
    text.into_bytes()
}

/// One whole 利用者一括登録 of `file` for `contract`: upload, report, registration, result.
async fn import(router: &axum::Router, cookie: &str, file: &[u8], count: usize) -> anyhow::Result<()> {
    let boundary = "----bizdirect-bench";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"users.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = http::Request::post("/admin/users/import/upload")
        .header(http::header::HOST, "127.0.0.1:3000")
        .header(http::header::ORIGIN, ORIGIN)
        .header(http::header::COOKIE, cookie)
        .header(http::header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))?;
    let (status, location, _) = send(router, req).await?;
    let key = location
        .as_deref()
        .and_then(|l| l.strip_prefix("/admin/users/import?upload="))
        .ok_or_else(|| anyhow::anyhow!("upload: {status} {location:?}"))?
        .to_owned();
    let (status, body, _) = post(router, "checked_upload", &format!("upload={key}"), Some(cookie)).await?;
    let report: serde_json::Value = serde_json::from_slice(&body)?;
    anyhow::ensure!(
        status == 200 && report["lines"].as_array().map(Vec::len) == Some(count),
        "report: {status} {report}"
    );
    let (status, body, _) =
        post(router, "import_users", &format!("upload={key}&admin_confirm_pin={CONFIRM_PIN}"), Some(cookie))
            .await?;
    anyhow::ensure!(status == 200, "import_users: {status} {}", String::from_utf8_lossy(&body));
    let (status, body, _) = post(router, "import_result", &format!("upload={key}"), Some(cookie)).await?;
    let shown: serde_json::Value = serde_json::from_slice(&body)?;
    anyhow::ensure!(status == 200 && shown.as_array().map(Vec::len) == Some(count), "result: {status}");
    Ok(())
}

pub async fn bulk(users: usize, records: usize, runs: usize) -> anyhow::Result<()> {
    let inst = instance().await?;
    let options =
        leptos::config::LeptosOptions::builder().output_name("bizdirect").site_root("target/site").build();
    let router = server::router::build(inst.state.clone(), options);

    // 利用者一括登録: each run into a corporation of its own, empty, whose limit is `users`.
    let file = import_file(users);
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut hashing: Vec<Duration> = Vec::with_capacity(runs);
    for run in 0..runs {
        let contract = format!("9300000{run:04}");
        corporation(&inst.state, &contract, i64::try_from(users)?).await?;
        let cookie = logon(&router, &contract).await?;
        let t = Instant::now();
        import(&router, &cookie, &file, users).await?;
        times.push(t.elapsed());
        // The reference: the provisional PINs' hashes alone, as the registration makes them.
        let pins: Vec<_> = (0..users * 2).map(|_| app::ssr::secret::Pin::generate()).collect();
        let t = Instant::now();
        futures::future::try_join_all(pins.iter().map(|pin| inst.state.pins.hash(pin))).await?;
        hashing.push(t.elapsed());
    }
    let (median, p99) = median_p99(&mut times);
    let (hash_median, _) = median_p99(&mut hashing);
    row(
        "P10",
        &format!("利用者一括登録 of {users} users (upload, report, registration with {} PIN hashes, result), {runs} runs", users * 2),
        &format!("p50 {median:.0} ms, p99 {p99:.0} ms"),
        &format!("the {} Argon2id hashes alone p50 {hash_median:.0} ms", users * 2),
        &format!("{:.0} % hashing", hash_median / median * 100.0),
    );

    // The audit log's CSV export: one corporation with `records` records.
    let contract = "93100000001";
    let corporation_id = corporation(&inst.state, contract, 10).await?;
    let name = format!("admin:{contract}");
    let actor = Actor { name: &name, corporation_id: Some(corporation_id), client_addr: "192.0.2.1" };
    let detail = "changed=name,online name=テスト01 email=test01@example.jp logon_method=certificate online=1111111 file=000 accident=false";
    let now = app::ssr::now();
    for chunk in 0..records.div_ceil(1000) {
        let n = 1000.min(records - chunk * 1000);
        let events: Vec<_> = (0..n).map(|_| (actor.did("user_change", "test01", detail), now)).collect();
        let mut tx = app::ssr::db::begin_write(&inst.state.db).await?;
        record_all(&mut tx, &events).await?;
        tx.commit().await?;
    }
    let cookie = logon(&router, contract).await?;
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut reads: Vec<Duration> = Vec::with_capacity(runs);
    let mut size = 0;
    for _ in 0..runs {
        let req = http::Request::get("/admin/audit.csv")
            .header(http::header::HOST, "127.0.0.1:3000")
            .header(http::header::COOKIE, &cookie)
            .body(Body::empty())?;
        let t = Instant::now();
        let (status, _, body) = send(&router, req).await?;
        times.push(t.elapsed());
        anyhow::ensure!(status == 200, "audit.csv: {status}");
        size = body.len();
        let lines = String::from_utf8_lossy(&body).matches('\n').count();
        anyhow::ensure!(lines > records, "audit.csv has {lines} lines for {records} records");
        // The reference: the same records read from the database alone.
        let search = app::ssr::db::audit::Search::default();
        let t = Instant::now();
        let rows =
            app::ssr::db::audit::page_search(&inst.state.db, corporation_id, &search, i64::MAX, 0).await?;
        reads.push(t.elapsed());
        anyhow::ensure!(rows.len() > records, "read {} records", rows.len());
    }
    let (median, p99) = median_p99(&mut times);
    let (read_median, _) = median_p99(&mut reads);
    row(
        "P10",
        &format!("操作履歴照会 CSV export of {records} records ({} MB), {runs} runs", size / 1_000_000),
        &format!("p50 {median:.0} ms, p99 {p99:.0} ms"),
        &format!("the records' database read alone p50 {read_median:.0} ms"),
        &format!("{:.0} % reading", read_median / median * 100.0),
    );
    Ok(())
}

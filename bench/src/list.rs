//! P5, server half: 利用者情報選択's server function (`list_users`) for a corporation of 10,000
//! users, through the real router in-process (routing, session check, query, JSON); and P9,
//! 電子証明書一覧 (`certificate_list`) on the same certificates.

use crate::harness::{corporation, instance, median_p99, met, open_issuances, row, users, ADMIN_PIN};
use axum::body::Body;
use http_body_util::BodyExt;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const CONTRACT: &str = "92000000001";
const ORIGIN: &str = "https://127.0.0.1:3000";

pub async fn post(
    router: &axum::Router,
    endpoint: &str,
    form: &str,
    cookie: Option<&str>,
) -> anyhow::Result<(u16, Vec<u8>, Option<String>)> {
    let mut req = http::Request::post(format!("/api/{endpoint}"))
        .header(http::header::HOST, "127.0.0.1:3000")
        .header(http::header::ORIGIN, ORIGIN)
        .header(http::header::ACCEPT, "application/json")
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header(http::header::COOKIE, c);
    }
    let res = router.clone().oneshot(req.body(Body::from(form.to_owned()))?).await?;
    let status = res.status().as_u16();
    let cookie = res
        .headers()
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .find(|c| c.starts_with("__Host-bizdirect-session=") && !c.ends_with('='));
    let body = res.into_body().collect().await?.to_bytes().to_vec();
    Ok((status, body, cookie))
}

pub async fn list(count: usize, runs: usize) -> anyhow::Result<()> {
    let inst = instance().await?;
    let id = corporation(&inst.state, CONTRACT, 9999).await?;
    users(&inst.state, id, count).await?;
    // Every user has a live certificate row (awaiting acquisition): the 電子証明書 column's join.
    open_issuances(&inst.state, id, CONTRACT).await?;
    let options =
        leptos::config::LeptosOptions::builder().output_name("bizdirect").site_root("target/site").build();
    let router = server::router::build(inst.state.clone(), options);
    let (status, body, cookie) =
        post(&router, "admin_logon", &format!("contract_id={CONTRACT}&pin={ADMIN_PIN}"), None).await?;
    anyhow::ensure!(status == 200, "admin_logon: {status} {}", String::from_utf8_lossy(&body));
    let cookie = cookie.ok_or_else(|| anyhow::anyhow!("no session cookie"))?;
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let (status, body, _) = post(&router, "list_users", "", Some(&cookie)).await?;
        times.push(t.elapsed());
        anyhow::ensure!(status == 200, "list_users: {status}");
        bytes = body.len();
        let listed: serde_json::Value = serde_json::from_slice(&body)?;
        let n = listed["users"].as_array().map_or(0, Vec::len);
        anyhow::ensure!(n == count, "list_users returned {n} users, expected {count}");
    }
    let (median, p99) = median_p99(&mut times);
    row(
        "P5",
        &format!("list_users server function, {count} users ({} KB JSON), {runs} runs", bytes / 1024),
        &format!("p50 {median:.1} ms, p99 {p99:.1} ms"),
        "—",
        &format!("median ≤ 50 ms: {}", met(median <= 50.0)),
    );
    // P9: 電子証明書一覧 on the same certificates (one live issuance per user), filtered and
    // sorted, its first page, beside list_users of this run (the same rows read and serialised).
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let filter = "page=1&state=awaiting&sort=holder&order=asc";
    for _ in 0..runs {
        let t = Instant::now();
        let (status, body, _) = post(&router, "certificate_list", filter, Some(&cookie)).await?;
        times.push(t.elapsed());
        anyhow::ensure!(status == 200, "certificate_list: {status}");
        let listed: serde_json::Value = serde_json::from_slice(&body)?;
        anyhow::ensure!(
            listed["total"] == count,
            "certificate_list found {}, expected {count}",
            listed["total"]
        );
    }
    let (list_median, list_p99) = median_p99(&mut times);
    row(
        "P9",
        &format!("certificate_list (電子証明書一覧) at {count} certificates, filtered and sorted, page 1, {runs} runs"),
        &format!("p50 {list_median:.1} ms, p99 {list_p99:.1} ms"),
        &format!("list_users p50 {median:.1} ms"),
        "—",
    );
    Ok(())
}

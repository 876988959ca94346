//! P8: the operations listener's `/metrics` at bank scale — what a scrape reads from the database
//! (certificates by state, those ending within 30 days and the earliest `notAfter` per
//! corporation, the CRL, the outbox) for 10,000 corporations, in-process.

use crate::harness::{instance, median_p99, met, row};
use std::time::{Duration, Instant};

pub async fn scrape(corporations: usize, runs: usize) -> anyhow::Result<()> {
    let inst = instance().await?;
    app::ssr::bench::corporations_with_certificates(&inst.state, corporations, 4).await?;
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let text = app::ssr::operator::ops::snapshot(&inst.state, app::ssr::now()).await?;
        times.push(t.elapsed());
        bytes = text.len();
        let series = text
            .lines()
            .filter(|l| l.starts_with("bizdirect_certificate_earliest_not_after_seconds{"))
            .count();
        anyhow::ensure!(
            series == corporations,
            "{series} corporations in the scrape, expected {corporations}"
        );
    }
    let (median, p99) = median_p99(&mut times);
    row(
        "P8",
        &format!(
            "/metrics scrape, database part: {corporations} corporations, {} certificates ({} KB of text), {runs} runs",
            corporations * 5,
            bytes / 1024
        ),
        &format!("p50 {median:.1} ms, p99 {p99:.1} ms"),
        "—",
        &format!("median ≤ 1 s (a 30 s scrape interval): {}", met(median <= 1000.0)),
    );
    Ok(())
}

//! 再発行 in a corporation that has already revoked many certificates. A revocation re-signs its
//! corporation's CRL in the same transaction (SPEC §5: "re-signed on every revocation"), so its
//! cost follows that CRL's length: this prints it beside the CRL's re-signing alone, for
//! `revoked` revoked certificates of one corporation (all still valid, so all listed). A 再発行 takes the entries of the CRL before it from memory;
//! the re-signing alone reads every entry from the database, as at start or on schedule.

use crate::harness::{csrs, instance, median_p99, row};
use crate::issuance::{holders, issue_all};
use app::ssr::bench as domain;
use std::sync::Arc;
use std::time::Instant;

pub async fn revocation(revoked: usize, runs: usize) -> anyhow::Result<()> {
    let inst = instance().await?;
    let state = &inst.state;
    let contract_id = "90000000003";
    let holders = Arc::new(holders(state, contract_id, revoked + runs).await?);
    issue_all(state, &holders, &Arc::new(csrs(256)?), 512).await?;

    // Setup: the first `revoked` certificates revoked in one transaction, the CRL signed once.
    domain::revoke_all(state, &holders[..revoked]).await.map_err(|e| anyhow::anyhow!("revoke: {e:?}"))?;

    let mut reissues = Vec::with_capacity(runs);
    let mut crls = Vec::with_capacity(runs);
    for h in &holders[revoked..] {
        let t = Instant::now();
        domain::reissue(state, h).await.map_err(|e| anyhow::anyhow!("再発行: {e:?}"))?;
        reissues.push(t.elapsed());

        let t = Instant::now();
        domain::resign_crl(state, holders[0].corporation_id())
            .await
            .map_err(|e| anyhow::anyhow!("CRL: {e:?}"))?;
        crls.push(t.elapsed());
    }
    let size =
        app::ssr::pki::crl::current(&state.db, holders[0].corporation_id()).await?.map_or(0, |der| der.len());
    let listed = revoked + runs;
    for (what, samples) in [
        (
            "再発行 of a certificate (revoke, re-sign the CRL from the last one's entries kept in memory, open the issuance, audit; one commit)",
            &mut reissues,
        ),
        (
            "the CRL's re-signing alone, every entry read from the database (as at start, on schedule, or after another instance signed; one commit)",
            &mut crls,
        ),
    ] {
        let (median, p99) = median_p99(samples);
        row(
            "P2",
            &format!("{what}, {runs} runs"),
            &format!("median {median:.1} ms, p99 {p99:.1} ms"),
            &format!("CRL of up to {listed} revoked certificates, {size} B"),
            "—",
        );
    }
    Ok(())
}

//! 再発行 on a CA that has already revoked many certificates. A revocation re-signs the CRL in the
//! same transaction (SPEC §5: "re-signed on every revocation"), so its cost follows the CRL's
//! length: this prints it beside the CRL's re-signing alone, for `revoked` revoked certificates
//! (all still valid, so all listed). A 再発行 takes the entries of the CRL before it from memory;
//! the re-signing alone reads every entry from the database, as at start or on schedule.

use super::issuance::{holders, issue_all};
use super::{csrs, instance, median_p99, row};
use app::ssr::certificates::{self, reason, Actor, Holder};
use app::ssr::db;
use std::sync::Arc;
use std::time::Instant;

pub async fn revocation(revoked: usize, runs: usize) -> anyhow::Result<()> {
    let inst = instance().await?;
    let state = &inst.state;
    let contract_id = "90000000003";
    let holders = Arc::new(holders(state, contract_id, revoked + runs).await?);
    issue_all(state, &holders, &Arc::new(csrs(256)?), 512).await?;
    let corporation_id = holders[0].corp.id;

    // Setup: the first `revoked` certificates revoked in one transaction, the CRL signed once.
    let now = app::ssr::now();
    let mut tx = db::begin_write(&state.db).await?;
    for h in &holders[..revoked] {
        let user_pk = h.user.as_ref().map(|u| u.id);
        db::certificates::revoke_live(&mut tx, corporation_id, user_pk, reason::SUPERSEDED, now).await?;
    }
    certificates::refresh_crl(&mut tx, state, None, now).await.map_err(|e| anyhow::anyhow!("CRL: {e:?}"))?;
    tx.commit().await?;

    let admin = format!("admin:{contract_id}");
    let actor = Actor { name: &admin, corporation_id, client_addr: "bench" };
    let mut reissues = Vec::with_capacity(runs);
    let mut crls = Vec::with_capacity(runs);
    for h in &holders[revoked..] {
        let user = h.user.as_ref().ok_or_else(|| anyhow::anyhow!("holder without a user"))?;
        let t = Instant::now();
        let mut tx = db::begin_write(&state.db).await?;
        let live = db::certificates::live(&mut tx, corporation_id, Some(user.id)).await?.map_or(0, |c| c.id);
        let holder = Holder { name: &user.user_id, user_pk: Some(user.id) };
        certificates::reissue(&mut tx, state, &actor, holder, live, false, app::ssr::now())
            .await
            .map_err(|e| anyhow::anyhow!("再発行: {e:?}"))?;
        tx.commit().await?;
        reissues.push(t.elapsed());

        let t = Instant::now();
        let mut tx = db::begin_write(&state.db).await?;
        certificates::refresh_crl(&mut tx, state, None, app::ssr::now())
            .await
            .map_err(|e| anyhow::anyhow!("CRL: {e:?}"))?;
        tx.commit().await?;
        crls.push(t.elapsed());
    }
    let size = db::certificates::crl(&state.db).await?.map_or(0, |c| c.der.len());
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

//! `server check`: every invariant of a data folder, each violation reported.
//!
//! - serial numbers are never reused;
//! - a holder has at most one live certificate (awaiting acquisition or issued);
//! - every CRL partition a certificate names has a CRL; each CRL is signed by the CA and not
//!   expired, and lists every revoked certificate of its partition that had not expired when it
//!   was signed;
//! - every issued certificate verifies against the CA and carries the serial on record;
//! - the audit chain is intact;
//! - no issuance and no certificate exists without its audit record;
//! - every stored TOTP secret opens under this server's key, for its own holder.

use crate::ssr::pki::crl::partition_of;
use crate::ssr::{audit, db, AppState};
use std::collections::{BTreeSet, HashMap, HashSet};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::revocation_list::CertificateRevocationList;

/// One broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub invariant: &'static str,
    pub detail: String,
}

/// What was looked at, for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    pub certificates: i64,
    pub audit_records: i64,
    /// CRLs (partitions) checked.
    pub crls: i64,
}

fn violation(invariant: &'static str, detail: impl Into<String>) -> Violation {
    Violation { invariant, detail: detail.into() }
}

/// How many TOTP secrets are stored (sealed): a server that finds no key file must not make a
/// new key while there are any, or they could never be opened again.
pub async fn sealed_secrets(state: &AppState) -> Result<usize, sqlx::Error> {
    Ok(db::second_factor::all_sealed(&state.db).await?.len())
}

/// Runs every check; an empty list means all hold.
pub async fn run(state: &AppState, now: i64) -> Result<(Checked, Vec<Violation>), sqlx::Error> {
    let pool = &state.db;
    let mut found = Vec::new();
    for serial in db::check::repeated_serials(pool).await? {
        found.push(violation("serials are unique", format!("serial {serial} is used more than once")));
    }
    for (corp, user, n) in db::check::holders_with_several_live(pool).await? {
        let holder = if user == 0 { "the administrator".to_owned() } else { format!("user row {user}") };
        found.push(violation(
            "one live certificate per holder",
            format!("corporation {corp}, {holder}: {n} live"),
        ));
    }

    let ca_der = state.pki.ca.cert_der();
    let ca = X509Certificate::from_der(ca_der).map(|(_, c)| c);
    let Ok(ca) = ca else {
        found.push(violation("CA certificate", "does not parse"));
        return Ok((Checked::default(), found));
    };
    let ca_key = ca.public_key();

    // Each partition's CRL: when it was signed, and the serials it lists.
    let mut crls: HashMap<i64, (i64, HashSet<Vec<u8>>)> = HashMap::new();
    for (partition, row) in db::certificates::crls(pool).await? {
        let which = format!("partition {partition}");
        let mut listed = HashSet::new();
        match CertificateRevocationList::from_der(&row.der) {
            Err(_) => found.push(violation("CRL", format!("{which}: does not parse"))),
            Ok((_, crl)) => {
                if crl.verify_signature(ca_key).is_err() {
                    found.push(violation("CRL", format!("{which}: not signed by the CA")));
                }
                if crl.next_update().is_some_and(|t| t.timestamp() <= now) {
                    found.push(violation("CRL", format!("{which}: expired (nextUpdate passed)")));
                }
                listed = crl.iter_revoked_certificates().map(|r| r.raw_serial().to_vec()).collect();
            }
        }
        crls.insert(partition, (row.this_update, listed));
    }
    let mut unsigned = BTreeSet::new();

    // Each serial named by a successful acquisition or renewal record, with its corporation
    // (one pass over the log: the check stays linear in the number of records).
    let mut acquired = HashSet::new();
    for (corp, detail) in db::check::acquisition_records(pool).await? {
        for serial in detail.split(' ').filter_map(|w| w.strip_prefix("serial=")) {
            acquired.insert((corp, serial.to_owned()));
        }
    }
    for db::check::Issued { id, corporation_id: corp, serial, der, state: cert_state, shared_crl } in
        db::check::issued(pool).await?
    {
        let hex_serial = hex::encode(&serial);
        let mut not_after = None;
        match X509Certificate::from_der(&der) {
            Err(_) => {
                found.push(violation("issued certificates verify", format!("row {id}: does not parse")));
            }
            Ok((_, cert)) => {
                not_after = Some(cert.validity().not_after.timestamp());
                if cert.verify_signature(Some(ca_key)).is_err() {
                    found.push(violation(
                        "issued certificates verify",
                        format!("serial {hex_serial}: bad signature"),
                    ));
                }
                if cert.tbs_certificate.raw_serial() != serial.as_slice() {
                    found.push(violation(
                        "issued certificates verify",
                        format!("row {id}: serial differs from record"),
                    ));
                }
            }
        }
        // A certificate that expired before its CRL was signed may have left it (RFC 5280;
        // `pki::crl::refresh_crl`); one still valid then must be on it.
        let partition = partition_of(corp, shared_crl);
        match crls.get(&partition) {
            None => {
                unsigned.insert(partition);
            }
            Some((signed, listed)) => {
                let valid_at_crl = not_after.is_none_or(|t| t >= *signed);
                if cert_state == "revoked" && valid_at_crl && !listed.contains(&serial) {
                    found.push(violation(
                        "every revoked certificate is in the CRL",
                        format!("serial {hex_serial} missing from partition {partition}"),
                    ));
                }
            }
        }
        if !acquired.contains(&(Some(corp), hex_serial)) {
            found.push(violation("no certificate without its audit record", format!("certificate row {id}")));
        }
    }

    for partition in unsigned {
        found.push(violation(
            "every certificate's CRL is signed",
            format!("partition {partition} has no CRL"),
        ));
    }
    if let Some(b) = audit::verify_chain(pool).await? {
        found.push(violation("audit chain intact", format!("broken at record {}: {}", b.seq, b.reason)));
    }
    let opened: HashSet<(Option<i64>, i64, String)> =
        db::check::issuance_records(pool).await?.into_iter().collect();
    for (id, corp, opened_at, acquire_by) in db::check::issuances(pool).await? {
        if !opened.contains(&(Some(corp), opened_at, format!("acquire_by={acquire_by}"))) {
            found.push(violation("no issuance without its audit record", format!("certificate row {id}")));
        }
    }
    for (corp, user, sealed) in db::second_factor::all_sealed(pool).await? {
        let holder = crate::ssr::access::second_factor::sealed_for(corp, user);
        if state.sealer.open(&holder, &sealed).is_err() {
            found.push(violation("second-factor secrets open under the server's key", holder));
        }
    }
    let (certificates, audit_records) = db::check::counts(pool).await?;
    let crls = i64::try_from(crls.len()).unwrap_or(i64::MAX);
    Ok((Checked { certificates, audit_records, crls }, found))
}

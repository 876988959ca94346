//! The certificate authority and everything it signs: the CA key (a file or a PKCS#11 token),
//! X.509 parsing, certificate issuance and its group commit, the certificate life cycle
//! (issue, reissue, revoke, renew), the CRL and the OCSP responder, and [`judge`] (is a presented
//! certificate current?).
//!
//! Owns: every private-key operation on the server ([`ca`]; no other module reads `ca.key` or
//! holds a key) and every certificate state change, each inside the caller's write transaction
//! with its audit record and, for a revocation, the re-signed CRL.
//!
//! Never: checks a PIN, opens a session or decides who may act — its callers ([`super::access`],
//! [`super::holder`], [`super::admin`], [`super::operator`]) do that first; never builds an HTTP
//! response (the server turns the bytes it returns into one).

pub mod ca;
pub mod crl;
pub mod expiry;
pub mod group_commit;
pub mod issuance;
pub mod judge;
pub mod lifecycle;
pub mod ocsp;
pub mod pkcs11;
pub mod reason;
pub mod writes;
pub mod x509;

pub use judge::{judge, CertOwner};

use super::cpu;
use super::db::Pool;
use super::Settings;
use ca::CertificateAuthority;
use std::sync::Arc;
use time::OffsetDateTime;

/// What the PKI works with: the database, the CA, the threads that sign, the queue of the
/// issuances' shared commits, and the last CRL's entries. One per process, in
/// [`super::AppState`]; cloning shares it.
#[derive(Clone)]
pub struct Pki {
    pub db: Pool,
    pub settings: Arc<Settings>,
    /// The issuing CA: the only holder of its private key.
    pub ca: Arc<CertificateAuthority>,
    /// The threads that verify CSRs and sign certificates and OCSP responses.
    pub signing: Arc<cpu::Pool>,
    /// Shared commits of concurrent issuances.
    pub group: Arc<group_commit::GroupCommit>,
    /// Shared commits of concurrent administrators' changes.
    pub writes: Arc<writes::Writes>,
    /// The entries of the last CRL signed here.
    pub crl: Arc<crl::CrlCache>,
    /// The HTTPS certificate issuer's CRL, as published.
    pub tls_crl: Arc<crl::TlsCrl>,
}

impl Pki {
    pub fn new(db: Pool, settings: Arc<Settings>, ca: CertificateAuthority) -> Self {
        Self {
            group: Arc::new(group_commit::GroupCommit::new(db.clone(), settings.clone())),
            db,
            settings,
            ca: Arc::new(ca),
            signing: Arc::new(cpu::Pool::new("sign", cpu::Priority::Normal)),
            writes: Arc::default(),
            crl: Arc::default(),
            tls_crl: Arc::default(),
        }
    }
}

/// A unix time as X.509 wants it (the epoch for a time out of range).
fn odt(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

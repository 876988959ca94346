//! What every request can reach: the database pool, the settings, the PIN hasher, the attempt
//! throttle, the PKI and the audit log's key for unknown typed IDs. Provided to server functions as leptos context by the server's router.

use super::audit::IdKey;
use super::db::Pool;
use super::pin::PinHasher;
use super::pki::{ca::CertificateAuthority, Pki};
use super::seal::Sealer;
use super::throttle::Throttle;
use super::Settings;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Pool,
    pub pins: Arc<PinHasher>,
    pub settings: Arc<Settings>,
    /// Attempts per address and account (logon, acquisition).
    pub throttle: Arc<Throttle>,
    /// The CA, its signing threads, the issuances' group commit and the last CRL's entries.
    pub pki: Pki,
    /// Names unknown typed IDs in the audit log ([`IdKey::unknown`]); the server loads it from
    /// `<data-dir>/audit/id.key`.
    pub audit_ids: Arc<IdKey>,
    /// Seals the TOTP secrets; the server loads its key from `<data-dir>/secrets/otp.key`.
    pub sealer: Arc<Sealer>,
}

impl AppState {
    pub fn new(db: Pool, settings: Settings, ca: CertificateAuthority) -> Self {
        let settings = Arc::new(settings);
        Self {
            pki: Pki::new(db.clone(), settings.clone(), ca),
            db,
            pins: Arc::new(PinHasher::new()),
            settings,
            throttle: Arc::default(),
            audit_ids: Arc::new(IdKey::random()),
            sealer: Arc::new(Sealer::random()),
        }
    }
}

//! Data that crosses the wire (server → browser). Nothing secret ever lives here: no PIN
//! hashes, no session ids, no keys.

use serde::{Deserialize, Serialize};

/// What 契約法人ステータス shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorporationStatus {
    pub contract_id: String,
    pub corporation_name: String,
    /// The logon before the current one (unix seconds); `None` on the very first logon.
    pub previous_logon_at: Option<i64>,
    /// Expiry of the administrator's own certificate (unix seconds); `None` while none is issued.
    pub admin_certificate_expires_at: Option<i64>,
}

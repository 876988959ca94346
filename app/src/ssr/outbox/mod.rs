//! 電子メール通知: the notice outbox. A notice is composed and written as a row of `notices` in the
//! same write transaction as the change it tells about ([`enqueue`]), so no change commits
//! without its notice and no notice without its change; [`sender`] delivers the rows afterwards,
//! in order, with retries, and records each outcome. A person without an address gets no row.
//!
//! Never: holds a PIN, a session token or a link that acts by itself — a notice says what
//! happened and where to go; the person logs on as always.

pub mod sender;
pub mod texts;

pub use texts::issuance_opened;

use crate::ssr::db::{self, notices::NewNotice, Tx};
use crate::ssr::Settings;
use rand::RngCore;

/// A composed notice: to whom, what about, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub corporation_id: Option<i64>,
    /// What it is about (`issuance_opened`, …): for the operator's list and the tests.
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// Writes `notice` into the outbox inside `tx` (the change's transaction), under a `Message-ID`
/// of its own that every delivery attempt reuses. Nothing for an empty address.
pub async fn enqueue(tx: &mut Tx, settings: &Settings, notice: &Notice, now: i64) -> Result<(), sqlx::Error> {
    if notice.recipient.trim().is_empty() {
        return Ok(());
    }
    let mut id = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut id);
    let domain = settings.mail_from.rsplit_once('@').map_or("localhost", |(_, d)| d.trim_end_matches('>'));
    let message_id = format!("<{}.{now}@{domain}>", hex::encode(id));
    db::notices::insert(
        tx,
        &NewNotice {
            corporation_id: notice.corporation_id,
            kind: notice.kind,
            recipient: &notice.recipient,
            subject: &notice.subject,
            body: &notice.body,
            message_id: &message_id,
        },
        now,
    )
    .await
}

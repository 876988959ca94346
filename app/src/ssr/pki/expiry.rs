//! 電子証明書有効期限のお知らせ: the reminders a scan writes — a certificate in use that ends
//! within each of the configured day-marks (30 and 10 days by default), to its holder and the
//! administrator; an issuance whose acquisition window closes within 7 days unused, to its holder
//! and the administrator. Each certificate gets each mark once: the mark is a row written with the
//! notice, in one write transaction, so scans repeated or run on several instances at once never
//! send one twice. A certificate first seen inside a smaller mark (the scan was not running, or
//! the certificate is short-lived) gets the smallest mark's notice only.

use super::lifecycle::tell;
use super::Pki;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ssr::db;
use crate::ssr::internal;
use crate::ssr::outbox::texts::Said;
use crate::time_fmt::date_time;

/// Days before an acquisition window closes at which its holder is reminded.
pub const WINDOW_DAYS: i64 = 7;

/// Runs every mark once over the database; returns the reminders written.
pub async fn scan(pki: &Pki, now: i64) -> Result<usize, AppError> {
    let mut days = pki.settings.expiry_notice_days.clone();
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    let mut written = 0;
    for (i, &d) in days.iter().enumerate() {
        let smaller = days.get(i + 1).copied();
        written += run(pki, false, d, smaller, now).await?;
    }
    written += run(pki, true, WINDOW_DAYS, None, now).await?;
    Ok(written)
}

/// One mark: `d` days; the certificates already inside the next smaller mark are marked silently.
async fn run(pki: &Pki, awaiting: bool, d: i64, smaller: Option<i64>, now: i64) -> Result<usize, AppError> {
    let mark = format!("{}-{d}", if awaiting { "window" } else { "expiry" });
    let mut written = 0;
    loop {
        let mut tx = db::begin_write(&pki.db).await.map_err(|e| internal("begin", e))?;
        let due = db::notices::due(&mut tx, awaiting, now, now + d * 86_400, &mark)
            .await
            .map_err(|e| internal("due", e))?;
        if due.is_empty() {
            return Ok(written);
        }
        for c in &due {
            if !db::notices::mark(&mut tx, c.id, &mark).await.map_err(|e| internal("mark", e))? {
                continue;
            }
            if smaller.is_some_and(|s| c.ends_at <= now + s * 86_400) {
                continue;
            }
            let (ja, en) = (date_time(c.ends_at, Lang::Ja), date_time(c.ends_at, Lang::En));
            let serial = c.serial.as_deref().map(hex::encode_upper).unwrap_or_default();
            let (lines, lines_en) = if awaiting {
                (
                    format!("発行済みの電子証明書が、まだ取得されていません。取得期限は {ja} です。期限までに「電子証明書取得」を行ってください。"),
                    format!("The certificate issued for you has not been fetched yet. Fetch it (電子証明書取得) by {en}."),
                )
            } else {
                (
                    format!("電子証明書（シリアル番号 {serial}）の有効期限は {ja} です。期限までに更新してください（利用者ステータスの「電子証明書更新のお知らせ」から）。"),
                    format!("The certificate with serial number {serial} expires on {en}. Renew it before then (from the status page's renewal notice)."),
                )
            };
            let said = Said {
                kind: if awaiting { "acquisition_window_closing" } else { "certificate_expiring" },
                subject: ("電子証明書有効期限のお知らせ", "Your certificate expires soon"),
                lines: (&lines, &lines_en),
            };
            tell(&mut tx, pki, c.corporation_id, c.user_pk, &said, true, now).await?;
            written += 1;
        }
        tx.commit().await.map_err(|e| internal("commit", e))?;
    }
}

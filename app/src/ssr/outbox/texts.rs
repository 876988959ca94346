//! The notices' words. Japanese first, then the English version, in one plain-text body; a
//! footer names the bank and the corporation. Never a PIN, never a link that acts by itself.

use super::Notice;
use crate::i18n::Lang;
use crate::time_fmt::date_time;

/// Who a notice is about: the corporation, and the holder (`user` `None`: the administrator).
pub struct About<'a> {
    pub corporation_id: i64,
    pub corporation_name: &'a str,
    /// (利用者名, address) of a user; `None`: the administrator.
    pub user: Option<(&'a str, &'a str)>,
    pub admin_email: &'a str,
}

fn footer(corporation_name: &str) -> String {
    format!(
        "\n--\nビジネスダイレクト（法人インターネットバンキング）\n{corporation_name}\n\
         このメールは送信専用です。 / This message is sent automatically; replies are not read.\n"
    )
}

/// 電子証明書発行のお知らせ: an issuance opened (new or 再発行) and waits for the holder's 電子証明書取得
/// until `acquire_by`, at `public_url`'s acquisition page.
pub fn issuance_opened(about: &About<'_>, public_url: &str, acquire_by: i64) -> Notice {
    let (greeting, greeting_en, path, pins, pins_en, recipient) = match about.user {
        Some((name, email)) => (
            format!("{name} 様"),
            format!("Dear {name},"),
            "/user/acquire",
            "契約法人ID・利用者ID・利用者暗証番号・利用者確認暗証番号",
            "the contract ID, your user ID, your user PIN and your user confirmation PIN",
            email,
        ),
        None => (
            format!("{} 管理者様", about.corporation_name),
            "Dear administrator,".to_owned(),
            "/admin/acquire",
            "契約法人ID・契約法人暗証番号・契約法人確認暗証番号",
            "the contract ID, the contract PIN and the contract confirmation PIN",
            about.admin_email,
        ),
    };
    let corp = about.corporation_name;
    let url = format!("{}{path}", public_url.trim_end_matches('/'));
    let (until, until_en) = (date_time(acquire_by, Lang::Ja), date_time(acquire_by, Lang::En));
    let body = format!(
        "{greeting}\n\n\
         {corp}の電子証明書が発行されました。次のページで「電子証明書取得」を行ってください。\n\n\
         電子証明書取得: {url}\n\
         取得期限: {until}\n\n\
         取得には{pins}が必要です（このメールには記載していません）。\n\
         お心当たりのない場合は、管理者にお問い合わせください。\n\n\
         ---- English ----\n\n\
         {greeting_en}\n\n\
         A client certificate has been issued for you at {corp}. Fetch it on this page (電子証明書取得):\n\n\
         {url}\n\
         Fetch it by: {until_en}\n\n\
         You will need {pins_en} (not given in this message).\n\
         If you did not expect this, tell your administrator.\n{}",
        footer(corp)
    );
    Notice {
        corporation_id: Some(about.corporation_id),
        kind: "issuance_opened",
        recipient: recipient.to_owned(),
        subject: "【ビジネスダイレクト】電子証明書発行のお知らせ / Your certificate has been issued"
            .to_owned(),
        body,
    }
}

/// 電子証明書取得完了のお知らせ: a certificate was fetched (or renewed) — to its holder and, for a
/// user's, to the administrator too.
pub fn certificate_acquired(about: &About<'_>, serial_hex: &str, not_after: i64) -> Vec<Notice> {
    let corp = about.corporation_name;
    let (until, until_en) = (date_time(not_after, Lang::Ja), date_time(not_after, Lang::En));
    let subject = "【ビジネスダイレクト】電子証明書取得完了のお知らせ / Certificate fetched".to_owned();
    let facts = |who: &str, who_en: &str| {
        format!(
            "{who}の電子証明書が取得されました。\n\n\
             シリアル番号: {serial_hex}\n\
             有効期限: {until}\n\n\
             お心当たりのない場合は、ただちに管理者にお問い合わせください。\n\n\
             ---- English ----\n\n\
             The certificate of {who_en} has been fetched.\n\n\
             Serial number: {serial_hex}\n\
             Valid until: {until_en}\n\n\
             If this was not you, tell your administrator at once.\n{}",
            footer(corp)
        )
    };
    let notice = |recipient: &str, body: String| Notice {
        corporation_id: Some(about.corporation_id),
        kind: "certificate_acquired",
        recipient: recipient.to_owned(),
        subject: subject.clone(),
        body,
    };
    match about.user {
        Some((name, email)) => vec![
            notice(email, format!("{name} 様\n\n{}", facts("あなた", "yours"))),
            notice(
                about.admin_email,
                format!(
                    "{corp} 管理者様\n\n{}",
                    facts(&format!("利用者 {name} 様"), &format!("the user {name}"))
                ),
            ),
        ],
        None => vec![notice(
            about.admin_email,
            format!("{corp} 管理者様\n\n{}", facts("管理者", "the administrator")),
        )],
    }
}

/// What a security notice says: its kind, subject and lines (Japanese, English).
pub struct Said<'a> {
    pub kind: &'static str,
    pub subject: (&'a str, &'a str),
    pub lines: (&'a str, &'a str),
}

/// A notice that something changed for a holder: to the holder's address, and (`to_admin`) to the
/// administrator's, each greeted as who they are.
pub fn security(about: &About<'_>, said: &Said<'_>, to_admin: bool) -> Vec<Notice> {
    let corp = about.corporation_name;
    let (lines, lines_en) = said.lines;
    let subject = format!("【ビジネスダイレクト】{} / {}", said.subject.0, said.subject.1);
    let body = |greeting: &str, greeting_en: &str| {
        format!(
            "{greeting}\n\n{lines}\n\nお心当たりのない場合は、ただちに管理者（管理者の方は取引銀行）にお問い合わせください。\n\n\
             ---- English ----\n\n{greeting_en}\n\n{lines_en}\n\nIf you did not expect this, tell your administrator (administrators: your bank) at once.\n{}",
            footer(corp)
        )
    };
    let notice = |recipient: &str, body: String| Notice {
        corporation_id: Some(about.corporation_id),
        kind: said.kind,
        recipient: recipient.to_owned(),
        subject: subject.clone(),
        body,
    };
    let admin = || notice(about.admin_email, body(&format!("{corp} 管理者様"), "Dear administrator,"));
    match about.user {
        Some((name, email)) => {
            let mut all = vec![notice(email, body(&format!("{name} 様"), &format!("Dear {name},")))];
            if to_admin {
                all.push(admin());
            }
            all
        }
        None => vec![admin()],
    }
}

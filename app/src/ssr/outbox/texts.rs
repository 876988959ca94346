//! The notices' words, plain text. In Japanese; a person whose language is English (the language
//! the person last logged on in) gets the English version after it. A footer names the bank and
//! the corporation. Never a PIN, never a link that acts by itself.

use super::Notice;
use crate::i18n::Lang;
use crate::time_fmt::date_time;

/// Who a notice is about: the corporation, and the holder (`user` `None`: the administrator),
/// with each person's address and language.
pub struct About<'a> {
    pub corporation_id: i64,
    pub corporation_name: &'a str,
    /// (利用者名, address, language) of a user; `None`: the administrator.
    pub user: Option<(&'a str, &'a str, Lang)>,
    pub admin_email: &'a str,
    pub admin_lang: Lang,
}

impl<'a> About<'a> {
    /// The holder and administrator as read in the change's transaction.
    pub fn of(corporation_id: i64, a: &'a crate::ssr::db::notices::Addressee) -> Self {
        Self {
            corporation_id,
            corporation_name: &a.corporation_name,
            user: a.user.as_ref().map(|(name, email, lang)| (name.as_str(), email.as_str(), lang_of(lang))),
            admin_email: &a.admin_email,
            admin_lang: lang_of(&a.admin_lang),
        }
    }
}

/// A stored language code (`ja`, `en`).
pub fn lang_of(code: &str) -> Lang {
    Lang::parse(code).unwrap_or_default()
}

/// A notice's words in both languages: subject and body (greeting excluded).
struct Words {
    kind: &'static str,
    subject: (String, String),
    body: (String, String),
}

/// The notice of `words` to one person: greeted as `greeting` (Japanese, English), in `lang`.
fn to(about: &About<'_>, recipient: &str, lang: Lang, greeting: (&str, &str), words: &Words) -> Notice {
    let (subject, body) = match lang {
        Lang::Ja => (
            format!("【ビジネスダイレクト】{}", words.subject.0),
            format!("{}\n\n{}", greeting.0, words.body.0),
        ),
        Lang::En => (
            format!("【ビジネスダイレクト】{} / {}", words.subject.0, words.subject.1),
            format!(
                "{}\n\n{}\n\n---- English ----\n\n{}\n\n{}",
                greeting.0, words.body.0, greeting.1, words.body.1
            ),
        ),
    };
    let footer = format!(
        "\n\n--\nビジネスダイレクト（法人インターネットバンキング）\n{}\nこのメールは送信専用です。{}\n",
        about.corporation_name,
        if lang == Lang::En { " / This message is sent automatically; replies are not read." } else { "" }
    );
    Notice {
        corporation_id: Some(about.corporation_id),
        kind: words.kind,
        recipient: recipient.to_owned(),
        subject,
        body: body + &footer,
    }
}

/// The notice to the holder (the user, or the administrator for its own certificate).
fn to_holder(about: &About<'_>, words: &Words) -> Notice {
    match about.user {
        Some((name, email, lang)) => {
            to(about, email, lang, (&format!("{name} 様"), &format!("Dear {name},")), words)
        }
        None => to_admin(about, words),
    }
}

fn to_admin(about: &About<'_>, words: &Words) -> Notice {
    let greeting = format!("{} 管理者様", about.corporation_name);
    to(about, about.admin_email, about.admin_lang, (&greeting, "Dear administrator,"), words)
}

/// 電子証明書発行のお知らせ: an issuance opened (new or 再発行) and waits for the holder's 電子証明書取得
/// until `acquire_by`, at `public_url`'s acquisition page.
pub fn issuance_opened(about: &About<'_>, public_url: &str, acquire_by: i64) -> Notice {
    let (path, pins, pins_en) = if about.user.is_some() {
        (
            "/user/acquire",
            "契約法人ID・利用者ID・利用者暗証番号・利用者確認暗証番号",
            "the contract ID, your user ID, your user PIN and your user confirmation PIN",
        )
    } else {
        (
            "/admin/acquire",
            "契約法人ID・契約法人暗証番号・契約法人確認暗証番号",
            "the contract ID, the contract PIN and the contract confirmation PIN",
        )
    };
    let corp = about.corporation_name;
    let url = format!("{}{path}", public_url.trim_end_matches('/'));
    let (until, until_en) = (date_time(acquire_by, Lang::Ja), date_time(acquire_by, Lang::En));
    let words = Words {
        kind: "issuance_opened",
        subject: ("電子証明書発行のお知らせ".into(), "Your certificate has been issued".into()),
        body: (
            format!(
                "{corp}の電子証明書が発行されました。次のページで「電子証明書取得」を行ってください。\n\n\
                 電子証明書取得: {url}\n\
                 取得期限: {until}\n\n\
                 取得には{pins}が必要です（このメールには記載していません）。\n\
                 お心当たりのない場合は、管理者にお問い合わせください。"
            ),
            format!(
                "A client certificate has been issued for you at {corp}. Fetch it on this page (電子証明書取得):\n\n\
                 {url}\n\
                 Fetch it by: {until_en}\n\n\
                 You will need {pins_en} (not given in this message).\n\
                 If you did not expect this, tell your administrator."
            ),
        ),
    };
    to_holder(about, &words)
}

/// 電子証明書取得完了のお知らせ: a certificate was fetched (or renewed) — to its holder and, for a
/// user's, to the administrator too.
pub fn certificate_acquired(about: &About<'_>, serial_hex: &str, not_after: i64) -> Vec<Notice> {
    let (until, until_en) = (date_time(not_after, Lang::Ja), date_time(not_after, Lang::En));
    let words = |who: &str, who_en: &str| Words {
        kind: "certificate_acquired",
        subject: ("電子証明書取得完了のお知らせ".into(), "Certificate fetched".into()),
        body: (
            format!(
                "{who}の電子証明書が取得されました。\n\n\
                 シリアル番号: {serial_hex}\n\
                 有効期限: {until}\n\n\
                 お心当たりのない場合は、ただちに管理者にお問い合わせください。"
            ),
            format!(
                "The certificate of {who_en} has been fetched.\n\n\
                 Serial number: {serial_hex}\n\
                 Valid until: {until_en}\n\n\
                 If this was not you, tell your administrator at once."
            ),
        ),
    };
    match about.user {
        Some((name, _, _)) => vec![
            to_holder(about, &words("あなた", "yours")),
            to_admin(about, &words(&format!("利用者 {name} 様"), &format!("the user {name}"))),
        ],
        None => vec![to_admin(about, &words("管理者", "the administrator"))],
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
pub fn security(about: &About<'_>, said: &Said<'_>, to_admin_too: bool) -> Vec<Notice> {
    let words = Words {
        kind: said.kind,
        subject: (said.subject.0.to_owned(), said.subject.1.to_owned()),
        body: (
            format!(
                "{}\n\nお心当たりのない場合は、ただちに管理者（管理者の方はお取引銀行）にお問い合わせください。",
                said.lines.0
            ),
            format!(
                "{}\n\nIf you did not expect this, tell your administrator (administrators: your bank) at once.",
                said.lines.1
            ),
        ),
    };
    let mut all = vec![to_holder(about, &words)];
    if to_admin_too && about.user.is_some() {
        all.push(to_admin(about, &words));
    }
    all
}

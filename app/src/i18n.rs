//! Japanese and English wording of every screen.
//!
//! Japanese is the product's language; labels follow SPEC.md and the seed manual verbatim.
//! English is one click away (`?lang=en`, remembered in the `lang` cookie). A screen reads its
//! words with `let t = texts();` and uses fields, so a missing translation is a compile error.

use crate::error::{AppError, Field, Problem};
use leptos::prelude::*;

/// The two languages of the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    /// BCP 47 code, used for `<html lang>` and the `lang` cookie/query value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// Parses a `lang` query or cookie value; anything else is `None`.
    pub fn parse(value: &str) -> Option<Lang> {
        match value {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language (what the switch offers).
    #[must_use]
    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }

    /// The language a request asks for: `?lang=` wins, then the `lang` cookie, then Japanese.
    pub fn from_query_and_cookie(query: Option<&str>, cookie_header: Option<&str>) -> Lang {
        let from_query = query.and_then(|q| {
            q.split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| *k == "lang")
                .and_then(|(_, v)| Lang::parse(v))
        });
        let from_cookie = || {
            cookie_header.and_then(|h| {
                h.split(';')
                    .filter_map(|c| c.trim().split_once('='))
                    .find(|(k, _)| *k == "lang")
                    .and_then(|(_, v)| Lang::parse(v))
            })
        };
        from_query.or_else(from_cookie).unwrap_or_default()
    }
}

/// The language of the current page, provided by [`crate::App`].
pub fn lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}

/// The words of the current page's language.
pub fn texts() -> &'static Texts {
    lang().texts()
}

/// Every piece of visible text. One instance per language.
#[allow(clippy::struct_field_names)]
pub struct Texts {
    pub product: &'static str,
    pub bank: &'static str,
    pub switch_to: &'static str,
    pub skip_to_content: &'static str,
    // top page
    pub top_title: &'static str,
    pub top_intro: &'static str,
    pub admin_logon: &'static str,
    pub user_logon: &'static str,
    pub environment: &'static str,
    // logon
    pub admin_logon_title: &'static str,
    pub id_pin_method: &'static str,
    pub contract_id: &'static str,
    pub contract_id_hint: &'static str,
    pub admin_pin: &'static str,
    pub logon: &'static str,
    pub logging_on: &'static str,
    pub back_to_top: &'static str,
    // status
    pub corp_status_title: &'static str,
    pub corp_name: &'static str,
    pub last_logon: &'static str,
    pub first_logon: &'static str,
    pub admin_cert_expiry: &'static str,
    pub not_issued: &'static str,
    pub menu: &'static str,
    pub menu_corp_admin: &'static str,
    pub menu_users: &'static str,
    pub logoff: &'static str,
    pub loading: &'static str,
    // 利用者情報登録/変更 (comes with the next issue)
    pub users_title: &'static str,
    pub users_coming: &'static str,
    pub back_to_status: &'static str,
    // user logon (comes later)
    pub user_logon_title: &'static str,
    pub user_logon_coming: &'static str,
    // environment
    pub env_title: &'static str,
    pub env_intro: &'static str,
    pub env_os: &'static str,
    pub env_browser: &'static str,
    pub env_rows: &'static [(&'static str, &'static str)],
    pub env_notes: &'static [&'static str],
    // errors
    pub err_logon_failed: &'static str,
    pub err_unauthenticated: &'static str,
    pub err_forbidden: &'static str,
    pub err_not_found: &'static str,
    pub err_internal: &'static str,
    pub err_communication: &'static str,
    pub err_required: &'static str,
    pub err_digits: &'static str,
    pub err_length: &'static str,
    pub err_letter_and_digit: &'static str,
    pub err_pin_chars: &'static str,
    pub not_found_title: &'static str,
}

impl Texts {
    /// The sentence shown for an error.
    pub fn error(&self, err: &AppError) -> String {
        match err {
            AppError::LogonFailed => self.err_logon_failed.to_owned(),
            AppError::Unauthenticated => self.err_unauthenticated.to_owned(),
            AppError::Forbidden => self.err_forbidden.to_owned(),
            AppError::NotFound => self.err_not_found.to_owned(),
            AppError::Internal => self.err_internal.to_owned(),
            AppError::Communication => self.err_communication.to_owned(),
            AppError::Invalid { field, problem } => self.field_problem(*field, *problem),
        }
    }

    /// The message under a field, e.g. 「契約法人IDは半角数字で入力してください。」
    pub fn field_problem(&self, field: Field, problem: Problem) -> String {
        let label = match field {
            Field::ContractId => self.contract_id,
            Field::Pin => self.admin_pin,
        };
        let rule = match (field, problem) {
            (_, Problem::Required) => self.err_required,
            (Field::ContractId, Problem::Format) => self.err_digits,
            (_, Problem::Format) => self.err_pin_chars,
            (_, Problem::Length) => self.err_length,
            (_, Problem::NeedsLetterAndDigit) => self.err_letter_and_digit,
        };
        rule.replace("{field}", label)
    }
}

pub static JA: Texts = Texts {
    product: "ビジネスダイレクト",
    bank: "法人インターネットバンキング",
    switch_to: "English",
    skip_to_content: "本文へ移動",
    top_title: "ビジネスダイレクト",
    top_intro: "法人のお客さま向けインターネットバンキングです。ご利用になる方のボタンを押してください。",
    admin_logon: "管理者ログオン",
    user_logon: "利用者ログオン",
    environment: "利用環境",
    admin_logon_title: "管理者ログオン",
    id_pin_method: "ID・暗証番号方式",
    contract_id: "契約法人ID",
    contract_id_hint: "半角数字",
    admin_pin: "契約法人暗証番号",
    logon: "ログオン",
    logging_on: "ログオン中…",
    back_to_top: "トップページへ戻る",
    corp_status_title: "契約法人ステータス",
    corp_name: "契約法人名",
    last_logon: "前回ログオン日時",
    first_logon: "今回が初めてのログオンです",
    admin_cert_expiry: "管理者電子証明書の有効期限",
    not_issued: "未発行",
    menu: "メニュー",
    menu_corp_admin: "契約法人管理情報変更",
    menu_users: "利用者情報登録/変更",
    logoff: "ログオフ",
    loading: "読み込み中…",
    users_title: "利用者情報登録/変更",
    users_coming: "この画面では、利用者の一覧（利用者情報選択）、新規登録、変更、登録抹消、電子証明書の発行を行います。次の版で提供します。",
    back_to_status: "契約法人ステータスへ戻る",
    user_logon_title: "利用者ログオン",
    user_logon_coming: "利用者ログオンは準備中です。次の版で提供します。",
    env_title: "利用環境",
    env_intro: "ビジネスダイレクトは、次の環境でご利用いただけます。",
    env_os: "OS",
    env_browser: "ブラウザ",
    env_rows: &[
        ("Windows 10 / 11", "Microsoft Edge、Google Chrome、Mozilla Firefox（各最新版）"),
        ("macOS 13 以降", "Safari、Google Chrome、Mozilla Firefox（各最新版）"),
        ("Linux", "Google Chrome / Chromium、Mozilla Firefox（各最新版）"),
    ],
    env_notes: &[
        "通信はTLS 1.2以上で暗号化されます。",
        "Cookieを有効にしてください。JavaScriptを無効にしても、ログオンなどの基本操作は行えます。",
        "電子証明書方式のご利用には、電子証明書を取得できるブラウザ（上記のいずれか）が必要です。",
    ],
    err_logon_failed: "契約法人IDまたは契約法人暗証番号が正しくありません。",
    err_unauthenticated: "ログオンしていないか、一定時間操作がなかったためログオフしました。再度ログオンしてください。",
    err_forbidden: "この操作は行えません。",
    err_not_found: "該当する情報がありません。",
    err_internal: "ただいま処理できません。しばらくしてから再度お試しください。",
    err_communication: "通信エラーが発生しました。しばらくしてから再度お試しください。",
    err_required: "{field}を入力してください。",
    err_digits: "{field}は半角数字で入力してください。",
    err_length: "{field}の桁数が正しくありません。",
    err_letter_and_digit: "{field}は英字と数字を組み合わせてください。",
    err_pin_chars: "{field}に使用できない文字が含まれています。",
    not_found_title: "ページが見つかりません",
};

pub static EN: Texts = Texts {
    product: "Business Direct",
    bank: "Corporate Internet Banking",
    switch_to: "日本語",
    skip_to_content: "Skip to main content",
    top_title: "Business Direct",
    top_intro: "Internet banking for corporate customers. Choose who you are.",
    admin_logon: "Administrator logon",
    user_logon: "User logon",
    environment: "Supported environments",
    admin_logon_title: "Administrator logon",
    id_pin_method: "ID and PIN",
    contract_id: "Contract ID",
    contract_id_hint: "digits",
    admin_pin: "Contract PIN",
    logon: "Log on",
    logging_on: "Logging on…",
    back_to_top: "Back to the top page",
    corp_status_title: "Corporation status",
    corp_name: "Corporation",
    last_logon: "Previous logon",
    first_logon: "This is your first logon",
    admin_cert_expiry: "Administrator certificate valid until",
    not_issued: "Not issued",
    menu: "Menu",
    menu_corp_admin: "Corporation management",
    menu_users: "Register / change users",
    logoff: "Log off",
    loading: "Loading…",
    users_title: "Register / change users",
    users_coming: "This screen will list the users (user selection), register, change and delete them, and issue their certificates. It comes with the next version.",
    back_to_status: "Back to corporation status",
    user_logon_title: "User logon",
    user_logon_coming: "User logon is being prepared and comes with the next version.",
    env_title: "Supported environments",
    env_intro: "Business Direct can be used in the following environments.",
    env_os: "Operating system",
    env_browser: "Browser",
    env_rows: &[
        ("Windows 10 / 11", "Microsoft Edge, Google Chrome, Mozilla Firefox (latest versions)"),
        ("macOS 13 or later", "Safari, Google Chrome, Mozilla Firefox (latest versions)"),
        ("Linux", "Google Chrome / Chromium, Mozilla Firefox (latest versions)"),
    ],
    env_notes: &[
        "All traffic is encrypted with TLS 1.2 or later.",
        "Cookies must be enabled. Logon and the basic screens also work with JavaScript turned off.",
        "The certificate method needs a browser that can acquire the certificate (any of the above).",
    ],
    err_logon_failed: "The contract ID or the contract PIN is not correct.",
    err_unauthenticated: "You are not logged on, or you were logged off after a period of inactivity. Please log on again.",
    err_forbidden: "This operation is not allowed.",
    err_not_found: "No matching information.",
    err_internal: "We cannot process this right now. Please try again later.",
    err_communication: "A communication error occurred. Please try again later.",
    err_required: "Please enter the {field}.",
    err_digits: "The {field} must be half-width digits.",
    err_length: "The {field} has the wrong number of characters.",
    err_letter_and_digit: "The {field} must mix letters and digits.",
    err_pin_chars: "The {field} contains characters that are not allowed.",
    not_found_title: "Page not found",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_beats_cookie_and_japanese_is_default() {
        let check = |q: Option<&str>, c: Option<&str>, expected: Lang| {
            assert_eq!(Lang::from_query_and_cookie(q, c), expected, "{q:?} {c:?}");
        };
        check(None, None, Lang::Ja);
        check(Some("lang=en"), None, Lang::En);
        check(Some("x=1&lang=en"), Some("lang=ja"), Lang::En);
        check(None, Some("a=b; lang=en"), Lang::En);
        check(Some("lang=fr"), Some("lang=en"), Lang::En);
        check(Some("lang=fr"), None, Lang::Ja);
    }

    #[test]
    fn field_messages_name_the_field() {
        let msg = JA.field_problem(Field::ContractId, Problem::Format);
        assert_eq!(msg, "契約法人IDは半角数字で入力してください。");
        assert!(EN.field_problem(Field::Pin, Problem::Required).contains("Contract PIN"));
    }
}

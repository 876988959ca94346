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
    // 利用者情報選択
    pub users_title: &'static str,
    pub users_select_title: &'static str,
    pub file_settings_title: &'static str,
    pub file_settings_intro: &'static str,
    pub current_setting: &'static str,
    pub file_steps: [&'static str; 3],
    pub in_use: &'static str,
    pub not_in_use: &'static str,
    pub change: &'static str,
    pub new_user_intro: &'static str,
    pub register_new: &'static str,
    pub select_intro: &'static str,
    pub delete_user: &'static str,
    pub col_select: &'static str,
    pub col_user_id: &'static str,
    pub col_user_name: &'static str,
    pub col_cert: &'static str,
    pub col_suspended: &'static str,
    pub col_accident: &'static str,
    pub col_collection_blocked: &'static str,
    pub col_collection_cum_blocked: &'static str,
    pub col_online: &'static str,
    pub online_perms: [&'static str; 7],
    pub cert_states: [&'static str; 4],
    pub yes_mark_label: &'static str,
    pub no_mark_label: &'static str,
    pub no_users: &'static str,
    pub user_count: &'static str,
    pub select_user_first: &'static str,
    pub done_registered: &'static str,
    pub done_changed: &'static str,
    pub done_unchanged: &'static str,
    pub done_deleted: &'static str,
    pub done_file_settings: &'static str,
    pub changed_items: [(&'static str, &'static str); 10],
    pub list_separator: &'static str,
    pub back_to_status: &'static str,
    pub back_to_list: &'static str,
    // 利用者情報登録 / 変更
    pub user_register_title: &'static str,
    pub user_change_title: &'static str,
    pub user_id_label: &'static str,
    pub user_id_hint: &'static str,
    pub user_name_label: &'static str,
    pub user_name_hint: &'static str,
    pub email_label: &'static str,
    pub email_hint: &'static str,
    pub pins_section: &'static str,
    pub pins_change_hint: &'static str,
    pub user_pin_label: &'static str,
    pub user_pin_again_label: &'static str,
    pub user_confirm_pin_label: &'static str,
    pub user_confirm_pin_again_label: &'static str,
    pub pin_rule_hint: &'static str,
    pub logon_method_label: &'static str,
    pub logon_methods: [&'static str; 2],
    pub perms_section: &'static str,
    pub file_perms_label: &'static str,
    pub status_section: &'static str,
    pub accident_label: &'static str,
    pub unlock_label: &'static str,
    pub not_suspended: &'static str,
    pub cert_section: &'static str,
    pub cert_current: &'static str,
    pub cert_reissue: &'static str,
    pub cert_issue: &'static str,
    pub cert_key_compromise: &'static str,
    pub cert_serial: &'static str,
    pub cert_valid_until: &'static str,
    pub cert_acquire_by: &'static str,
    pub cert_one_per_user: &'static str,
    pub admin_confirm_pin: &'static str,
    pub ok: &'static str,
    pub cancel: &'static str,
    pub clear: &'static str,
    pub processing: &'static str,
    pub delete_title: &'static str,
    pub delete_warning: &'static str,
    pub file_settings_change_title: &'static str,
    pub use_step: &'static str,
    // 操作履歴照会
    pub audit_title: &'static str,
    pub audit_summary: &'static str,
    pub audit_columns: [&'static str; 7],
    pub audit_actions: &'static [(&'static str, &'static str)],
    pub audit_success: &'static str,
    pub audit_failure: &'static str,
    pub audit_empty: &'static str,
    pub audit_pages: &'static str,
    pub audit_newer: &'static str,
    pub audit_older: &'static str,
    // software keyboard
    pub softkb_open: &'static str,
    pub softkb_title: &'static str,
    pub softkb_note: &'static str,
    pub softkb_backspace: &'static str,
    pub softkb_clear: &'static str,
    pub softkb_close: &'static str,
    pub softkb_shift: &'static str,
    pub softkb_upper: &'static str,
    pub softkb_lower: &'static str,
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
    pub err_alnum: &'static str,
    pub err_format: &'static str,
    pub err_mismatch: &'static str,
    pub err_same_pins: &'static str,
    pub err_taken: &'static str,
    pub err_wrong_confirm: &'static str,
    pub err_choose: &'static str,
    pub err_limit: &'static str,
    pub err_fields: &'static str,
    pub err_conflict: &'static str,
    pub err_no_issuance: &'static str,
    pub err_window_expired: &'static str,
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
            AppError::Invalid(errors) => match errors.as_slice() {
                [one] => self.field_problem(one.field, one.problem),
                _ => self.err_fields.to_owned(),
            },
            AppError::LimitReached { max } => self.err_limit.replace("{max}", &max.to_string()),
            AppError::Conflict => self.err_conflict.to_owned(),
            AppError::NoOpenIssuance => self.err_no_issuance.to_owned(),
            AppError::AcquisitionExpired => self.err_window_expired.to_owned(),
        }
    }

    /// The label a field's messages name.
    pub fn field_label(&self, field: Field) -> &'static str {
        match field {
            Field::ContractId => self.contract_id,
            Field::Pin => self.admin_pin,
            Field::UserId => self.user_id_label,
            Field::UserName => self.user_name_label,
            Field::Email => self.email_label,
            Field::UserPin => self.user_pin_label,
            Field::UserPinAgain => self.user_pin_again_label,
            Field::UserConfirmPin => self.user_confirm_pin_label,
            Field::UserConfirmPinAgain => self.user_confirm_pin_again_label,
            Field::LogonMethod => self.logon_method_label,
            Field::AdminConfirmPin => self.admin_confirm_pin,
            Field::Selection => self.col_user_id,
            Field::Csr => self.col_cert,
        }
    }

    /// The message under a field, e.g. 「契約法人IDは半角数字で入力してください。」
    pub fn field_problem(&self, field: Field, problem: Problem) -> String {
        let label = self.field_label(field);
        let rule = match (field, problem) {
            (Field::LogonMethod | Field::Selection, Problem::Required) => self.err_choose,
            (_, Problem::Required) => self.err_required,
            (Field::ContractId, Problem::Format) => self.err_digits,
            (Field::UserId, Problem::Format) => self.err_alnum,
            (Field::UserName | Field::Email, Problem::Format) => self.err_format,
            (_, Problem::Format) => self.err_pin_chars,
            (_, Problem::Length) => self.err_length,
            (_, Problem::NeedsLetterAndDigit) => self.err_letter_and_digit,
            (_, Problem::Mismatch) => self.err_mismatch,
            (_, Problem::SameAsOtherPin) => self.err_same_pins,
            (_, Problem::Taken) => self.err_taken,
            (_, Problem::Wrong) => self.err_wrong_confirm,
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
    users_select_title: "利用者情報選択",
    file_settings_title: "外部ファイル送信権限設定",
    file_settings_intro: "外部ファイル送信権限（登録、承認、送信）の設定を変更する場合は[変更]を押してください。",
    current_setting: "現在の設定",
    file_steps: ["登録", "承認", "送信"],
    in_use: "利用する",
    not_in_use: "利用しない",
    change: "変更",
    new_user_intro: "新規登録する場合は、[新規登録]を押してください。",
    register_new: "新規登録",
    select_intro: "変更する場合は、利用者情報選択後に目的のボタンを押してください。",
    delete_user: "登録抹消",
    col_select: "選択",
    col_user_id: "利用者ID",
    col_user_name: "利用者名",
    col_cert: "電子証明書",
    col_suspended: "利用停止",
    col_accident: "事故登録",
    col_collection_blocked: "収納サービス封鎖",
    col_collection_cum_blocked: "収納サービス累積封鎖",
    col_online: "オンライン取引",
    online_perms: ["残高照会", "入出金明細照会", "取引履歴照会", "資金移動", "資金移動予約照会", "資金移動予約取消", "税金・各種料金の払込み"],
    cert_states: ["未発行", "発行済み（取得待ち）", "利用中", "有効期限間近"],
    yes_mark_label: "あり",
    no_mark_label: "なし",
    no_users: "登録されている利用者はいません。",
    user_count: "登録利用者数 {n} / {max} 名",
    select_user_first: "利用者を選択してから、ボタンを押してください。",
    done_registered: "利用者 {user} を登録しました。",
    done_changed: "利用者 {user} の次の項目を変更しました：{items}",
    done_unchanged: "利用者 {user} の情報に変更はありませんでした。",
    done_deleted: "利用者 {user} の登録を抹消しました。",
    done_file_settings: "外部ファイル送信権限設定を変更しました。",
    changed_items: [
        ("name", "利用者名"),
        ("email", "メールアドレス"),
        ("logon_method", "ログオン方式"),
        ("pin", "利用者暗証番号"),
        ("confirm_pin", "利用者確認暗証番号"),
        ("online", "オンライン取引権限"),
        ("file", "外部ファイル送信権限"),
        ("accident", "事故登録"),
        ("unlocked", "利用停止解除"),
        ("reissued", "電子証明書の再発行"),
    ],
    list_separator: "、",
    back_to_status: "契約法人ステータスへ戻る",
    back_to_list: "利用者情報選択へ戻る",
    user_register_title: "利用者情報登録",
    user_change_title: "利用者情報変更",
    user_id_label: "利用者ID",
    user_id_hint: "半角英数字1〜30文字。登録後は変更できません。",
    user_name_label: "利用者名",
    user_name_hint: "30文字以内",
    email_label: "メールアドレス",
    email_hint: "任意",
    pins_section: "暗証番号（仮暗証番号）",
    pins_change_hint: "変更する場合のみ入力してください。入力した暗証番号は仮暗証番号となり、利用者は次回ログオン時に変更します。",
    user_pin_label: "利用者暗証番号",
    user_pin_again_label: "利用者暗証番号（再入力）",
    user_confirm_pin_label: "利用者確認暗証番号",
    user_confirm_pin_again_label: "利用者確認暗証番号（再入力）",
    pin_rule_hint: "半角英字と数字を組み合わせて6〜12文字（大文字・小文字は区別されます）。利用者暗証番号と利用者確認暗証番号は異なるものにしてください。",
    logon_method_label: "ログオン方式",
    logon_methods: ["電子証明書方式", "ID・暗証番号方式"],
    perms_section: "権限",
    file_perms_label: "外部ファイル送信",
    status_section: "利用状況",
    accident_label: "事故登録する",
    unlock_label: "利用停止を解除する",
    not_suspended: "利用停止されていません",
    cert_section: "【電子証明書情報】",
    cert_current: "現在の電子証明書",
    cert_reissue: "現在の電子証明書を失効し、再発行する。",
    cert_issue: "電子証明書を発行する",
    cert_key_compromise: "端末の紛失・盗難など、秘密鍵が漏えいしたおそれがある（鍵の危殆化として失効）",
    cert_serial: "シリアル番号",
    cert_valid_until: "有効期限",
    cert_acquire_by: "取得期限",
    cert_one_per_user: "※利用者1名に発行できる「電子証明書」は1枚です",
    admin_confirm_pin: "契約法人確認暗証番号",
    ok: "OK",
    cancel: "キャンセル",
    clear: "クリア",
    processing: "処理中…",
    delete_title: "利用者登録抹消",
    delete_warning: "この利用者の登録を抹消します。抹消した利用者はログオンできなくなり、同じ利用者IDは再登録できません。電子証明書は失効します。",
    file_settings_change_title: "外部ファイル送信権限設定変更",
    use_step: "を利用する",
    audit_title: "操作履歴照会",
    audit_summary: "全{total}件（新しい順）　{page} / {pages} ページ",
    audit_columns: ["日時", "操作者", "操作", "対象", "結果", "内容", "接続元"],
    audit_actions: &[
        ("admin_logon", "管理者ログオン"),
        ("admin_logoff", "ログオフ"),
        ("corporation_create", "契約法人登録"),
        ("corporation_max_users", "利用者数上限変更"),
        ("user_create", "利用者登録"),
        ("user_change", "利用者情報変更"),
        ("user_delete", "登録抹消"),
        ("file_settings_change", "外部ファイル送信権限設定変更"),
        ("certificate_issue", "電子証明書発行"),
        ("certificate_acquire", "電子証明書取得"),
        ("certificate_revoke", "電子証明書失効"),
    ],
    audit_success: "成功",
    audit_failure: "失敗",
    audit_empty: "操作履歴はありません。",
    audit_pages: "ページ",
    audit_newer: "← 新しい履歴",
    audit_older: "古い履歴 →",
    softkb_open: "ソフトウェアキーボードを開く",
    softkb_title: "ソフトウェアキーボード",
    softkb_note: "※セキュリティの観点から、暗証番号の入力にはソフトウェアキーボードをご利用ください。",
    softkb_backspace: "1文字クリア",
    softkb_clear: "すべてクリア",
    softkb_close: "閉じる",
    softkb_shift: "大文字/小文字",
    softkb_upper: "大文字",
    softkb_lower: "小文字",
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
    err_alnum: "{field}は半角英数字で入力してください。",
    err_format: "{field}の形式が正しくありません。",
    err_mismatch: "{field}が一致しません。",
    err_same_pins: "利用者暗証番号と利用者確認暗証番号は異なるものにしてください。",
    err_taken: "この{field}は既に使用されています（登録抹消した利用者IDも再登録できません）。",
    err_wrong_confirm: "{field}が正しくありません。",
    err_choose: "{field}を選択してください。",
    err_limit: "登録できる利用者は{max}名までです。これ以上登録できません。",
    err_fields: "入力内容に誤りがあります。各項目のメッセージをご確認ください。",
    err_conflict: "他の操作によって状態が変わったため、処理を行いませんでした。最新の状態を確認してから、もう一度操作してください。",
    err_no_issuance: "取得できる電子証明書がありません。管理者に電子証明書の発行を依頼してください。",
    err_window_expired: "電子証明書の取得期限を過ぎています。管理者に再発行を依頼してください。",
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
    users_select_title: "User selection",
    file_settings_title: "External file transmission settings",
    file_settings_intro: "To change the external file transmission settings (register, approve, send), press [Change].",
    current_setting: "Current setting",
    file_steps: ["Register", "Approve", "Send"],
    in_use: "in use",
    not_in_use: "not used",
    change: "Change",
    new_user_intro: "To register a new user, press [New registration].",
    register_new: "New registration",
    select_intro: "To make a change, select a user and press the button for what you want to do.",
    delete_user: "Delete",
    col_select: "Select",
    col_user_id: "User ID",
    col_user_name: "User name",
    col_cert: "Certificate",
    col_suspended: "Suspended",
    col_accident: "Incident",
    col_collection_blocked: "Collection service blocked",
    col_collection_cum_blocked: "Collection service cumulative block",
    col_online: "Online transactions",
    online_perms: ["Balance inquiry", "Deposit/withdrawal details", "Transaction history", "Funds transfer", "Scheduled transfer inquiry", "Scheduled transfer cancellation", "Taxes and fees"],
    cert_states: ["Not issued", "Issued (awaiting acquisition)", "In use", "Expiring soon"],
    yes_mark_label: "yes",
    no_mark_label: "no",
    no_users: "No users are registered.",
    user_count: "Registered users: {n} of {max}",
    select_user_first: "Select a user first, then press the button.",
    done_registered: "User {user} was registered.",
    done_changed: "User {user}: changed {items}",
    done_unchanged: "User {user}: nothing was changed.",
    done_deleted: "User {user} was deleted.",
    done_file_settings: "The external file transmission settings were changed.",
    changed_items: [
        ("name", "user name"),
        ("email", "e-mail address"),
        ("logon_method", "logon method"),
        ("pin", "user PIN"),
        ("confirm_pin", "user confirmation PIN"),
        ("online", "online transaction permissions"),
        ("file", "external file transmission permissions"),
        ("accident", "incident registration"),
        ("unlocked", "suspension lifted"),
        ("reissued", "certificate reissued"),
    ],
    list_separator: ", ",
    back_to_status: "Back to corporation status",
    back_to_list: "Back to user selection",
    user_register_title: "Register a user",
    user_change_title: "Change a user",
    user_id_label: "User ID",
    user_id_hint: "1-30 letters and digits (half-width). Cannot be changed later.",
    user_name_label: "User name",
    user_name_hint: "at most 30 characters",
    email_label: "E-mail address",
    email_hint: "optional",
    pins_section: "PINs (provisional)",
    pins_change_hint: "Enter only to reset. The PINs you enter are provisional: the user changes them at the next logon.",
    user_pin_label: "User PIN",
    user_pin_again_label: "User PIN (again)",
    user_confirm_pin_label: "User confirmation PIN",
    user_confirm_pin_again_label: "User confirmation PIN (again)",
    pin_rule_hint: "6-12 characters mixing half-width letters and digits (case-sensitive). The two PINs must differ.",
    logon_method_label: "Logon method",
    logon_methods: ["Certificate", "ID and PIN"],
    perms_section: "Permissions",
    file_perms_label: "External file transmission",
    status_section: "Status",
    accident_label: "Register an incident",
    unlock_label: "Lift the suspension",
    not_suspended: "Not suspended",
    cert_section: "[Certificate information]",
    cert_current: "Current certificate",
    cert_reissue: "Revoke the current certificate and reissue it.",
    cert_issue: "Issue a certificate",
    cert_key_compromise: "The device was lost or stolen: the private key may be exposed (revoke as key compromise)",
    cert_serial: "Serial number",
    cert_valid_until: "Valid until",
    cert_acquire_by: "Acquire by",
    cert_one_per_user: "Only one certificate can be issued per user.",
    admin_confirm_pin: "Contract confirmation PIN",
    ok: "OK",
    cancel: "Cancel",
    clear: "Clear",
    processing: "Processing…",
    delete_title: "Delete a user",
    delete_warning: "This deletes the user. A deleted user can no longer log on, the same user ID cannot be registered again, and the certificate is revoked.",
    file_settings_change_title: "Change external file transmission settings",
    use_step: ": in use",
    audit_title: "Operation history",
    audit_summary: "{total} records (newest first), page {page} of {pages}",
    audit_columns: ["Time", "Actor", "Operation", "Target", "Result", "Details", "Client address"],
    audit_actions: &[
        ("admin_logon", "Administrator logon"),
        ("admin_logoff", "Logoff"),
        ("corporation_create", "Corporation registered"),
        ("corporation_max_users", "User limit changed"),
        ("user_create", "User registered"),
        ("user_change", "User changed"),
        ("user_delete", "User deleted"),
        ("file_settings_change", "File transmission settings changed"),
        ("certificate_issue", "Certificate issued"),
        ("certificate_acquire", "Certificate acquired"),
        ("certificate_revoke", "Certificate revoked"),
    ],
    audit_success: "success",
    audit_failure: "failure",
    audit_empty: "No operations recorded.",
    audit_pages: "Pages",
    audit_newer: "← Newer",
    audit_older: "Older →",
    softkb_open: "Open the software keyboard",
    softkb_title: "Software keyboard",
    softkb_note: "For security, please use the software keyboard to enter PINs.",
    softkb_backspace: "Delete one character",
    softkb_clear: "Clear all",
    softkb_close: "Close",
    softkb_shift: "Upper/lower case",
    softkb_upper: "upper case",
    softkb_lower: "lower case",
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
    err_alnum: "The {field} must be half-width letters and digits.",
    err_format: "The {field} is not in a valid format.",
    err_mismatch: "The {field} does not match.",
    err_same_pins: "The user PIN and the user confirmation PIN must differ.",
    err_taken: "This {field} is already in use (IDs of deleted users cannot be registered again).",
    err_wrong_confirm: "The {field} is not correct.",
    err_choose: "Please choose the {field}.",
    err_limit: "A corporation can register at most {max} users. No more can be registered.",
    err_fields: "Some entries are not valid. Please check the message at each field.",
    err_conflict: "Nothing was done because the state changed meanwhile (another operation). Check the current state and try again.",
    err_no_issuance: "There is no certificate to acquire. Ask your administrator to issue one.",
    err_window_expired: "The acquisition period has ended. Ask your administrator to reissue the certificate.",
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

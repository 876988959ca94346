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
    /// The administrator's own certificate.
    pub certificate: CertificateStatus,
    /// Logged on by certificate (renewal needs the current certificate).
    pub by_certificate: bool,
    /// Notices: users whose certificate awaits acquisition, and whose certificate expires within 30 days.
    pub users_awaiting: Vec<String>,
    pub users_expiring: Vec<String>,
    /// The administrator's e-mail address for the notices ('' when none).
    pub admin_email: String,
    /// ワンタイムパスワード registered; `None`: the contract does not use second factors.
    pub second_factor: Option<bool>,
    pub logons: LogonHistory,
}

/// ログオン履歴 of a status screen: the person's last three logons, and the logon attempts that
/// failed since their previous logon (the second-newest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogonHistory {
    pub recent: Vec<LogonRecord>,
    pub failed: i64,
}

/// One logon that opened a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogonRecord {
    pub at: i64,
    /// By certificate (電子証明書方式) rather than ID and PIN.
    pub by_certificate: bool,
    /// The second factor answered: `totp`, `passkey`, or none.
    pub second_factor: Option<String>,
    pub client_addr: String,
}

/// What a 利用者情報変更 changed, in the order the outcome message names them. The code is what the
/// redirect's `items` and the audit record's `changed=` carry; the names are in
/// [`crate::i18n::Texts::changed_items`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    Name,
    Email,
    LogonMethod,
    Pin,
    ConfirmPin,
    Online,
    File,
    Accident,
    Unlocked,
    Reissued,
    /// The user's ワンタイムパスワード registration removed.
    SecondFactor,
}

impl Changed {
    pub const ALL: [Changed; 11] = [
        Changed::Name,
        Changed::Email,
        Changed::LogonMethod,
        Changed::Pin,
        Changed::ConfirmPin,
        Changed::Online,
        Changed::File,
        Changed::Accident,
        Changed::Unlocked,
        Changed::Reissued,
        Changed::SecondFactor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Changed::Name => "name",
            Changed::Email => "email",
            Changed::LogonMethod => "logon_method",
            Changed::Pin => "pin",
            Changed::ConfirmPin => "confirm_pin",
            Changed::Online => "online",
            Changed::File => "file",
            Changed::Accident => "accident",
            Changed::Unlocked => "unlocked",
            Changed::Reissued => "reissued",
            Changed::SecondFactor => "second_factor_removed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The codes of `changed`, comma-separated.
    pub fn codes(changed: &[Changed]) -> String {
        changed.iter().map(|c| c.code()).collect::<Vec<_>>().join(",")
    }
}

/// The seven オンライン取引 permissions in the column order of 利用者情報選択: the form field name,
/// which is also the database column. Labels are in [`crate::i18n::Texts::online_perms`].
pub const ONLINE_PERMISSIONS: [&str; 7] = [
    "perm_balance",          // 残高照会
    "perm_deposits",         // 入出金明細照会
    "perm_history",          // 取引履歴照会
    "perm_transfer",         // 資金移動
    "perm_scheduled_view",   // 資金移動予約照会
    "perm_scheduled_cancel", // 資金移動予約取消
    "perm_payments",         // 税金・各種料金の払込み
];

/// The three 外部ファイル送信 steps: 登録, 承認, 送信 (form field names of the user form).
pub const FILE_PERMISSIONS: [&str; 3] = ["file_register", "file_approve", "file_send"];

/// State of a user's certificate as the 電子証明書 column shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CertState {
    /// No certificate and no open issuance.
    None,
    /// Issued by the administrator, not yet fetched by the user.
    AwaitingAcquisition,
    /// Fetched and valid.
    InUse,
    /// Valid, expiring within 30 days.
    ExpiringSoon,
}

impl CertState {
    /// Position in `Texts::cert_states`.
    pub fn index(self) -> usize {
        match self {
            CertState::None => 0,
            CertState::AwaitingAcquisition => 1,
            CertState::InUse => 2,
            CertState::ExpiringSoon => 3,
        }
    }
}

/// How a user logs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogonMethod {
    /// 電子証明書方式
    Certificate,
    /// ID・暗証番号方式
    IdPin,
}

impl LogonMethod {
    /// The radio value (see [`crate::validate::LOGON_METHODS`]).
    pub fn value(self) -> &'static str {
        match self {
            LogonMethod::Certificate => "certificate",
            LogonMethod::IdPin => "id_pin",
        }
    }

    pub fn from_value(value: &str) -> Option<Self> {
        match value {
            "certificate" => Some(LogonMethod::Certificate),
            "id_pin" => Some(LogonMethod::IdPin),
            _ => None,
        }
    }
}

/// One row of the 利用者情報選択 table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub user_id: String,
    pub name: String,
    pub cert: CertState,
    /// 利用停止 (locked after repeated wrong PINs).
    pub suspended: bool,
    /// 事故登録.
    pub accident: bool,
    /// 収納サービス封鎖.
    pub collection_blocked: bool,
    /// 収納サービス累積封鎖.
    pub collection_cum_blocked: bool,
    /// In the order of [`ONLINE_PERMISSIONS`].
    pub online: [bool; 7],
}

/// 外部ファイル送信権限設定 of a corporation: which steps are in use (登録, 承認, 送信).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FileSettings {
    pub register: bool,
    pub approve: bool,
    pub send: bool,
}

/// What 利用者情報選択 shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<UserSummary>,
    pub file_settings: FileSettings,
    pub max_users: i64,
}

/// Everything 利用者情報変更 shows of one user (no secrets: PINs are never sent back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub logon_method: LogonMethod,
    pub online: [bool; 7],
    /// In the order of [`FILE_PERMISSIONS`].
    pub file: [bool; 3],
    pub suspended: bool,
    pub accident: bool,
    /// The PINs are still the provisional ones the administrator set.
    pub pins_provisional: bool,
    pub cert: CertState,
    /// Id of the live certificate row the screen shows (0: none); sent back with a reissue so that
    /// a concurrent change by another administrator is detected.
    pub cert_version: i64,
    /// Serial (hex) of the issued certificate.
    pub cert_serial: Option<String>,
    /// Valid until (issued) or acquire by (awaiting), unix seconds.
    pub cert_until: Option<i64>,
    /// A ワンタイムパスワード is registered (the administrator can remove it).
    pub second_factor: bool,
}

/// What 電子証明書取得 returns: the new certificate and the CA chain (PEM). No private key: it
/// never leaves the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcquiredCertificate {
    pub certificate_pem: String,
    pub chain_pem: String,
    /// Serial number, hex.
    pub serial: String,
    /// Unix seconds.
    pub not_after: i64,
    /// 発行者: the issuing CA's name.
    pub issuer: String,
}

/// 電子証明書取得, first step: who the certificate will be issued to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcquisitionTarget {
    pub corporation_name: String,
    pub contract_id: String,
    /// `None`: the corporation's administrator.
    pub user_id: Option<String>,
    pub holder_name: Option<String>,
    /// End of the acquisition window, unix seconds.
    pub acquire_by: i64,
}

/// The certificate the browser presented on the certificate-logon origin: whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateHolder {
    pub corporation_name: String,
    pub contract_id: String,
    /// `None`: the corporation's administrator.
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub not_after: i64,
}

/// 利用者ステータス.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserOverview {
    pub corporation_name: String,
    pub contract_id: String,
    pub user_id: String,
    pub user_name: String,
    pub previous_logon_at: Option<i64>,
    pub certificate: CertificateStatus,
    /// Logged on by certificate (renewal needs the current certificate).
    pub by_certificate: bool,
    /// ワンタイムパスワード registered; `None`: the contract does not use second factors.
    pub second_factor: Option<bool>,
    pub logons: LogonHistory,
}

/// The certificate part of a status screen (user or administrator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateStatus {
    pub state: CertState,
    /// Valid until (issued) or acquire by (awaiting), unix seconds.
    pub until: Option<i64>,
    /// 「電子証明書更新のお知らせ」: renewal is open now.
    pub renewal_open: bool,
}

/// One line of 通知履歴: a notice to a person of the corporation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeEntry {
    pub at: i64,
    pub recipient: String,
    pub subject: String,
    /// `pending`, `sent` or `failed`; the screen words it.
    pub state: String,
}

/// One page of 通知履歴, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticePage {
    pub entries: Vec<NoticeEntry>,
    /// 1-based.
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

/// One line of 操作履歴照会.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    /// Action code (e.g. `admin_logon`); the screen words it.
    pub action: String,
    pub target: String,
    pub success: bool,
    pub detail: String,
    pub client_addr: String,
}

/// One page of 操作履歴照会, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// 1-based.
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// What is wrong with the search (then nothing is found): shown under its fields.
    pub problems: Vec<crate::error::FieldError>,
}

/// 操作履歴照会's search, as its GET form and the page's query carry it (every part optional:
/// empty is "all").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// 期間: the first and the last day, `YYYY-MM-DD` (Japan time).
    pub from: String,
    pub to: String,
    /// 利用者ID: records the user made or that were made on them.
    pub person: String,
    /// 操作: one action code.
    pub kind: String,
    /// 結果: `success` or `failure`.
    pub outcome: String,
}

impl AuditFilter {
    /// The filter's part of a URL query (`from=…&to=…`), empty parts left out.
    pub fn query(&self) -> String {
        [
            ("from", &self.from),
            ("to", &self.to),
            ("person", &self.person),
            ("kind", &self.kind),
            ("outcome", &self.outcome),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// Percent-encoding of a query value (RFC 3986 unreserved characters kept).
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// ワンタイムパスワード利用登録: the pending secret, as the QR code of its `otpauth://` URI (SVG
/// drawn by the server) and as text to type in. The one wire DTO that carries a secret: the
/// person must copy it into their authenticator app, and it is sent only to that person's own
/// logon, before the registration is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtpRegistration {
    /// Already registered: nothing else is sent.
    pub registered: bool,
    /// The logon waits for this registration (the contract requires it).
    pub required: bool,
    /// How the app names the account: `契約法人ID` or `契約法人ID/利用者ID`.
    pub account: String,
    /// Base32 in groups of four.
    pub secret: String,
    pub qr_svg: String,
}

/// One registered パスキー as パスキー登録 lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyEntry {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// パスキー登録: the person's passkeys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyList {
    /// Passkeys work on this server (its public host is a name, not an IP address).
    pub available: bool,
    /// The logon waits for a registration (the contract requires a second factor).
    pub required: bool,
    pub passkeys: Vec<PasskeyEntry>,
}

/// What the logon's second step offers the person: their registered kinds of second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogonFactors {
    pub totp: bool,
    pub passkey: bool,
}

impl LogonFactors {
    /// Whether any second factor is registered.
    pub fn any(self) -> bool {
        self.totp || self.passkey
    }
}

/// A certificate's place in 電子証明書一覧.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InventoryState {
    /// Issued by the administrator, awaiting the holder's acquisition.
    Awaiting,
    /// Its acquisition window passed without an acquisition.
    Lapsed,
    InUse,
    /// Valid, ending within 30 days.
    Expiring,
    Expired,
    Revoked,
}

impl InventoryState {
    pub const ALL: [InventoryState; 6] = [
        InventoryState::Awaiting,
        InventoryState::Lapsed,
        InventoryState::InUse,
        InventoryState::Expiring,
        InventoryState::Expired,
        InventoryState::Revoked,
    ];

    /// The code of the list's filter and of its query.
    pub fn code(self) -> &'static str {
        match self {
            InventoryState::Awaiting => "awaiting",
            InventoryState::Lapsed => "lapsed",
            InventoryState::InUse => "in_use",
            InventoryState::Expiring => "expiring",
            InventoryState::Expired => "expired",
            InventoryState::Revoked => "revoked",
        }
    }

    /// The index of its name in `Texts::inventory_states`.
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or_default()
    }
}

/// One line of 電子証明書一覧.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryEntry {
    /// The user ID; empty for the administrator's certificate.
    pub holder: String,
    pub holder_name: String,
    /// Hexadecimal; empty before the acquisition.
    pub serial: String,
    pub state: InventoryState,
    /// RFC 5280's name of the revocation reason.
    pub reason: Option<String>,
    pub issued_at: i64,
    pub acquired_at: Option<i64>,
    /// Valid until (acquired), or acquire by (not yet).
    pub until: i64,
}

/// 電子証明書一覧's filter and order, as its GET form and the page's query carry them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InventoryFilter {
    /// An [`InventoryState`] code, or empty for all.
    pub state: String,
    /// Valid certificates ending within this many days, or empty.
    pub within: String,
    /// The column sorted by: `holder`, `serial`, `state`, `issued`, `acquired`, `until`.
    pub sort: String,
    /// `asc` or `desc`.
    pub order: String,
}

impl InventoryFilter {
    /// The filter's part of a URL query, empty parts left out.
    pub fn query(&self) -> String {
        [("state", &self.state), ("within", &self.within), ("sort", &self.sort), ("order", &self.order)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// One page of 電子証明書一覧.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    pub entries: Vec<InventoryEntry>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// What is wrong with the filter (then nothing is listed).
    pub problems: Vec<crate::error::FieldError>,
}

/// Why 一括再発行 left out a user who was selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Not a user of the corporation (any more): deleted since the list was shown.
    NotFound,
    /// 事故登録 blocks every new issuance until it is cleared.
    Accident,
}

impl SkipReason {
    pub const ALL: [SkipReason; 2] = [SkipReason::NotFound, SkipReason::Accident];

    /// The code of the result's query; also the index of its words.
    pub fn code(self) -> &'static str {
        match self {
            SkipReason::NotFound => "not_found",
            SkipReason::Accident => "accident",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// What 一括再発行 did: who got a new issuance, and who was left out and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkReissued {
    pub issued: Vec<String>,
    pub skipped: Vec<(String, SkipReason)>,
}

impl BulkReissued {
    /// The result as the screen's query (`issued=a,b&skipped=c.accident`): user IDs are
    /// half-width letters and digits, so neither `,` nor `.` occurs in one.
    pub fn query(&self) -> String {
        let skipped: Vec<String> = self.skipped.iter().map(|(id, r)| format!("{id}.{}", r.code())).collect();
        format!("done=1&issued={}&skipped={}", self.issued.join(","), skipped.join(","))
    }

    /// The result from the screen's query (what [`Self::query`] wrote).
    pub fn from_query(issued: &str, skipped: &str) -> Self {
        let ids = |s: &str| s.split(',').filter(|id| !id.is_empty()).map(str::to_owned).collect::<Vec<_>>();
        Self {
            issued: ids(issued),
            skipped: ids(skipped)
                .iter()
                .filter_map(|s| {
                    let (id, code) = s.split_once('.')?;
                    Some((id.to_owned(), SkipReason::from_code(code)?))
                })
                .collect(),
        }
    }
}

/// Why an uploaded 利用者一括登録 file is refused as a whole (nothing is kept of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportRefusal {
    /// No file was chosen.
    NoFile,
    /// Larger than [`IMPORT_MAX_BYTES`].
    TooLarge,
    /// Neither UTF-8 nor Shift_JIS.
    Encoding,
    /// The first line is not the template's column names.
    Columns,
    /// No user in it.
    Empty,
    /// More users than the corporation may still register.
    TooMany,
    /// The checked file is gone: registered, replaced by another upload, or expired.
    Expired,
}

/// The largest 利用者一括登録 file: a template line is under 300 bytes, so this holds far more
/// lines than any corporation's user limit.
pub const IMPORT_MAX_BYTES: usize = 256 * 1024;

impl ImportRefusal {
    pub const ALL: [ImportRefusal; 7] = [
        ImportRefusal::NoFile,
        ImportRefusal::TooLarge,
        ImportRefusal::Encoding,
        ImportRefusal::Columns,
        ImportRefusal::Empty,
        ImportRefusal::TooMany,
        ImportRefusal::Expired,
    ];

    /// The code in the screen's query; also the index of its words.
    pub fn code(self) -> &'static str {
        match self {
            ImportRefusal::NoFile => "no_file",
            ImportRefusal::TooLarge => "too_large",
            ImportRefusal::Encoding => "encoding",
            ImportRefusal::Columns => "columns",
            ImportRefusal::Empty => "empty",
            ImportRefusal::TooMany => "too_many",
            ImportRefusal::Expired => "expired",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One user of a checked 利用者一括登録 file, as it will be registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    /// The line of the file (the column names are line 1).
    pub line: u64,
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub logon_method: LogonMethod,
    pub online: [bool; 7],
    pub file: [bool; 3],
    pub issue_certificate: bool,
}

/// One refused value of a 利用者一括登録 file: where, and what is wrong, in the reader's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProblem {
    pub line: u64,
    /// The column's name as the template writes it (empty: the line as a whole).
    pub column: String,
    pub message: String,
}

/// 利用者一括登録's report on the uploaded file, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The upload's key, sent back with the confirmation.
    pub upload: String,
    pub file_name: String,
    /// The users (data lines) in the file.
    pub count: usize,
    pub lines: Vec<ImportLine>,
    /// Every refused value; when there is one, nothing can be registered.
    pub problems: Vec<ImportProblem>,
}

/// A user registered by 利用者一括登録 with the provisional PINs the server chose for them,
/// shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedUser {
    pub user_id: String,
    pub name: String,
    pub pin: String,
    pub confirm_pin: String,
}

//! The one error type that crosses the wire.
//!
//! Every server function returns `Result<_, AppError>`. Variants carry codes, never text: the
//! browser turns them into Japanese or English with [`crate::i18n`]. `Internal` carries nothing
//! at all — the cause is logged on the server and the browser only learns that something failed.

use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

/// Which input field a validation message belongs to. Its wire name is the form field's `name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    ContractId,
    Pin,
    UserId,
    #[serde(rename = "name")]
    UserName,
    Email,
    UserPin,
    UserPinAgain,
    UserConfirmPin,
    UserConfirmPinAgain,
    /// 暗証番号変更 of final PINs: the PINs the person has now.
    CurrentUserPin,
    CurrentUserConfirmPin,
    LogonMethod,
    AdminConfirmPin,
    /// The password that protects the certificate file (checked in the page; never sent).
    FilePassword,
    FilePasswordAgain,
    /// The certificate signing request of 電子証明書取得.
    Csr,
    /// The radio button of the 利用者情報選択 table.
    #[serde(rename = "user")]
    Selection,
    /// ワンタイムパスワード: the second factor's current code.
    #[serde(rename = "otp")]
    Code,
    /// The name its owner gives a パスキー.
    PasskeyName,
    /// A パスキー's answer (the browser's credential or assertion).
    Passkey,
    /// 操作履歴照会's 期間: the first day and the last.
    #[serde(rename = "from")]
    PeriodFrom,
    #[serde(rename = "to")]
    PeriodTo,
    /// 電子証明書一覧's "ending within N days".
    Within,
}

impl Field {
    /// The HTML `id`/`name` of the field on its form.
    pub fn name(self) -> &'static str {
        match self {
            Field::ContractId => "contract_id",
            Field::Pin => "pin",
            Field::UserId => "user_id",
            Field::UserName => "name",
            Field::Email => "email",
            Field::UserPin => "user_pin",
            Field::UserPinAgain => "user_pin_again",
            Field::UserConfirmPin => "user_confirm_pin",
            Field::UserConfirmPinAgain => "user_confirm_pin_again",
            Field::CurrentUserPin => "current_user_pin",
            Field::CurrentUserConfirmPin => "current_user_confirm_pin",
            Field::LogonMethod => "logon_method",
            Field::AdminConfirmPin => "admin_confirm_pin",
            Field::FilePassword => "file_password",
            Field::FilePasswordAgain => "file_password_again",
            Field::Csr => "csr",
            Field::Selection => "user",
            Field::Code => "otp",
            Field::PasskeyName => "passkey_name",
            Field::Passkey => "passkey",
            Field::PeriodFrom => "from",
            Field::PeriodTo => "to",
            Field::Within => "within",
        }
    }
}

/// One refused field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

/// Why a field was refused; the i18n layer words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Nothing was entered.
    Required,
    /// Characters outside the allowed set (e.g. letters in a digits-only ID).
    Format,
    /// Too short or too long.
    Length,
    /// A PIN that lacks a letter or a digit.
    NeedsLetterAndDigit,
    /// The re-entry differs from the first entry.
    Mismatch,
    /// 利用者暗証番号 and 利用者確認暗証番号 must differ.
    SameAsOtherPin,
    /// The value is already used (user IDs, also those of deleted users).
    Taken,
    /// A confirmation PIN that is not right.
    Wrong,
    /// A new PIN equal to the provisional one it replaces.
    SameAsOld,
    /// The end of a period before its start.
    BeforeStart,
}

/// Why a presented client certificate does not log anyone on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertProblem {
    /// No certificate came with the request (the browser sent none, or this is not the
    /// certificate-logon origin).
    Missing,
    /// Not a certificate this bank issued (or not the one on record).
    NotOurs,
    /// The administrator reissued it: the holder must fetch the new one.
    Reissued,
    /// Revoked for another reason (lost device, deleted user, …).
    Revoked,
    /// Past its validity.
    Expired,
    /// Its holder may not log on (利用停止, 事故登録, 登録抹消 or 契約法人利用中止); deliberately generic.
    Blocked,
    /// The session belongs to another certificate than the one presented.
    Mismatch,
}

/// The wire error of every server function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No valid session (never logged on, logged off, or timed out). HTTP 401.
    #[error("not logged on")]
    Unauthenticated,
    /// Logged on, but this person may not do this. HTTP 403.
    #[error("forbidden")]
    Forbidden,
    /// The thing does not exist *for this caller* (also used for other corporations' data). HTTP 404.
    #[error("not found")]
    NotFound,
    /// ID or PIN wrong. Deliberately says neither which one nor whether the ID exists. HTTP 401.
    #[error("logon failed")]
    LogonFailed,
    /// Input fields were refused; nothing changed. HTTP 422.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// Someone else changed the same thing meanwhile (e.g. two administrators reissuing one
    /// user's certificate at once); nothing changed. HTTP 409.
    #[error("conflict")]
    Conflict,
    /// No certificate is waiting to be acquired (none issued, already acquired, 事故登録). HTTP 409.
    #[error("no open issuance")]
    NoOpenIssuance,
    /// The acquisition window has closed; the administrator must reissue. HTTP 410.
    #[error("acquisition window expired")]
    AcquisitionExpired,
    /// The corporation already has as many users as it may. HTTP 409.
    #[error("user limit {max} reached")]
    LimitReached { max: i64 },
    /// Locked by consecutive wrong PINs: the user (利用停止; the administrator clears it) or the
    /// whole contract (契約法人利用中止; the bank clears it). HTTP 403.
    #[error("locked")]
    Locked { contract: bool },
    /// Too many attempts from this address or for this account in a short time. HTTP 429.
    #[error("too many attempts")]
    TooManyAttempts,
    /// The presented client certificate does not log anyone on. HTTP 403.
    #[error("certificate refused: {0:?}")]
    CertificateRefused(CertProblem),
    /// This user's logon method is 電子証明書方式: the ID and PIN were right, but logon must use
    /// the certificate. HTTP 403.
    #[error("wrong logon method")]
    UseCertificateLogon,
    /// Provisional PINs: the user must change them before anything else. HTTP 403.
    #[error("PIN change required")]
    PinChangeRequired,
    /// Renewal is open only from 30 days before expiry, with the current certificate. HTTP 409.
    #[error("renewal not open")]
    RenewalNotOpen,
    /// The request's arguments could not be read (missing, malformed, not this function's).
    /// Nothing ran. HTTP 400.
    #[error("bad request")]
    BadRequest,
    /// The database cannot be reached or cannot write now (connection lost, storage full);
    /// nothing changed and the same request may succeed later. HTTP 503.
    #[error("service unavailable")]
    Unavailable,
    /// Something on the server failed; details are in the server log only. HTTP 500.
    #[error("internal error")]
    Internal,
    /// The page could not make the key, the request or the certificate file. Made on the
    /// client side only.
    #[error("in-page cryptography failed")]
    InPage,
    /// The request never reached the server function or its answer could not be read
    /// (network down, server restarted). Made on the client side only.
    #[error("communication error")]
    Communication,
}

impl AppError {
    /// The HTTP status a JavaScript client receives for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::LogonFailed => 401,
            AppError::TooManyAttempts => 429,
            AppError::BadRequest => 400,
            AppError::Forbidden
            | AppError::Locked { .. }
            | AppError::CertificateRefused(_)
            | AppError::UseCertificateLogon
            | AppError::PinChangeRequired => 403,
            AppError::NotFound => 404,
            AppError::Invalid(_) => 422,
            AppError::LimitReached { .. }
            | AppError::Conflict
            | AppError::NoOpenIssuance
            | AppError::RenewalNotOpen => 409,
            AppError::AcquisitionExpired => 410,
            AppError::Internal | AppError::Communication | AppError::InPage => 500,
            AppError::Unavailable => 503,
        }
    }
}

impl AppError {
    /// The error's code, as the operators' metrics name it.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::LogonFailed => "logon_failed",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict => "conflict",
            AppError::NoOpenIssuance => "no_open_issuance",
            AppError::AcquisitionExpired => "acquisition_expired",
            AppError::LimitReached { .. } => "limit_reached",
            AppError::Locked { contract: false } => "locked",
            AppError::Locked { contract: true } => "contract_locked",
            AppError::TooManyAttempts => "too_many_attempts",
            AppError::CertificateRefused(_) => "certificate_refused",
            AppError::UseCertificateLogon => "use_certificate_logon",
            AppError::PinChangeRequired => "pin_change_required",
            AppError::RenewalNotOpen => "renewal_not_open",
            AppError::BadRequest => "bad_request",
            AppError::Internal => "internal",
            AppError::Unavailable => "unavailable",
            AppError::InPage => "in_page",
            AppError::Communication => "communication",
        }
    }

    /// One refused field.
    pub fn field(field: Field, problem: Problem) -> Self {
        AppError::Invalid(vec![FieldError { field, problem }])
    }

    /// The problem of `field`, if this error refused it.
    pub fn problem_of(&self, field: Field) -> Option<Problem> {
        match self {
            AppError::Invalid(errors) => errors.iter().find(|e| e.field == field).map(|e| e.problem),
            _ => None,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // On the server: the arguments could not be decoded — a malformed request, not a
            // crash. In the browser: the answer could not be read.
            E::Args(_) | E::Deserialization(_) | E::MissingArg(_) => {
                if cfg!(feature = "ssr") {
                    AppError::BadRequest
                } else {
                    AppError::Communication
                }
            }
            E::Request(_) | E::Response(_) | E::Registration(_) | E::UnsupportedRequestMethod(_) => {
                AppError::Communication
            }
            E::ServerError(_) | E::Serialization(_) | E::MiddlewareError(_) => AppError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_named_on_the_wire_as_in_its_form() {
        let all = [
            Field::ContractId,
            Field::Pin,
            Field::UserId,
            Field::UserName,
            Field::Email,
            Field::UserPin,
            Field::UserPinAgain,
            Field::UserConfirmPin,
            Field::UserConfirmPinAgain,
            Field::CurrentUserPin,
            Field::CurrentUserConfirmPin,
            Field::LogonMethod,
            Field::AdminConfirmPin,
            Field::FilePassword,
            Field::FilePasswordAgain,
            Field::Csr,
            Field::Selection,
            Field::Code,
            Field::PasskeyName,
            Field::Passkey,
            Field::PeriodFrom,
            Field::PeriodTo,
            Field::Within,
        ];
        for field in all {
            let wire = serde_json::to_string(&field).expect("json");
            assert_eq!(wire, format!("\"{}\"", field.name()));
        }
    }
}

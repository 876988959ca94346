//! The one error type that crosses the wire.
//!
//! Every server function returns `Result<_, AppError>`. Variants carry codes, never text: the
//! browser turns them into Japanese or English with [`crate::i18n`]. `Internal` carries nothing
//! at all — the cause is logged on the server and the browser only learns that something failed.

use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

/// Which input field a validation message belongs to (also the form field's `name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    ContractId,
    Pin,
}

impl Field {
    /// The HTML `id`/`name` of the field on its form.
    pub fn name(self) -> &'static str {
        match self {
            Field::ContractId => "contract_id",
            Field::Pin => "pin",
        }
    }
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
    /// One input field was refused. HTTP 422.
    #[error("invalid {field:?}: {problem:?}")]
    Invalid { field: Field, problem: Problem },
    /// Something on the server failed; details are in the server log only. HTTP 500.
    #[error("internal error")]
    Internal,
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
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Invalid { .. } => 422,
            AppError::Internal | AppError::Communication => 500,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // The arguments could not be decoded: treat it as a malformed request, not a crash.
            E::Args(_) | E::Deserialization(_) | E::MissingArg(_) => AppError::Communication,
            E::Request(_) | E::Response(_) | E::Registration(_) | E::UnsupportedRequestMethod(_) => {
                AppError::Communication
            }
            E::ServerError(_) | E::Serialization(_) | E::MiddlewareError(_) => AppError::Internal,
        }
    }
}

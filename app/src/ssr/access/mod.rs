//! Who may act: logons (管理者 / 利用者, by ID and PIN or by certificate), sessions, the
//! per-request check of the caller ([`auth::require_admin`], [`auth::require_user`]), the PIN
//! change, lockout and the attempt throttle's limits; and the server side of one server-function
//! call ([`request::Call`]: cookies, client address, error → HTTP status).
//!
//! Owns: every session row and every count of wrong PINs. PINs are hashed by
//! [`crate::ssr::pin`] (on its own threads) and attempts counted by [`crate::ssr::throttle`];
//! this room decides when and with which limits.
//!
//! Never: changes a certificate or a user's registration (it asks [`crate::ssr::pki::judge`]
//! whether a presented certificate is current), nor tells a failed logon which credential was
//! wrong.

pub mod auth;
pub mod lockout;
pub mod passkeys;
pub mod request;
pub mod second_factor;
pub mod session;

use crate::error::AppError;
use crate::ssr::AppState;

/// Counts a logon or acquisition attempt against the configured limits per client address and
/// per account (the account as typed, at most 64 characters).
pub fn throttle_attempt(state: &AppState, addr: &str, account: &str, now: i64) -> Result<(), AppError> {
    let s = &state.settings;
    let account: String = account.chars().take(64).collect();
    state.throttle.attempt(
        addr,
        s.attempts_per_minute_per_address,
        &account,
        s.attempts_per_minute_per_account,
        now,
    )
}

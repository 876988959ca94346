//! What a certificate holder (a user, or the corporation's administrator for its own
//! certificate) does outside the administrator's screens: 電子証明書取得 ([`acquisition`]) and
//! 利用者ステータス ([`status`]). Renewal with the current certificate is
//! [`crate::ssr::pki::issuance::renew`]: it needs no PIN of the holder's.
//!
//! Never: issues without both of the holder's PINs checked — [`acquisition::Checked`] is the
//! proof, and only this room can make one.

pub mod acquisition;
pub mod status;

//! Server functions: the public endpoints of the product, at stable paths under `/api/`.
//!
//! Each body authorises the caller on the server, makes one call into `crate::ssr`, and maps the
//! error (with its HTTP status) — route guards in the UI are only for comfort.

pub mod audit;
pub mod auth;
pub mod certificates;
pub mod import;
pub mod inventory;
pub mod notices;
pub mod passkeys;
pub mod second_factor;
pub mod user;
pub mod users;

//! bizdirect server: configuration, the HTTPS listener, router wiring and the bank-operator CLI.
//! The domain lives in `app::ssr`; this crate only wires it.

pub mod backup;
pub mod checkpoints;
pub mod config;
pub mod files;
pub mod lang;
pub mod ops;
pub mod publish;
pub mod router;
pub mod security;
pub mod start;
pub mod tls;

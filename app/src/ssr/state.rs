//! What every request can reach: the database pool, the PIN hasher and the settings.
//! Provided to server functions as leptos context by the server's router.

use super::pin::PinHasher;
use sqlx::SqlitePool;
use std::sync::Arc;

/// Runtime settings the domain needs (parsed from flags/env/file by the server binary).
#[derive(Debug, Clone)]
pub struct Settings {
    /// A session ends after this many seconds without a request (SPEC: 10 minutes).
    pub session_idle_secs: i64,
    /// A session ends this many seconds after logon, however active.
    pub session_max_secs: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self { session_idle_secs: 10 * 60, session_max_secs: 8 * 3600 }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: SqlitePool,
    pub pins: Arc<PinHasher>,
    pub settings: Arc<Settings>,
}

impl AppState {
    pub fn new(db: SqlitePool, settings: Settings) -> Self {
        Self { db, pins: Arc::new(PinHasher::new()), settings: Arc::new(settings) }
    }
}

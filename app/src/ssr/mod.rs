//! Server-only domain (feature `ssr`): never compiled to WASM.
//!
//! Rooms, each importing only from the rooms below it:
//!
//! | room | owns |
//! |---|---|
//! | [`operator`] | the bank operator's use cases: the server binary's one door into the domain |
//! | [`admin`] | the administrator's screens: status, users, file settings, 操作履歴照会 |
//! | [`holder`] | 電子証明書取得 (both PINs checked, then issuance) and 利用者ステータス |
//! | [`access`] | logons, sessions, the caller of each request, PIN change, lockout, throttle limits |
//! | [`state`] | [`AppState`]: what every request can reach |
//! | [`pki`] | the CA and its key, X.509, issuance and group commit, revocation, CRL, OCSP, `judge` |
//! | [`outbox`] | 電子メール通知: notices written in the change's transaction, and their delivery |
//! | [`audit`] | the hash-chained audit log: one way to write a record, and its verifier |
//! | [`db`] | all SQL, one module per table, on SQLite or PostgreSQL |
//!
//! Beneath them all, used by any room: [`secret`] (types whose `Debug` prints `***`), [`cpu`]
//! (thread pools for CPU-heavy work), [`pin`] (Argon2id on its pool), [`throttle`] (attempt
//! buckets in memory), [`telemetry`] (what the operators' metrics count), [`seal`] (secrets
//! sealed under the server's key), [`otp`] (RFC 6238 codes, the `otpauth://` URI and its QR
//! code), [`Settings`], [`now`] and [`internal`].
//!
//! Server functions in `crate::api` authorise through `access` and then make one call into a room.
//! The benchmark harness has an entry of its own, `bench`, only with the feature `bench`.

pub mod access;
pub mod admin;
pub mod audit;
#[cfg(feature = "bench")]
pub mod bench;
pub mod cpu;
pub mod db;
pub mod holder;
pub mod operator;
pub mod otp;
pub mod outbox;
pub mod pin;
pub mod pki;
pub mod seal;
pub mod secret;
pub mod settings;
pub mod site;
pub mod state;
pub mod telemetry;
pub mod throttle;

pub use db::{open as open_database, Location as Database};
pub use settings::Settings;
pub use state::AppState;

/// Current time as unix seconds. The domain takes `now` as an argument everywhere so that
/// tests can move time (idle timeouts, expiry) without sleeping.
pub fn now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
}

/// Logs an unexpected failure and turns it into the opaque [`crate::error::AppError::Internal`],
/// or, when the database cannot be reached or cannot write now ([`db::unavailable`]), into
/// [`crate::error::AppError::Unavailable`] (HTTP 503: nothing changed, try again later).
pub fn internal(context: &str, err: impl std::fmt::Display + 'static) -> crate::error::AppError {
    if (&err as &dyn std::any::Any).downcast_ref::<sqlx::Error>().is_some_and(db::unavailable) {
        tracing::error!("{context}: the database is unavailable: {err}");
        return crate::error::AppError::Unavailable;
    }
    tracing::error!("{context}: {err}");
    crate::error::AppError::Internal
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The rooms from the top down; a room may name only those after it, and the modules
    /// beneath them all.
    const ROOMS: [&str; 9] =
        ["operator", "admin", "holder", "access", "state", "pki", "outbox", "audit", "db"];
    const BENEATH: [&str; 8] = ["secret", "cpu", "pin", "throttle", "settings", "telemetry", "seal", "otp"];

    /// The room (or module beneath the rooms) a file of `src/ssr/` belongs to.
    fn room_of(relative: &Path) -> String {
        let first = relative.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned());
        first.unwrap_or_default().trim_end_matches(".rs").to_owned()
    }

    /// Every `crate::ssr::<module>` a file names in code (comments and test modules aside).
    fn named(source: &str) -> Vec<String> {
        let code = source.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
        let code: String =
            code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        let module = |s: &str| s.trim().chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
        let mut names = Vec::new();
        let mut rest = code.as_str();
        while let Some(at) = rest.find("crate::ssr::") {
            rest = &rest[at + "crate::ssr::".len()..];
            match rest.strip_prefix('{') {
                // `crate::ssr::{a, b::c, D}`: the first segment of each
                Some(group) => {
                    let group = &group[..group.find('}').unwrap_or(group.len())];
                    names.extend(group.split(',').map(module));
                }
                None => names.push(module(rest)),
            }
        }
        names
    }

    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src/ssr").flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn no_room_names_a_room_above_it() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ssr");
        let mut all = Vec::new();
        files(&root, &mut all);
        let rank = |m: &str| ROOMS.iter().position(|r| *r == m);
        let mut upward = Vec::new();
        for path in &all {
            let relative = path.strip_prefix(&root).expect("below src/ssr");
            let from = room_of(relative);
            let mut source = std::fs::read_to_string(path).expect("read");
            // as many `super::` as the module is deep below `ssr` name `crate::ssr::`
            let depth = relative.components().count() - usize::from(relative.ends_with("mod.rs"));
            if depth > 0 {
                source = source.replace(&"super::".repeat(depth), "crate::ssr::");
            }
            for to in named(&source) {
                let allowed = match (rank(&from), rank(&to)) {
                    _ if from == to => true,
                    (Some(f), Some(t)) => t > f,
                    // beneath the rooms: names nothing above it
                    (None, Some(_)) => !BENEATH.contains(&from.as_str()),
                    _ => true,
                };
                if !allowed {
                    upward.push(format!("{} names ssr::{to}", relative.display()));
                }
            }
        }
        assert!(all.len() > 30, "the rooms' files are found ({} read)", all.len());
        assert!(upward.is_empty(), "imports from a room above: {upward:#?}");
    }
}

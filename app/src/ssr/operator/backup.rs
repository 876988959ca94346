//! The domain's part of `server backup`: a consistent copy of the SQLite database while the server
//! writes, what the copy holds, and the CA's files as they are on disk. The archive itself (its
//! manifest, hashes and modes) is the server binary's.

use crate::ssr::db::backup as db;
use crate::ssr::pki::ca::{key, CaError};
use std::path::Path;

pub use crate::ssr::db::backup::Counts;
pub use crate::ssr::pki::ca::key::AtRest;

/// Copies the live SQLite database at `live` into the new file `copy` (`VACUUM INTO`): a
/// consistent snapshot while the server writes, and the live file is left as it is.
pub async fn snapshot(live: &Path, copy: &Path) -> Result<(), sqlx::Error> {
    let pool = db::open_live(live).await?;
    let copied = db::snapshot(&pool, copy).await;
    pool.close().await;
    copied
}

/// What a database copy holds, opened read-only: its counts, or SQLite's `quick_check` problem.
pub async fn inspect(copy: &Path) -> Result<Result<Counts, String>, sqlx::Error> {
    let pool = db::open_snapshot(copy).await?;
    let result = async {
        Ok(match db::quick_check(&pool).await? {
            Some(problem) => Err(problem),
            None => Ok(db::counts(&pool).await?),
        })
    }
    .await;
    pool.close().await;
    result
}

/// `ca.crt` and `ca.key` of the CA folder `dir`, exactly as on disk (`None`: missing).
pub fn ca_files(dir: &Path) -> Result<[(&'static str, Option<AtRest>); 2], CaError> {
    key::files_at_rest(dir)
}

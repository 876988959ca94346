//! PIN hashing: Argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1).
//!
//! Hashing is CPU- and memory-heavy, so it never runs on the async threads: a [`cpu::Pool`] of
//! one thread per core does it, in arrival order (so at most one hash per core runs at once, and
//! a logon storm queues instead of multiplying memory), at a lower scheduling priority, so a
//! storm of logons cannot starve the rest (docs/PERFORMANCE.md, P3). The cost parameters are
//! never lowered.

use super::cpu;
use super::secret::{Pin, PinHash};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

fn argon2() -> Argon2<'static> {
    // OWASP Password Storage Cheat Sheet: Argon2id, 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("argon2: {0}")]
    Hash(String),
    #[error("hasher closed")]
    Closed,
}

/// The hashing pool. Its threads end when it is dropped.
pub struct PinHasher {
    pool: cpu::Pool,
}

impl Default for PinHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl PinHasher {
    pub fn new() -> Self {
        Self { pool: cpu::Pool::new("pin-hash", cpu::Priority::Background) }
    }

    /// How many hashings wait for a thread now.
    pub fn waiting(&self) -> usize {
        self.pool.waiting()
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, PinError> + Send + 'static,
    ) -> Result<T, PinError> {
        self.pool.run(work).await.map_err(|_| PinError::Closed)?
    }

    pub async fn hash(&self, pin: &Pin) -> Result<PinHash, PinError> {
        let pin = pin.clone();
        self.run(move || hash_blocking(&pin)).await
    }

    /// Checks a PIN against a stored hash. With `None` (unknown account) it still spends the
    /// time of one verification, so the answer time does not reveal whether the account exists.
    pub async fn verify(&self, stored: Option<&PinHash>, pin: &Pin) -> Result<bool, PinError> {
        let pin = pin.clone();
        let stored = stored.cloned();
        self.run(move || {
            if let Some(hash) = stored {
                verify_blocking(&hash, &pin)
            } else {
                let _ = verify_blocking(dummy_hash(), &pin);
                Ok(false)
            }
        })
        .await
    }
}

fn hash_blocking(pin: &Pin) -> Result<PinHash, PinError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(pin.expose().as_bytes(), &salt)
        .map(|h| PinHash::new(h.to_string()))
        .map_err(|e| PinError::Hash(e.to_string()))
}

fn verify_blocking(stored: &PinHash, pin: &Pin) -> Result<bool, PinError> {
    let parsed = PasswordHash::new(stored.expose()).map_err(|e| PinError::Hash(e.to_string()))?;
    Ok(argon2().verify_password(pin.expose().as_bytes(), &parsed).is_ok())
}

fn dummy_hash() -> &'static PinHash {
    static DUMMY: OnceLock<PinHash> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking(&Pin::new("not-a-real-pin-0".into())).unwrap_or_else(|_| PinHash::new(String::new()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let hasher = PinHasher::new();
        let hash = hasher.hash(&Pin::new("User1234".into())).await.expect("hash");
        assert!(hash.expose().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", hash.expose());
        assert!(hasher.verify(Some(&hash), &Pin::new("User1234".into())).await.expect("verify"));
        assert!(!hasher.verify(Some(&hash), &Pin::new("user1234".into())).await.expect("verify"));
        assert!(!hasher.verify(None, &Pin::new("User1234".into())).await.expect("verify"));
        let again = hasher.hash(&Pin::new("User1234".into())).await.expect("hash");
        assert_ne!(hash, again, "every hash has its own salt");
    }
}

//! Throttling of logon and acquisition attempts, per client address and per account. Each key
//! has a bucket of `limit` attempts that refills continuously at `limit` per minute, so a burst
//! is at most `limit` and the rate over any minute at most twice that; fixed one-minute windows
//! would allow a double burst across a minute boundary (and reset mid-attack).
//! Beyond the limits the answer is [`AppError::TooManyAttempts`] at once — before any PIN is
//! hashed, so a flood costs the server almost nothing and never hangs. The address is counted
//! first: an address already refused charges no account, so one client spraying typed IDs
//! cannot use up other people's accounts, nor fill the table faster than its own limit allows.
//! In memory, per server instance: the lockout (in the database) is the hard limit per account;
//! this is the cheap first line.
//!
//! Cost under a spray of fresh keys: every attempt is two hash-map operations under the lock,
//! whatever the number of keys. Keys are kept in two generations: a bucket untouched for a whole
//! refill period is full, the same as none, so every [`REFILL_SECS`] the older generation is
//! dropped whole (outside the lock) and the current one becomes the older. Memory is bounded: a
//! generation that reaches [`MAX_KEYS`] is retired early, which forgets buckets younger than a
//! refill period (those keys start full again: the lenient side; the lockout still counts every
//! wrong PIN). Keys are stored as 64-bit keyed hashes (the hasher's random seed), not as text.

use crate::error::AppError;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;

/// Seconds in which an empty bucket fills up again.
const REFILL_SECS: i64 = 60;
/// Keys one generation holds before it is retired early (about 40 bytes each).
pub const MAX_KEYS: usize = 500_000;

/// Attempts left and the unix second they were counted at.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    left: f32,
    at: i64,
}

#[derive(Debug, Default)]
struct Generations {
    current: HashMap<u64, Bucket>,
    older: HashMap<u64, Bucket>,
    /// When `current` began.
    since: i64,
}

impl Generations {
    /// Retires the older generation when `current` is a refill period old or full; returns the
    /// retired map, for the caller to drop outside the lock.
    fn turn(&mut self, now: i64) -> Option<HashMap<u64, Bucket>> {
        if now - self.since < REFILL_SECS && self.current.len() < MAX_KEYS {
            return None;
        }
        self.since = now;
        let older = std::mem::replace(&mut self.older, std::mem::take(&mut self.current));
        Some(older)
    }

    /// Takes one attempt from `key`'s bucket of `limit`; false when it is empty.
    fn take(&mut self, key: u64, limit: u32, now: i64) -> bool {
        let limit = f64::from(limit);
        let older = &mut self.older;
        let bucket = (self.current.entry(key))
            .or_insert_with(|| older.remove(&key).unwrap_or(Bucket { left: f32::MAX, at: now }));
        #[allow(clippy::cast_precision_loss)] // seconds since the last attempt: small
        let refilled = (now - bucket.at).max(0) as f64 * limit / REFILL_SECS as f64;
        let left = (f64::from(bucket.left) + refilled).min(limit);
        bucket.at = now;
        #[allow(clippy::cast_possible_truncation)] // at most the limit, a u32
        if left >= 1.0 {
            bucket.left = (left - 1.0) as f32;
            true
        } else {
            bucket.left = left as f32;
            false
        }
    }
}

#[derive(Debug, Default)]
pub struct Throttle {
    seed: RandomState,
    keys: Mutex<Generations>,
}

impl Throttle {
    /// Counts one attempt from `addr` for `account`; refuses when either is over its limit. A
    /// refused address is not counted against the account.
    pub fn attempt(
        &self,
        addr: &str,
        per_addr: u32,
        account: &str,
        per_account: u32,
        now: i64,
    ) -> Result<(), AppError> {
        let (addr_key, account_key) =
            (self.seed.hash_one(("addr", addr)), self.seed.hash_one(("account", account)));
        let (ok, retired) = {
            let Ok(mut keys) = self.keys.lock() else { return Err(AppError::Internal) };
            let retired = keys.turn(now);
            let ok = keys.take(addr_key, per_addr, now) && keys.take(account_key, per_account, now);
            (ok, retired)
        };
        drop(retired);
        if ok {
            Ok(())
        } else {
            Err(AppError::TooManyAttempts)
        }
    }

    /// Keys held now (both generations).
    pub fn keys(&self) -> usize {
        self.keys.lock().map_or(0, |k| k.current.len() + k.older.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_and_per_account() {
        let t = Throttle::default();
        for _ in 0..3 {
            assert!(t.attempt("10.0.0.1", 100, "acct", 3, 60).is_ok());
        }
        assert_eq!(
            t.attempt("10.0.0.2", 100, "acct", 3, 61),
            Err(AppError::TooManyAttempts),
            "per account, any address"
        );
        assert!(t.attempt("10.0.0.1", 100, "other", 3, 62).is_ok(), "another account");
        assert!(t.attempt("10.0.0.1", 100, "acct", 3, 125).is_ok(), "a minute later it is full again");
        let t = Throttle::default();
        for i in 0..5 {
            assert!(t.attempt("10.0.0.9", 5, &format!("a{i}"), 100, 0).is_ok());
        }
        assert_eq!(
            t.attempt("10.0.0.9", 5, "a9", 100, 1),
            Err(AppError::TooManyAttempts),
            "per address, any account"
        );
    }

    #[test]
    fn a_refused_address_charges_no_account() {
        let t = Throttle::default();
        assert!(t.attempt("10.0.0.1", 1, "victim", 2, 0).is_ok());
        for _ in 0..10 {
            assert_eq!(t.attempt("10.0.0.1", 1, "victim", 2, 0), Err(AppError::TooManyAttempts));
        }
        assert!(t.attempt("10.0.0.2", 1, "victim", 2, 0).is_ok(), "the account still has its second attempt");
        // …and a refused address adds no key for the accounts it sprays.
        let keys = t.keys();
        for i in 0..100 {
            let _ = t.attempt("10.0.0.1", 1, &format!("sprayed{i}"), 2, 0);
        }
        assert_eq!(t.keys(), keys);
    }

    #[test]
    fn no_second_burst_at_a_minute_boundary_and_a_steady_refill() {
        let t = Throttle::default();
        for _ in 0..3 {
            assert!(t.attempt("10.0.0.1", 100, "acct", 3, 59).is_ok());
        }
        assert_eq!(t.attempt("10.0.0.1", 100, "acct", 3, 60), Err(AppError::TooManyAttempts), "at :00");
        // 3 per minute: one attempt back every 20 seconds, no more.
        assert_eq!(t.attempt("10.0.0.1", 100, "acct", 3, 78), Err(AppError::TooManyAttempts));
        assert!(t.attempt("10.0.0.1", 100, "acct", 3, 80).is_ok());
        assert_eq!(t.attempt("10.0.0.1", 100, "acct", 3, 81), Err(AppError::TooManyAttempts));
    }

    #[test]
    fn an_empty_bucket_survives_a_turn_of_generations() {
        let t = Throttle::default();
        for _ in 0..3 {
            assert!(t.attempt("10.0.0.1", 100, "acct", 3, 50).is_ok());
        }
        assert_eq!(t.attempt("10.0.0.1", 100, "acct", 3, 55), Err(AppError::TooManyAttempts));
        // At 111 the generations turn: the bucket, last touched at 55, is in the older one now,
        // and comes back with what refilled since then (56 s × 3/min ≈ 2.8, plus 0.25) and no more.
        assert!(t.attempt("10.9.0.1", 100, "other", 3, 111).is_ok());
        for _ in 0..3 {
            assert!(t.attempt("10.0.0.1", 100, "acct", 3, 112).is_ok());
        }
        assert_eq!(t.attempt("10.0.0.1", 100, "acct", 3, 112), Err(AppError::TooManyAttempts));
    }

    #[test]
    fn memory_is_bounded_under_a_spray_of_fresh_keys() {
        let t = Throttle::default();
        for i in 0..(3 * MAX_KEYS / 2) {
            let _ = t.attempt(&format!("10.{i}"), 5, &format!("a{i}"), 5, 0);
        }
        assert!(t.keys() <= 2 * MAX_KEYS + 2, "{} keys", t.keys());
    }
}

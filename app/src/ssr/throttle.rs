//! Throttling of logon and acquisition attempts, per client address and per account. Each key
//! has a bucket of `limit` attempts that refills continuously at `limit` per minute, so a burst
//! is at most `limit` and the rate over any minute at most twice that; fixed one-minute windows
//! would allow a double burst across a minute boundary (and reset mid-attack).
//! Beyond the limits the answer is [`AppError::TooManyAttempts`] at once — before any PIN is
//! hashed, so a flood costs the server almost nothing and never hangs.
//! In memory, per server instance: the lockout (in the database) is the hard limit per account;
//! this is the cheap first line.

use crate::error::AppError;
use std::collections::HashMap;
use std::sync::Mutex;

/// Buckets kept before the full ones are swept.
const SWEEP_AT: usize = 10_000;
/// Seconds in which an empty bucket fills up again.
const REFILL_SECS: i64 = 60;

#[derive(Debug, Default)]
pub struct Throttle {
    /// key → (attempts left, unix second they were counted at)
    buckets: Mutex<HashMap<String, (f64, i64)>>,
}

impl Throttle {
    /// Counts one attempt from `addr` for `account`; refuses when either is over its limit.
    pub fn attempt(
        &self,
        addr: &str,
        per_addr: u32,
        account: &str,
        per_account: u32,
        now: i64,
    ) -> Result<(), AppError> {
        let Ok(mut buckets) = self.buckets.lock() else { return Err(AppError::Internal) };
        if buckets.len() > SWEEP_AT {
            // A bucket untouched for a whole refill period is full: the same as none.
            buckets.retain(|_, (_, at)| now - *at < REFILL_SECS);
        }
        let mut take = |key: String, limit: u32| {
            let limit = f64::from(limit);
            let (left, at) = buckets.entry(key).or_insert((limit, now));
            #[allow(clippy::cast_precision_loss)] // seconds since the last attempt: small
            let refilled = (now - *at).max(0) as f64 * limit / REFILL_SECS as f64;
            *left = (*left + refilled).min(limit);
            *at = now;
            if *left >= 1.0 {
                *left -= 1.0;
                true
            } else {
                false
            }
        };
        let addr_ok = take(format!("addr:{addr}"), per_addr);
        let account_ok = take(format!("account:{account}"), per_account);
        if addr_ok && account_ok {
            Ok(())
        } else {
            Err(AppError::TooManyAttempts)
        }
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
    fn full_buckets_are_swept() {
        let t = Throttle::default();
        for i in 0..=SWEEP_AT {
            assert!(t.attempt(&format!("10.1.{i}"), 5, "acct-x", 100_000, 0).is_ok());
        }
        assert!(t.attempt("10.2.0.1", 5, "acct-y", 5, REFILL_SECS).is_ok());
        assert_eq!(t.buckets.lock().map(|b| b.len()).ok(), Some(2), "only the two just used");
    }
}

//! Throttling of logon and acquisition attempts, per client address and per account, in fixed
//! one-minute windows. Beyond the limits the answer is [`AppError::TooManyAttempts`] at once —
//! before any PIN is hashed, so a flood costs the server almost nothing and never hangs.
//! In memory, per server instance: the lockout (in the database) is the hard limit per account;
//! this is the cheap first line.

use crate::error::AppError;
use std::collections::HashMap;
use std::sync::Mutex;

/// Windows kept before old ones are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Default)]
pub struct Throttle {
    /// key → (window = unix minute, attempts in it)
    counts: Mutex<HashMap<String, (i64, u32)>>,
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
        let window = now.div_euclid(60);
        let Ok(mut counts) = self.counts.lock() else { return Err(AppError::Internal) };
        if counts.len() > SWEEP_AT {
            counts.retain(|_, (w, _)| *w == window);
        }
        let mut bump = |key: String, limit: u32| {
            let entry = counts.entry(key).or_insert((window, 0));
            if entry.0 != window {
                *entry = (window, 0);
            }
            entry.1 = entry.1.saturating_add(1);
            entry.1 <= limit
        };
        let addr_ok = bump(format!("addr:{addr}"), per_addr);
        let account_ok = bump(format!("account:{account}"), per_account);
        if addr_ok && account_ok {
            Ok(())
        } else {
            Err(AppError::TooManyAttempts)
        }
    }
}

/// Counts an attempt against the configured limits of `state`.
pub fn attempt(state: &super::AppState, addr: &str, account: &str, now: i64) -> Result<(), AppError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_and_per_account_in_one_minute_windows() {
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
        assert!(t.attempt("10.0.0.1", 100, "acct", 3, 120).is_ok(), "the next minute starts again");
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
}

//! Login rate limits: failed sign-ins are counted per account and per client address over a sliding
//! window; past the limit, sign-in is refused without checking the password.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many keys the limiter tracks before it prunes expired ones (bounds memory under a flood).
const PRUNE_ABOVE: usize = 10_000;

/// Counts failed sign-ins; one per server, shared by every worker.
#[derive(Debug)]
pub struct LoginLimiter {
    window: Duration,
    max_per_account: usize,
    max_per_address: usize,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Default for LoginLimiter {
    /// 5 failures per account and 20 per address in 15 minutes.
    fn default() -> Self {
        Self::new(Duration::from_secs(15 * 60), 5, 20)
    }
}

impl LoginLimiter {
    /// A limiter allowing `max_per_account` and `max_per_address` failures per `window`.
    pub fn new(window: Duration, max_per_account: usize, max_per_address: usize) -> Self {
        Self {
            window,
            max_per_account,
            max_per_address,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(account: &str, address: &str) -> [(String, bool); 2] {
        [
            (format!("account:{account}"), true),
            (format!("address:{address}"), false),
        ]
    }

    /// `Err(wait)` when this account or address has failed too often; `wait` is when it may try again.
    pub fn check(&self, account: &str, address: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = Duration::ZERO;
        for (key, is_account) in Self::keys(account, address) {
            let max = if is_account {
                self.max_per_account
            } else {
                self.max_per_address
            };
            if let Some(times) = failures.get_mut(&key) {
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    times.pop_front();
                }
                if times.len() >= max
                    && let Some(oldest) = times.front()
                {
                    wait = wait.max(self.window - now.duration_since(*oldest));
                }
            }
        }
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// Records one failed sign-in.
    pub fn record_failure(&self, account: &str, address: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > PRUNE_ABOVE {
            let window = self.window;
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
        for (key, _) in Self::keys(account, address) {
            failures.entry(key).or_default().push_back(now);
        }
    }

    /// Forgets an account's failures after it signed in successfully (the address keeps its count).
    pub fn clear_account(&self, account: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&format!("account:{account}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_limit_applies_across_addresses() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 3, 100);
        for i in 0..3 {
            assert!(limiter.check("a@x.jp", &format!("10.0.0.{i}")).is_ok());
            limiter.record_failure("a@x.jp", &format!("10.0.0.{i}"));
        }
        let wait = limiter.check("a@x.jp", "10.0.0.9").unwrap_err();
        assert!(wait <= Duration::from_secs(60) && wait > Duration::from_secs(50));
        assert!(limiter.check("b@x.jp", "10.0.0.9").is_ok());
        limiter.clear_account("a@x.jp");
        assert!(limiter.check("a@x.jp", "10.0.0.9").is_ok());
    }

    #[test]
    fn address_limit_applies_across_accounts() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 100, 2);
        limiter.record_failure("a@x.jp", "10.0.0.1");
        limiter.record_failure("b@x.jp", "10.0.0.1");
        assert!(limiter.check("c@x.jp", "10.0.0.1").is_err());
        assert!(limiter.check("c@x.jp", "10.0.0.2").is_ok());
    }

    #[test]
    fn failures_expire_after_the_window() {
        let limiter = LoginLimiter::new(Duration::from_millis(20), 1, 1);
        limiter.record_failure("a@x.jp", "10.0.0.1");
        assert!(limiter.check("a@x.jp", "10.0.0.1").is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(limiter.check("a@x.jp", "10.0.0.1").is_ok());
    }
}

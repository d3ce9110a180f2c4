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
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let wait = self.wait(&mut failures, account, address, Instant::now());
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// Counts an attempt before its password is checked, so simultaneous guesses cannot all pass the check
    /// before any failure is recorded: `Err(wait)` when this account or address is at its limit. A
    /// successful attempt gives its place back with [`LoginLimiter::succeeded`].
    pub fn reserve(&self, account: &str, address: &str) -> Result<(), Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let wait = self.wait(&mut failures, account, address, now);
        if !wait.is_zero() {
            return Err(wait);
        }
        Self::push(&mut failures, account, address, now, self.window);
        Ok(())
    }

    /// A reserved attempt succeeded: the account's failures are forgotten and the address gets its place
    /// back.
    pub fn succeeded(&self, account: &str, address: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&format!("account:{account}"));
        if let Some(times) = failures.get_mut(&format!("address:{address}")) {
            times.pop_back();
        }
    }

    /// How long `account` or `address` must wait (zero: not at a limit), dropping expired failures.
    fn wait(
        &self,
        failures: &mut HashMap<String, VecDeque<Instant>>,
        account: &str,
        address: &str,
        now: Instant,
    ) -> Duration {
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
        wait
    }

    fn push(
        failures: &mut HashMap<String, VecDeque<Instant>>,
        account: &str,
        address: &str,
        now: Instant,
        window: Duration,
    ) {
        if failures.len() > PRUNE_ABOVE {
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

    /// Records one failed sign-in.
    pub fn record_failure(&self, account: &str, address: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Self::push(&mut failures, account, address, Instant::now(), self.window);
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
    fn reserved_attempts_count_before_the_password_is_checked() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 5, 20);
        let granted = (0..30)
            .filter(|_| limiter.reserve("a@x.jp", "10.0.0.1").is_ok())
            .count();
        assert_eq!(granted, 5, "only five checks, however many arrive at once");
        limiter.succeeded("a@x.jp", "10.0.0.1");
        assert!(
            limiter.reserve("a@x.jp", "10.0.0.1").is_ok(),
            "a success frees the account"
        );
    }

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

//! What one anonymous visitor, or one client address, may make Sodan store: messages, page views, events,
//! new visitor records and uploads, each with a budget, checked here before the write. Rates are token
//! buckets (a burst, then a steady refill); uploads have a daily count and byte total. Defaults are
//! generous enough that no real visitor meets them; a refused action gets a retry time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What is being spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A chat message.
    Message,
    /// A page view.
    Page,
    /// An event, attribute change, cart change or identify call.
    Event,
    /// A new visitor record (a hello without a token).
    NewVisitor,
    /// An uploaded file.
    Upload,
}

/// Who spends it: one visitor, or everyone behind one client address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Spender {
    /// A visitor record.
    Visitor(u64),
    /// A client address (anonymous visitors share it).
    Address(String),
}

/// A token bucket's shape: `burst` at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// How many at once.
    pub burst: u32,
    /// How many more each minute.
    pub per_minute: u32,
}

/// The budgets, per visitor and per client address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budgets {
    /// Chat messages per visitor.
    pub messages: Rate,
    /// Page views per visitor.
    pub pages: Rate,
    /// Events (track, set, cart, identify) per visitor.
    pub events: Rate,
    /// How many times the per-visitor rates one address may spend in all (many visitors behind one
    /// office or mobile network).
    pub address_factor: u32,
    /// New visitor records per address.
    pub new_visitors: Rate,
    /// Uploads per visitor per day.
    pub uploads_per_day: u32,
    /// Bytes uploaded per visitor per day.
    pub upload_bytes_per_day: u64,
    /// Bytes uploaded by everyone behind one address per day.
    pub address_upload_bytes_per_day: u64,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            messages: Rate {
                burst: 20,
                per_minute: 20,
            },
            pages: Rate {
                burst: 30,
                per_minute: 60,
            },
            events: Rate {
                burst: 60,
                per_minute: 120,
            },
            address_factor: 10,
            new_visitors: Rate {
                burst: 30,
                per_minute: 30,
            },
            uploads_per_day: 30,
            upload_bytes_per_day: 100 * 1024 * 1024,
            address_upload_bytes_per_day: 300 * 1024 * 1024,
        }
    }
}

impl Budgets {
    /// Budgets no single test client or load generator reaches (every simulated visitor of a benchmark
    /// shares one address).
    pub fn unbounded() -> Budgets {
        let rate = Rate {
            burst: 1_000_000,
            per_minute: 1_000_000,
        };
        Budgets {
            messages: rate,
            pages: rate,
            events: rate,
            address_factor: 1,
            new_visitors: rate,
            uploads_per_day: 1_000_000,
            upload_bytes_per_day: u64::MAX / 4,
            address_upload_bytes_per_day: u64::MAX / 4,
        }
    }

    /// The rate of `kind` for one visitor.
    fn visitor_rate(&self, kind: Kind) -> Option<Rate> {
        match kind {
            Kind::Message => Some(self.messages),
            Kind::Page => Some(self.pages),
            Kind::Event => Some(self.events),
            Kind::NewVisitor | Kind::Upload => None,
        }
    }

    /// The rate of `kind` for everyone behind one address.
    fn address_rate(&self, kind: Kind) -> Option<Rate> {
        if kind == Kind::NewVisitor {
            return Some(self.new_visitors);
        }
        self.visitor_rate(kind).map(|r| Rate {
            burst: r.burst.saturating_mul(self.address_factor),
            per_minute: r.per_minute.saturating_mul(self.address_factor),
        })
    }
}

/// One bucket: tokens left as of `at`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A day's uploads of one spender.
#[derive(Debug, Clone, Copy)]
struct Daily {
    count: u32,
    bytes: u64,
    since: Instant,
}

/// How many spenders the meter tracks before it forgets idle ones (bounds its own memory).
const PRUNE_ABOVE: usize = 50_000;
const DAY: Duration = Duration::from_secs(86_400);

/// The running account of every spender; one per server.
#[derive(Debug, Default)]
pub struct Meter {
    budgets: Budgets,
    buckets: Mutex<HashMap<(Kind, Spender), Bucket>>,
    uploads: Mutex<HashMap<Spender, Daily>>,
}

fn refill(bucket: &mut Bucket, rate: Rate, now: Instant) {
    let minutes = now.duration_since(bucket.at).as_secs_f64() / 60.0;
    bucket.tokens =
        (bucket.tokens + minutes * f64::from(rate.per_minute)).min(f64::from(rate.burst));
    bucket.at = now;
}

fn wait_for_one(bucket: &Bucket, rate: Rate) -> Duration {
    let missing = (1.0 - bucket.tokens).max(0.0);
    let per_second = f64::from(rate.per_minute.max(1)) / 60.0;
    Duration::from_secs_f64(missing / per_second).max(Duration::from_millis(100))
}

impl Meter {
    /// A meter with `budgets`.
    pub fn new(budgets: Budgets) -> Meter {
        Meter {
            budgets,
            ..Meter::default()
        }
    }

    /// The budgets it applies.
    pub fn budgets(&self) -> &Budgets {
        &self.budgets
    }

    /// Spends one `kind` for `visitor` (if known) and `address`: `Err(wait)` when either is out of it,
    /// spending nothing.
    pub fn spend(&self, kind: Kind, visitor: Option<u64>, address: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            // A bucket full again is the same as no bucket.
            buckets.retain(|_, b| now.duration_since(b.at) < Duration::from_secs(600));
        }
        let mut wanted = Vec::with_capacity(2);
        if let (Some(v), Some(rate)) = (visitor, self.budgets.visitor_rate(kind)) {
            wanted.push(((kind, Spender::Visitor(v)), rate));
        }
        if let Some(rate) = self.budgets.address_rate(kind) {
            wanted.push(((kind, Spender::Address(address.to_owned())), rate));
        }
        let mut wait = Duration::ZERO;
        for (key, rate) in &wanted {
            let bucket = buckets.entry(key.clone()).or_insert(Bucket {
                tokens: f64::from(rate.burst),
                at: now,
            });
            refill(bucket, *rate, now);
            if bucket.tokens < 1.0 {
                wait = wait.max(wait_for_one(bucket, *rate));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for (key, _) in &wanted {
            if let Some(bucket) = buckets.get_mut(key) {
                bucket.tokens -= 1.0;
            }
        }
        Ok(())
    }

    /// Spends one upload of `bytes` for `visitor` and `address` (today's count and bytes): `Err(wait)`
    /// until the day's budget renews when either is out of it, spending nothing.
    pub fn spend_upload(&self, visitor: u64, address: &str, bytes: u64) -> Result<(), Duration> {
        let now = Instant::now();
        let mut uploads = self.uploads.lock().unwrap_or_else(|e| e.into_inner());
        if uploads.len() > PRUNE_ABOVE {
            uploads.retain(|_, d| now.duration_since(d.since) < DAY);
        }
        let keys = [
            (
                Spender::Visitor(visitor),
                self.budgets.upload_bytes_per_day,
                true,
            ),
            (
                Spender::Address(address.to_owned()),
                self.budgets.address_upload_bytes_per_day,
                false,
            ),
        ];
        let mut wait = Duration::ZERO;
        for (key, max_bytes, counted) in &keys {
            let daily = uploads.entry(key.clone()).or_insert(Daily {
                count: 0,
                bytes: 0,
                since: now,
            });
            if now.duration_since(daily.since) >= DAY {
                *daily = Daily {
                    count: 0,
                    bytes: 0,
                    since: now,
                };
            }
            let over_count = *counted && daily.count >= self.budgets.uploads_per_day;
            if over_count || daily.bytes.saturating_add(bytes) > *max_bytes {
                wait = wait.max(DAY.saturating_sub(now.duration_since(daily.since)));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for (key, _, _) in &keys {
            if let Some(daily) = uploads.get_mut(key) {
                daily.count += 1;
                daily.bytes = daily.bytes.saturating_add(bytes);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Budgets {
        Budgets {
            messages: Rate {
                burst: 3,
                per_minute: 60,
            },
            address_factor: 2,
            uploads_per_day: 2,
            upload_bytes_per_day: 100,
            address_upload_bytes_per_day: 150,
            ..Budgets::default()
        }
    }

    #[test]
    fn a_visitor_gets_the_burst_then_waits_for_the_refill() {
        let meter = Meter::new(small());
        for _ in 0..3 {
            assert!(meter.spend(Kind::Message, Some(1), "a").is_ok());
        }
        let wait = meter.spend(Kind::Message, Some(1), "a").unwrap_err();
        assert!(
            wait <= Duration::from_secs(1) && wait >= Duration::from_millis(100),
            "{wait:?}"
        );
        // Another visitor behind the same address still has theirs, up to the address's total.
        for _ in 0..3 {
            assert!(meter.spend(Kind::Message, Some(2), "a").is_ok());
        }
        assert!(
            meter.spend(Kind::Message, Some(3), "a").is_err(),
            "the address spent 6 = 3 x 2"
        );
        assert!(
            meter.spend(Kind::Message, Some(4), "b").is_ok(),
            "another address is untouched"
        );
    }

    #[test]
    fn uploads_have_a_daily_count_and_byte_total() {
        let meter = Meter::new(small());
        assert!(meter.spend_upload(1, "a", 40).is_ok());
        assert!(meter.spend_upload(1, "a", 40).is_ok());
        assert!(meter.spend_upload(1, "a", 1).is_err(), "two a day");
        assert!(
            meter.spend_upload(2, "a", 80).is_err(),
            "the address has 70 bytes left"
        );
        assert!(meter.spend_upload(2, "a", 70).is_ok());
        assert!(
            meter.spend_upload(3, "b", 101).is_err(),
            "over one visitor's bytes"
        );
    }
}

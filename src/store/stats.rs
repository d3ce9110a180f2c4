//! Counters of the write path, for `/metrics`: how many commits and writes, how long commits take, how many
//! writes wait. Lock-free, updated by the writer thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the commit-duration histogram buckets, in seconds.
pub const BUCKETS: [f64; 9] = [
    0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
];

/// Live counters.
#[derive(Debug, Default)]
pub struct WriteStats {
    commits: AtomicU64,
    writes: AtomicU64,
    messages: AtomicU64,
    commit_micros: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
}

/// A snapshot of [`WriteStats`].
#[derive(Debug, Clone, Default)]
pub struct StatsSnapshot {
    /// Transactions committed.
    pub commits: u64,
    /// Writes applied (many share a commit).
    pub writes: u64,
    /// Chat messages stored (retries not counted).
    pub messages: u64,
    /// Total time spent committing, in seconds.
    pub commit_seconds: f64,
    /// Commits that took at most each [`BUCKETS`] bound (cumulative).
    pub buckets: Vec<(f64, u64)>,
    /// Writes waiting for the writer now.
    pub queued: u64,
}

impl WriteStats {
    /// Records one commit of `writes` writes that took `took`.
    pub fn commit(&self, writes: usize, took: Duration) {
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.writes.fetch_add(writes as u64, Ordering::Relaxed);
        self.commit_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        for (bound, count) in BUCKETS.iter().zip(&self.buckets) {
            if secs <= *bound {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Records a stored chat message.
    pub fn message(&self) {
        self.messages.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now, with `queued` writes waiting.
    pub fn snapshot(&self, queued: u64) -> StatsSnapshot {
        StatsSnapshot {
            commits: self.commits.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            messages: self.messages.load(Ordering::Relaxed),
            commit_seconds: self.commit_micros.load(Ordering::Relaxed) as f64 / 1e6,
            buckets: BUCKETS
                .iter()
                .zip(&self.buckets)
                .map(|(b, c)| (*b, c.load(Ordering::Relaxed)))
                .collect(),
            queued,
        }
    }
}

//! Restart after a crash with a big data file: the harness fills a data file (through the store, as the
//! server would), then measures
//! - redb's repair on open of a copy taken while the file was open (what `kill -9` leaves), once after a
//!   last commit without quick-repair and once with it, each against opening the same file closed cleanly;
//! - the commit cost of quick-repair: one-row two-phase commits per second on that file, with and without;
//! - the real thing: `sodan serve` killed with SIGKILL while it runs, then started again, timed from spawn
//!   until it listens (the server commits with quick-repair).

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::harness::{Latency, Server, set_up};

/// What a restart run measured.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RestartReport {
    /// Conversations seeded.
    pub conversations: usize,
    /// The data file's size (bytes).
    pub file_bytes: u64,
    /// Opening the file after a clean close (the floor).
    pub open_clean: Latency,
    /// Opening after a crash whose last commit did not save the allocator state.
    pub open_after_crash: Latency,
    /// Opening after a crash whose last commit used quick-repair.
    pub open_after_crash_quick: Latency,
    /// One-row two-phase commits per second on this file.
    pub commits_per_sec: f64,
    /// The same with quick-repair.
    pub quick_commits_per_sec: f64,
    /// `sodan serve` started again after SIGKILL, spawn to listening.
    pub server_restart: Latency,
}

impl RestartReport {
    /// The human-readable table, ratios included.
    pub fn table(&self) -> String {
        let ms = |l: &Latency| l.p50_us as f64 / 1000.0;
        let floor = self.open_clean.p50_us.max(1) as f64;
        let mut t = format!(
            "restart with {} conversations, data file {:.1} MB\n| measure | p50 | ratio |\n|---|---|---|\n",
            self.conversations,
            self.file_bytes as f64 / 1_048_576.0
        );
        for (name, l) in [
            ("open after a clean close (floor)", &self.open_clean),
            (
                "open after a crash, last commit plain",
                &self.open_after_crash,
            ),
            (
                "open after a crash, last commit with quick-repair",
                &self.open_after_crash_quick,
            ),
            (
                "sodan serve after SIGKILL, spawn to listening",
                &self.server_restart,
            ),
        ] {
            t += &format!(
                "| {name} | {:.1} ms | {:.1}x the clean open |\n",
                ms(l),
                l.p50_us as f64 / floor
            );
        }
        t += &format!(
            "| 1-row two-phase commits/s, plain / quick-repair | {:.0} / {:.0} | quick-repair {:.2}x |\n",
            self.commits_per_sec,
            self.quick_commits_per_sec,
            self.quick_commits_per_sec / self.commits_per_sec.max(1.0)
        );
        t
    }
}

/// Seeds `count` conversations, then measures (each open `rounds` times).
pub async fn run(binary: &Path, work_dir: &Path, count: usize, rounds: usize) -> RestartReport {
    let data_dir = work_dir.join("data");
    super::render::seed(&data_dir, count, (1, 1)).await;
    let file = data_dir.join("sodan.redb");
    let mut report = RestartReport {
        conversations: count,
        file_bytes: std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0),
        ..RestartReport::default()
    };
    let scratch = work_dir.join("scratch.redb");
    report.open_clean = Latency::of(
        (0..rounds)
            .map(|_| {
                std::fs::copy(&file, &scratch).unwrap();
                time_open(&scratch)
            })
            .collect(),
    );
    for quick in [false, true] {
        let opens = (0..rounds)
            .map(|_| {
                crash_image(&file, &scratch, quick);
                time_open(&scratch)
            })
            .collect();
        if quick {
            report.open_after_crash_quick = Latency::of(opens);
        } else {
            report.open_after_crash = Latency::of(opens);
        }
    }
    std::fs::copy(&file, &scratch).unwrap();
    report.commits_per_sec = commit_rate(&scratch, false);
    report.quick_commits_per_sec = commit_rate(&scratch, true);
    let _ = std::fs::remove_file(&scratch);

    let mut restarts = Vec::new();
    let server = Server::start(binary, &data_dir);
    set_up(&server).await;
    drop(server); // SIGKILL
    for _ in 0..rounds {
        let started = Instant::now();
        let server = Server::start(binary, &data_dir);
        restarts.push(started.elapsed());
        drop(server);
    }
    report.server_restart = Latency::of(restarts);
    report
}

/// Leaves at `image` what a crash right after one commit leaves: a copy of the file taken while redb still
/// has it open (its header says it was not closed).
fn crash_image(file: &Path, image: &Path, quick_repair: bool) {
    std::fs::copy(file, image).unwrap();
    let db = redb::Database::create(image).unwrap();
    let mut txn = db.begin_write().unwrap();
    txn.set_two_phase_commit(true);
    txn.set_quick_repair(quick_repair);
    txn.open_table(PROBE).unwrap().insert(0, 0).unwrap();
    txn.commit().unwrap();
    let crashed = image.with_extension("crashed");
    std::fs::copy(image, &crashed).unwrap();
    drop(db);
    std::fs::rename(&crashed, image).unwrap();
}

const PROBE: redb::TableDefinition<u64, u64> = redb::TableDefinition::new("restart_probe");

fn time_open(path: &Path) -> Duration {
    let started = Instant::now();
    let db = redb::Database::create(path).unwrap();
    let took = started.elapsed();
    drop(db);
    took
}

/// One-row two-phase commits per second for a second on `path`.
fn commit_rate(path: &Path, quick_repair: bool) -> f64 {
    let db = redb::Database::create(path).unwrap();
    let started = Instant::now();
    let mut commits = 0u64;
    while started.elapsed() < Duration::from_secs(1) {
        let mut txn = db.begin_write().unwrap();
        txn.set_two_phase_commit(true);
        txn.set_quick_repair(quick_repair);
        txn.open_table(PROBE).unwrap().insert(commits, 1).unwrap();
        txn.commit().unwrap();
        commits += 1;
    }
    commits as f64 / started.elapsed().as_secs_f64()
}

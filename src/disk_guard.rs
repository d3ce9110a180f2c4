//! The disk guard: when free space on the data directory's disk runs low, the least valuable writes stop
//! first (visitors' uploads, page views, events), and chat messages only when it is nearly gone, so the
//! data file always has room for what people typed. The level is read at most once a second.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Below this share of the disk (or [`LOW_BYTES`], whichever is smaller), the disk is low.
const LOW_SHARE: u64 = 20; // 1/20 = 5%
/// Below this much free space the disk is low, however large it is.
const LOW_BYTES: u64 = 1 << 30;
/// How often free space is read again.
const REREAD: Duration = Duration::from_secs(1);

/// How much room is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Enough.
    Plenty,
    /// Under the threshold: uploads, page views and events stop.
    Low,
    /// Under a quarter of the threshold: visitors' chat messages stop too.
    Critical,
}

impl Level {
    /// The level for `free` bytes on a disk of `total` bytes.
    pub fn of(free: u64, total: u64) -> Level {
        let low = (total / LOW_SHARE).min(LOW_BYTES);
        if free < low / 4 {
            Level::Critical
        } else if free < low {
            Level::Low
        } else {
            Level::Plenty
        }
    }

    /// As `/healthz` and `/metrics` name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Plenty => "ok",
            Level::Low => "low",
            Level::Critical => "critical",
        }
    }
}

/// Free and total bytes of the disk holding `path` (for people able to write there).
pub fn free_space(path: &std::path::Path) -> std::io::Result<(u64, u64)> {
    let stat = rustix::fs::statvfs(path)?;
    let unit = stat.f_frsize.max(1);
    Ok((
        stat.f_bavail.saturating_mul(unit),
        stat.f_blocks.saturating_mul(unit),
    ))
}

/// Watches one data directory's disk.
#[derive(Debug)]
pub struct DiskGuard {
    dir: PathBuf,
    last: Mutex<Option<(Instant, Level)>>,
}

impl DiskGuard {
    /// A guard for the disk holding `dir`.
    pub fn new(dir: PathBuf) -> DiskGuard {
        DiskGuard {
            dir,
            last: Mutex::new(None),
        }
    }

    /// The current level (read again when the last reading is over a second old; a disk that cannot be
    /// read counts as plenty, so a quirk of the file system never stops chat).
    pub fn level(&self) -> Level {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, level)) = *last
            && at.elapsed() < REREAD
        {
            return level;
        }
        let level = match free_space(&self.dir) {
            Ok((free, total)) => Level::of(free, total),
            Err(_) => Level::Plenty,
        };
        *last = Some((Instant::now(), level));
        level
    }

    /// Whether uploads, page views and events may be stored now.
    pub fn allows_extras(&self) -> bool {
        self.level() == Level::Plenty
    }

    /// Whether visitors' chat messages may be stored now.
    pub fn allows_messages(&self) -> bool {
        self.level() < Level::Critical
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_valuable_writes_stop_first() {
        let gb = 1u64 << 30;
        assert_eq!(Level::of(100 * gb, 1_000 * gb), Level::Plenty);
        assert_eq!(
            Level::of(gb / 2, 1_000 * gb),
            Level::Low,
            "under 1 GB on a big disk"
        );
        assert_eq!(Level::of(gb / 5, 1_000 * gb), Level::Critical);
        // A 32 GB card: 5% is 1.6 GB, so 1 GB is the threshold.
        assert_eq!(Level::of(gb + 1, 32 * gb), Level::Plenty);
        // A 64 MB disk: 5% is 3.2 MB.
        let mb = 1u64 << 20;
        assert_eq!(Level::of(4 * mb, 64 * mb), Level::Plenty);
        assert_eq!(Level::of(2 * mb, 64 * mb), Level::Low);
        assert_eq!(Level::of(mb / 2, 64 * mb), Level::Critical);
    }
}

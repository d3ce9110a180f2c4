//! The `sodan serve` process a load run measures: started on a temporary data directory, its memory and
//! CPU read from `/proc`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A `sodan serve` process on a temporary data directory.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// Its data directory.
    pub data_dir: PathBuf,
}

/// The address a server child prints in its `listening on ADDRESS` line (its stdout piped); the rest of
/// its output is read and dropped so it never blocks on a full pipe.
pub fn listening_address(child: &mut Child) -> String {
    let mut lines = BufReader::new(child.stdout.take().expect("stdout piped")).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    address
}

/// The resident set of process `pid` (bytes; 0 when it cannot be read).
pub fn rss_of(pid: u32) -> u64 {
    status_field(pid, "VmRSS:") * 1024
}

/// How many threads process `pid` runs (0 when it cannot be read).
pub fn threads_of(pid: u32) -> u64 {
    status_field(pid, "Threads:")
}

/// The first number of `field` in `/proc/PID/status`.
fn status_field(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `binary` on `data_dir` and waits until it listens.
    pub fn start(binary: &Path, data_dir: &Path) -> Server {
        Server::start_on(binary, data_dir, None)
    }

    /// Starts `binary` on `data_dir`, storing in the PostgreSQL `database` when one is given (an empty
    /// one), and waits until it listens.
    pub fn start_on(binary: &Path, data_dir: &Path, database: Option<&str>) -> Server {
        sodan::app::install_tls();
        // SODAN_RUNNER runs the binary through another program (an emulator such as qemu-aarch64-static
        // for a cross-built binary); RSS and CPU are then the emulator's.
        let mut command = match std::env::var_os("SODAN_RUNNER") {
            Some(runner) => {
                let mut c = Command::new(runner);
                c.arg(binary);
                c
            }
            None => Command::new(binary),
        };
        if let Some(url) = database {
            command.env("SODAN_DATABASE", url);
        }
        let mut child = command
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("SODAN_LOG", "warn,sodan=info")
            // Every simulated visitor comes from 127.0.0.1.
            .env("SODAN_MAX_SOCKETS_PER_IP", "1000000")
            .env("SODAN_NEW_VISITORS_PER_MINUTE", "1000000")
            // A simulated visitor writes far faster than a person: the budgets are not what is measured.
            .env("SODAN_VISITOR_MESSAGES_PER_MINUTE", "1000000")
            .env("SODAN_VISITOR_PAGE_VIEWS_PER_MINUTE", "1000000")
            .env("SODAN_VISITOR_EVENTS_PER_MINUTE", "1000000")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("sodan starts");
        let address = listening_address(&mut child);
        Server {
            child,
            address,
            data_dir: data_dir.to_owned(),
        }
    }

    /// Its resident set now (bytes).
    pub fn rss(&self) -> u64 {
        rss_of(self.child.id())
    }

    /// The server's thread count now.
    pub fn threads(&self) -> u64 {
        threads_of(self.child.id())
    }

    /// User + system CPU time so far, in milliseconds.
    pub fn cpu_ms(&self) -> u64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let after = stat.rsplit(')').next().unwrap_or("");
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks = fields
            .get(11)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            + fields
                .get(12)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        ticks * 10 // USER_HZ is 100 on Linux
    }
}

//! A PostgreSQL server for the tests that need one: Debian's `postgresql` (installed the first time when
//! missing), started in a temporary directory on a free port, stopped and removed when dropped. When the
//! whole suite runs on PostgreSQL (`scripts/test-postgres.sh`), its server is used instead.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use tempfile::TempDir;

/// A running server; each [`PgServer::new_database`] is a fresh, empty database on it.
pub struct PgServer {
    base: String,
    /// `None` when the suite's server is used.
    own: Option<(TempDir, PathBuf)>,
}

/// The newest `bin` directory of Debian's PostgreSQL packages.
fn bin_dir() -> PathBuf {
    crate::debian::ensure("postgresql", &["/usr/lib/postgresql"]);
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().expect("a PostgreSQL server version")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n")
}

/// `command` run as the unprivileged user `nobody` when the tests run as root (PostgreSQL refuses root).
fn as_owner(program: PathBuf) -> Command {
    if !is_root() {
        return Command::new(program);
    }
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
        .arg(program);
    command
}

fn run(command: &mut Command, what: &str) {
    let output = command.stdin(Stdio::null()).output().expect(what);
    assert!(
        output.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

impl PgServer {
    /// Starts a server (or takes the suite's) that does not wait for the disk: tests check what is
    /// committed, not that it survives a power cut.
    pub fn start() -> PgServer {
        PgServer::start_with("off")
    }

    /// Starts a server that flushes every commit to the disk (`fsync` on), as a production one does: what
    /// the load benchmark measures.
    #[allow(dead_code)]
    pub fn start_durable() -> PgServer {
        PgServer::start_with("on")
    }

    fn start_with(fsync: &str) -> PgServer {
        if let Ok(base) = std::env::var("SODAN_TEST_POSTGRES") {
            return PgServer { base, own: None };
        }
        let bin = bin_dir();
        let dir = tempfile::tempdir().expect("a directory for the cluster");
        if is_root() {
            run(Command::new("chown").arg("nobody").arg(dir.path()), "chown");
        }
        let data = dir.path().join("data");
        run(
            as_owner(bin.join("initdb")).arg("-D").arg(&data).args([
                "-U",
                "sodan",
                "--auth=trust",
                "-E",
                "UTF8",
            ]),
            "initdb",
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let options = format!(
            "-h 127.0.0.1 -p {port} -k {} -c fsync={fsync}",
            dir.path().display()
        );
        run(
            as_owner(bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.path().join("log"))
                .args(["-w", "-o", &options, "start"]),
            "pg_ctl start",
        );
        PgServer {
            base: format!("postgres://sodan@127.0.0.1:{port}"),
            own: Some((dir, data)),
        }
    }

    /// A new, empty database; its URL.
    pub fn new_database(&self) -> String {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let name = format!(
            "cluster_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let (admin, create) = (
            format!("{}/postgres", self.base),
            format!("CREATE DATABASE {name}"),
        );
        // The sync client runs its own runtime: not on the test's.
        std::thread::spawn(move || {
            postgres::Client::connect(&admin, postgres::NoTls)
                .and_then(|mut c| c.batch_execute(&create))
                .expect("a database")
        })
        .join()
        .expect("creating the database");
        format!("{}/{name}", self.base)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some((_, data)) = &self.own {
            let _ = as_owner(bin_dir().join("pg_ctl"))
                .arg("-D")
                .arg(data)
                .args(["-m", "immediate", "stop"])
                .output();
        }
    }
}

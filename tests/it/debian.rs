//! Debian packages the tests drive (Chromium, Dovecot): installed with apt-get the first time a test needs
//! them, so `cargo test` on a fresh machine needs nothing done by hand.

use std::process::{Command, Stdio};
use std::sync::Mutex;

/// Lets apt wait for another install (another test process) to finish instead of failing at once.
const WAIT: &str = "-o DPkg::Lock::Timeout=600";

/// Installs `packages` (space-separated) unless every path of `present` exists; once per test run.
pub fn ensure(packages: &str, present: &[&str]) {
    static INSTALLED: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut done = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if done.iter().any(|p| p == packages)
        || present.iter().all(|p| std::path::Path::new(p).exists())
    {
        done.push(packages.to_owned());
        return;
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    assert!(
        is_root,
        "these tests need Debian's packages {packages}: run `sudo apt-get install {packages}`"
    );
    eprintln!("installing {packages} for the tests (once)...");
    let script = format!(
        "apt-get update -qq {WAIT} && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {WAIT} {packages}"
    );
    let status = Command::new("sh")
        .args(["-c", &script])
        .stdout(Stdio::null())
        .status()
        .expect("apt-get runs");
    assert!(status.success(), "installing {packages} failed");
    done.push(packages.to_owned());
}

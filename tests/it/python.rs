//! Python packages the tests drive (a mail server, LINE's SDK, schemathesis): installed with pip for this
//! user the first time a test needs one, so `cargo test` on a fresh machine needs nothing done by hand.

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::Mutex;

static READY: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

/// Makes `import module` work, installing `package` (a pip requirement such as `name==1.2.3`) once if it
/// does not. Blocking: call it from `spawn_blocking`.
pub fn ensure(module: &'static str, package: &'static str) {
    let mut ready = READY.lock().unwrap_or_else(|e| e.into_inner());
    if ready.get_or_insert_with(HashSet::new).contains(module) {
        return;
    }
    let present = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !present {
        eprintln!("installing {package} for the tests (once)...");
        let status = Command::new("python3")
            .args(["-m", "pip", "install", "--user", "--quiet", package])
            .status()
            .expect("python3 runs");
        assert!(status.success(), "installing {package} with pip failed");
    }
    ready.get_or_insert_with(HashSet::new).insert(module);
}

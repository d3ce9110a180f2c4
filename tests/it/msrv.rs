//! The oldest Rust that builds Sodan, as `Cargo.toml` states it (`rust-version`, what Debian's `rustc-web`
//! on a Raspberry Pi must at least be): never lower than what a locked dependency declares it needs.
//! Only the dependencies of the platforms Sodan runs on count (Linux on x86-64 and on ARM64): those are the
//! ones a build downloads, so the check runs offline on a machine that has built Sodan once.

use std::process::Command;

use serde_json::Value;

/// `1.90` and `1.90.0` alike, as (major, minor, patch).
fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|p| p.parse().unwrap_or(0));
    let mut next = || parts.next().unwrap_or(0);
    (next(), next(), next())
}

#[test]
fn the_stated_minimum_rust_is_what_the_locked_dependencies_need() {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--locked",
            "--offline",
            "--format-version",
            "1",
            "--filter-platform",
            "x86_64-unknown-linux-gnu",
            "--filter-platform",
            "aarch64-unknown-linux-gnu",
            "--manifest-path",
        ])
        .arg(manifest)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let used: Vec<&str> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    let packages = meta["packages"].as_array().unwrap();
    let ours = packages
        .iter()
        .find(|p| p["name"] == "sodan")
        .and_then(|p| p["rust_version"].as_str())
        .expect("Cargo.toml states rust-version");
    let (needed, by) = packages
        .iter()
        .filter(|p| p["name"] != "sodan" && used.contains(&p["id"].as_str().unwrap_or("")))
        .filter_map(|p| Some((version(p["rust_version"].as_str()?), p["name"].as_str()?)))
        .max()
        .expect("some dependency states its minimum");
    assert_eq!(
        version(ours),
        needed,
        "Cargo.toml says rust-version {ours}; the locked dependencies need {needed:?} ({by})"
    );
}

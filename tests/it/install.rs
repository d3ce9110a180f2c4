//! `install.sh` into a temporary root: files, hardening, configuration, and an upgrade that keeps data.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::helpers::OutputWithStdin;

fn install(prefix: &Path) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/install.sh");
    let output = Command::new("sh")
        .arg(script)
        .args([
            "--no-systemd",
            "--binary",
            env!("CARGO_BIN_EXE_sodan"),
            "--prefix",
        ])
        .arg(prefix)
        .output()
        .expect("sh runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "install.sh failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn install_into_a_prefix_then_upgrade_in_place_keeps_data() {
    let root = tempfile::tempdir().unwrap();
    let prefix = root.path();
    let out = install(prefix);
    assert!(out.contains("installed sodan"), "{out}");

    let binary = prefix.join("usr/local/bin/sodan");
    let version = Command::new(&binary).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("sodan "));
    let data_dir = prefix.join("var/lib/sodan");
    assert!(data_dir.is_dir());
    let config = prefix.join("etc/sodan/sodan.toml");

    let unit_path = prefix.join("etc/systemd/system/sodan.service");
    let unit = std::fs::read_to_string(&unit_path).unwrap();
    for line in [
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        &format!("ReadWritePaths={}", data_dir.display()),
        &format!(
            "ExecStart={} serve --config {}",
            binary.display(),
            config.display()
        ),
        "User=sodan",
    ] {
        assert!(unit.contains(line), "{line} missing from the unit:\n{unit}");
    }
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let verify = Command::new("systemd-analyze")
            .arg("verify")
            .arg(&unit_path)
            .output()
            .unwrap();
        assert!(
            verify.status.success(),
            "systemd-analyze verify: {}",
            String::from_utf8_lossy(&verify.stderr)
        );
    }

    // The written configuration points the installed binary at the installed data directory.
    let create = Command::new(&binary)
        .args([
            "admin",
            "create",
            "--email",
            "owner@shop.example",
            "--config",
        ])
        .arg(&config)
        .stdin(Stdio::piped())
        .output_with_stdin(b"install test password\n");
    assert!(
        create.status.success(),
        "{}",
        String::from_utf8_lossy(&create.stderr)
    );
    let db = data_dir.join("sodan.redb");
    let before = std::fs::read(&db).unwrap();

    // Upgrade: the operator edited the configuration; both it and the data survive a re-run.
    let mut edited = std::fs::read_to_string(&config).unwrap();
    edited.push_str("# edited by the shop\n");
    std::fs::write(&config, &edited).unwrap();
    let out = install(prefix);
    assert!(out.contains("kept existing configuration"), "{out}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), edited);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "data file untouched by the upgrade"
    );
}

#[test]
fn install_refuses_a_missing_binary_with_a_clear_message() {
    let root = tempfile::tempdir().unwrap();
    let output = Command::new("sh")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/install.sh"))
        .args(["--no-systemd", "--binary", "/nonexistent/sodan", "--prefix"])
        .arg(root.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no binary at /nonexistent/sodan"));
}

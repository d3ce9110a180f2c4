//! The `sodan` executable itself: what it prints, how it refuses, how it stops.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{OutputWithStdin, spawn_app_in, write_schema_version};

pub fn sodan() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sodan"));
    command
        .env_remove("SODAN_LOG_FORMAT")
        .env("SODAN_LOG", "info");
    command
}

/// Starts `sodan serve` on a free port; returns the child and every stdout line up to the one naming the
/// listening address (and the setup link, when one is printed right after it).
pub fn start_server(data_dir: &Path) -> (Child, String, Vec<String>) {
    start_server_with(
        data_dir,
        crate::helpers::with_engine_of(&mut sodan(), data_dir),
    )
}

/// [`start_server`] with a node of the PostgreSQL database at `database`, linked to the other nodes by
/// the NATS server at `nats`, if any.
pub fn start_node(
    data_dir: &Path,
    database: &str,
    nats: Option<&str>,
) -> (Child, String, Vec<String>) {
    let mut command = sodan();
    command.env("SODAN_DATABASE", database);
    if let Some(nats) = nats {
        command.env("SODAN_NATS", nats);
    }
    start_server_with(data_dir, &mut command)
}

fn start_server_with(data_dir: &Path, command: &mut Command) -> (Child, String, Vec<String>) {
    let mut child = command
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        // The crash test writes from one visitor as fast as it can, beyond any visitor's budget.
        .env("SODAN_VISITOR_MESSAGES_PER_MINUTE", "1000000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sodan starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let done = line.contains("starting service");
                lines.push(line);
                if done {
                    break;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(_) => break,
        }
    }
    let address = lines
        .iter()
        .find_map(|l| l.split("listening on ").nth(1))
        .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no listening line in {lines:?}"));
    std::thread::spawn(move || for _ in rx {});
    (child, address, lines)
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "sodan did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn the_binary_prints_the_setup_link_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, address, lines) = start_server(dir.path());
    let setup = lines
        .iter()
        .find_map(|l| l.split("open ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no setup link in {lines:?}"))
        .to_owned();
    assert!(
        setup.starts_with(&format!("{address}/setup?token=")),
        "{setup}"
    );
    let page = reqwest::get(&setup).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("setup-form"));
    let written = std::fs::read_to_string(dir.path().join("setup-url")).unwrap();
    assert_eq!(written.trim(), setup);

    let status = tokio::task::spawn_blocking(move || terminate(&mut child))
        .await
        .unwrap();
    assert!(status.success(), "graceful exit: {status:?}");
    // The file lock is released: the data directory opens again.
    let app = spawn_app_in(dir.path()).await;
    app.stop().await;
}

#[tokio::test]
async fn a_second_process_on_the_same_data_dir_is_refused() {
    // On PostgreSQL a second node on the same database is the point.
    if crate::helpers::file_only("a_second_process") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path()).await;
    let output = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || {
            sodan()
                .args(["--bind", "127.0.0.1:0", "--data-dir"])
                .arg(dir)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("already in use by another sodan process"),
        "{stderr}"
    );
    assert_eq!(
        reqwest::get(app.url("/healthz")).await.unwrap().status(),
        StatusCode::OK,
        "first keeps serving"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_binary_refuses_a_newer_data_file_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    write_schema_version(&dir.path().join("sodan.redb"), 999);
    let output = sodan()
        .args(["--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("schema version 999") && stderr.contains("newer sodan"),
        "{stderr}"
    );
}

#[tokio::test]
async fn admin_create_makes_an_account_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let output = crate::helpers::with_engine_of(&mut sodan(), dir.path())
        .args([
            "admin",
            "create",
            "--email",
            "Aiko@Shop.example",
            "--name",
            "Aiko",
            "--data-dir",
        ])
        .arg(dir.path())
        .stdin(Stdio::piped())
        .output_with_stdin(b"shell made password\n");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("created owner account aiko@shop.example")
    );

    let short = sodan()
        .args(["admin", "create", "--email", "b@shop.example", "--data-dir"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password must have 10"));

    let app = spawn_app_in(dir.path()).await;
    assert!(app.setup_url.is_none());
    let response = app
        .login(&app.client(), "aiko@shop.example", "shell made password")
        .await;
    assert_eq!(crate::helpers::location(&response), "/inbox");
    app.stop().await;
}

#[test]
fn help_documents_every_server_option() {
    let output = sodan().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--bind",
        "--data-dir",
        "--public-url",
        "--log-format",
        "--config",
        "--behind-proxy",
        "--trusted-proxies",
    ] {
        assert!(
            help.contains(option),
            "{option} missing from --help:\n{help}"
        );
    }
    for env in ["SODAN_BIND", "SODAN_DATA_DIR", "SODAN_PUBLIC_URL"] {
        assert!(help.contains(env), "{env} missing from --help");
    }
}

#[test]
fn json_logs_are_one_object_per_line_and_a_taken_port_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = taken.local_addr().unwrap().to_string();
    let output = sodan()
        .args(["--log-format", "json", "--bind", &bind, "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {bind}")) && stderr.contains("--bind"),
        "{stderr}"
    );
    // Opening the new data file logged its migration before the bind failed.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let first = stdout
        .lines()
        .next()
        .unwrap_or_else(|| panic!("no log output; stderr: {stderr}"));
    let parsed: serde_json::Value = serde_json::from_str(first).expect("a JSON log line");
    assert_eq!(parsed["level"], "INFO", "{parsed}");
    assert!(
        parsed["message"].as_str().unwrap().contains("migrated"),
        "{parsed}"
    );
}

#[test]
fn an_unusable_data_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, "x").unwrap();
    let output = sodan()
        .args(["--bind", "127.0.0.1:0", "--data-dir"])
        .arg(file.join("data"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot create data directory"), "{stderr}");
    assert!(
        stderr.contains("not-a-directory"),
        "the message names the path: {stderr}"
    );
}

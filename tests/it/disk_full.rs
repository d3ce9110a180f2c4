//! The data disk filling up while the server runs: messages are refused clearly (never acknowledged
//! without being stored), nothing stored is lost, and the service takes messages again once space is back.
//!
//! The data directory is a small tmpfs mounted by the test (the test command runs as root, as it does to
//! install the browser).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::helpers::spawn_app_in;
use crate::ws::visitor_hello;

/// A tmpfs mounted for the test's lifetime.
struct SmallDisk {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u64) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a tmpfs needs root (the test command runs as root)"
        );
        SmallDisk {
            path: dir.path().to_owned(),
            _dir: dir,
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Fills the disk holding `dir` with a file until the disk refuses more.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    for size in [1 << 20, 4096, 1] {
        let chunk = vec![7u8; size];
        while file.write_all(&chunk).is_ok() {}
    }
    let _ = file.sync_all();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_messages_clearly_and_recovers_when_space_is_back() {
    if crate::helpers::file_only("a_full_disk") {
        return;
    }
    let disk = SmallDisk::mount(24);
    let data_dir = disk.path.join("data");
    let app = spawn_app_in(&data_dir).await;
    let owner = app.set_up_owner().await;
    let site = app
        .configure_widget(&owner, &[crate::ws::SHOP_ORIGIN])
        .await;
    let (mut ws, welcome) = visitor_hello(&app, &site, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();

    // Acknowledged before the disk fills.
    let body = "相談".repeat(2_000);
    let mut acked = Vec::new();
    for i in 0..5 {
        let id = format!("before-{i}");
        ws.send(json!({"type": "message", "client_id": id, "body": format!("{id}:{body}")}))
            .await;
        ws.recv_type("ack").await;
        acked.push(id);
    }

    let filler = fill(&disk.path);
    let mut refused = None;
    for i in 0..400 {
        let id = format!("full-{i}");
        ws.send(json!({"type": "message", "client_id": id, "body": format!("{id}:{body}")}))
            .await;
        let reply = loop {
            let frame = ws.try_recv(Duration::from_secs(60)).await.expect("a reply");
            if frame["type"] == "ack" || frame["type"] == "error" {
                break frame;
            }
        };
        if reply["type"] == "error" {
            refused = Some((id, reply));
            break;
        }
        acked.push(id);
    }
    let (refused_id, error) = refused.expect("a full disk refuses a message");
    assert_eq!(error["code"], "unavailable", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("could not be saved"),
        "{error}"
    );
    // While the disk is full the file cannot be opened again, and health says so.
    let health = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), 503);
    let said = health.text().await.unwrap();
    assert!(said.contains("cannot be read"), "{said}");

    // Every door says the server cannot store right now (503 with a message), never a bare 500, and a
    // signed-in operator is not told to sign in again.
    let inbox = app.get(&owner, "/inbox").await;
    let status = inbox.status().as_u16();
    let text = inbox.text().await.unwrap();
    assert!(
        status == 200 || status == 503,
        "/inbox answered {status}: {text}"
    );
    if status == 503 {
        assert!(text.contains("disk"), "{text}");
    }
    let widget = crate::ws::connect(
        &app,
        &format!("/widget/ws?site={site}"),
        &[("origin", crate::ws::SHOP_ORIGIN)],
    )
    .await;
    assert!(
        widget.as_ref().err().is_none_or(|s| *s == 503),
        "widget upgrade: {:?}",
        widget.as_ref().err()
    );
    let cookie = owner.cookie_header();
    let host = app.address.trim_start_matches("http://").to_owned();
    let console = crate::ws::connect(
        &app,
        "/console/ws",
        &[
            ("cookie", &cookie),
            ("origin", &app.address),
            ("host", &host),
        ],
    )
    .await;
    assert!(
        console.as_ref().err().is_none_or(|s| *s == 503),
        "console upgrade: {:?}",
        console.as_ref().err()
    );
    drop((widget, console));

    // Space is back: the widget's retry of the refused message is stored, and new messages too.
    std::fs::remove_file(&filler).unwrap();
    let mut stored = false;
    for _ in 0..50 {
        ws.send(json!({"type": "message", "client_id": refused_id, "body": format!("{refused_id}:{body}")}))
            .await;
        let reply = loop {
            let frame = ws.try_recv(Duration::from_secs(60)).await.expect("a reply");
            if frame["type"] == "ack" || frame["type"] == "error" {
                break frame;
            }
        };
        if reply["type"] == "ack" {
            stored = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        stored,
        "the service takes messages again once space is back"
    );
    let health = reqwest::get(app.url("/healthz")).await.unwrap();
    assert!(health.status().is_success(), "and reads again");
    acked.push(refused_id);
    ws.send(json!({"type": "message", "client_id": "after", "body": "after:もう大丈夫"}))
        .await;
    ws.recv_type("ack").await;
    acked.push("after".into());
    ws.close().await;
    app.stop().await;

    // The file is sound and holds every acknowledged message exactly once.
    let check = Command::new(env!("CARGO_BIN_EXE_sodan"))
        .args(["check", "--data-dir"])
        .arg(&data_dir)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let app = spawn_app_in(&data_dir).await;
    let (mut ws, welcome) = visitor_hello(&app, &site, Some(&token)).await;
    let conversation = welcome["conversations"][0]["id"].as_u64().unwrap();
    ws.send(json!({"type": "resume", "conversation": conversation, "after_seq": 0}))
        .await;
    let mut seen = Vec::new();
    while let Some(frame) = ws.try_recv(Duration::from_secs(2)).await {
        if frame["type"] == "messages" {
            for m in frame["messages"].as_array().unwrap() {
                seen.push(
                    m["body"]
                        .as_str()
                        .unwrap()
                        .split(':')
                        .next()
                        .unwrap()
                        .to_owned(),
                );
            }
        }
    }
    for id in &acked {
        assert_eq!(
            seen.iter().filter(|s| *s == id).count(),
            1,
            "{id} stored exactly once"
        );
    }
    ws.close().await;
    app.stop().await;
}

/// Fills the disk holding `dir` until about `leave` bytes are free; returns the filler's path.
fn fill_leaving(dir: &Path, leave: u64, name: &str) -> PathBuf {
    let (free, _) = sodan::disk_guard::free_space(dir).unwrap();
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).unwrap();
    let mut left = free.saturating_sub(leave);
    let chunk = vec![7u8; 1 << 20];
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        file.write_all(&chunk[..n]).unwrap();
        left -= n as u64;
    }
    file.sync_all().unwrap();
    path
}

/// Answers to one message: `ack` or the error's code.
async fn try_message(ws: &mut crate::ws::Ws, id: &str) -> String {
    ws.send(json!({"type": "message", "client_id": id, "body": id}))
        .await;
    loop {
        let frame = ws.try_recv(Duration::from_secs(30)).await.expect("a reply");
        match frame["type"].as_str() {
            Some("ack") => return "ack".into(),
            Some("error") => return frame["code"].as_str().unwrap_or("").to_owned(),
            _ => {}
        }
    }
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

/// The disk guard on a 200 MB disk (threshold 5% = 10 MB): under it, uploads are refused but chat goes on;
/// under a quarter of it, visitors' messages are refused too; with room again, everything is taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_disk_stops_uploads_first_and_chat_messages_last() {
    if crate::helpers::file_only("a_low_disk") {
        return;
    }
    let disk = SmallDisk::mount(200);
    let data_dir = disk.path.join("data");
    let app = spawn_app_in(&data_dir).await;
    let owner = app.set_up_owner().await;
    let site = app
        .configure_widget(&owner, &[crate::ws::SHOP_ORIGIN])
        .await;
    let (mut ws, welcome) = visitor_hello(&app, &site, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    assert_eq!(try_message(&mut ws, "plenty").await, "ack");
    let upload = || {
        reqwest::Client::new()
            .post(app.url(&format!("/widget/uploads?site={site}&name=p.png")))
            .header("origin", crate::ws::SHOP_ORIGIN)
            .header("authorization", format!("Bearer {token}"))
            .body(PNG.to_vec())
            .send()
    };
    assert_eq!(upload().await.unwrap().status(), 201);
    let health = || async {
        reqwest::get(app.url("/healthz"))
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()["disk"]
            .clone()
    };
    assert_eq!(health().await, "ok");

    // Low: 6 MB left.
    let low = fill_leaving(&disk.path, 6 << 20, "filler-low");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(health().await, "low");
    let refused = upload().await.unwrap();
    assert_eq!(refused.status(), 507);
    assert_eq!(
        refused.json::<serde_json::Value>().await.unwrap()["code"],
        "storage_low"
    );
    assert_eq!(
        try_message(&mut ws, "low").await,
        "ack",
        "chat goes on while the disk is low"
    );
    assert!(
        app.page(&owner, "/inbox").await.contains("id=\"disk-low\""),
        "admins see a banner"
    );

    // Critical: 1 MB left.
    let critical = fill_leaving(&disk.path, 1 << 20, "filler-critical");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(health().await, "critical");
    assert_eq!(try_message(&mut ws, "critical").await, "unavailable");

    // Room again.
    std::fs::remove_file(critical).unwrap();
    std::fs::remove_file(low).unwrap();
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(health().await, "ok");
    assert_eq!(
        try_message(&mut ws, "critical").await,
        "ack",
        "the refused message is taken now"
    );
    assert_eq!(upload().await.unwrap().status(), 201);
    assert!(!app.page(&owner, "/inbox").await.contains("id=\"disk-low\""));
    ws.close().await;
    app.stop().await;
}

//! `sodan backup` of a live server, `sodan restore` into a new data directory, and `sodan check`.

use reqwest::StatusCode;
use serde_json::json;

use crate::cli::sodan;
use crate::helpers::{OWNER_EMAIL, OWNER_PASSWORD, location, spawn_app, spawn_app_in};
use crate::ws::{self, SHOP_ORIGIN};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

fn run(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    let output = crate::helpers::with_engine_of(&mut sodan(), dir)
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "sodan {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[tokio::test]
async fn a_live_store_round_trips_through_backup_and_restore() {
    let (app, dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (mut visitor, welcome) = ws::visitor_hello(&app, &site, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    visitor.send(json!({ "type": "message", "client_id": "b1", "body": "日本語のメッセージ <b>and markup</b>" })).await;
    let conversation = visitor.recv_type("ack").await["conversation"]
        .as_u64()
        .unwrap();
    let upload = reqwest::Client::new()
        .post(app.url(&format!("/widget/uploads?site={site}&name=photo.png")))
        .header("origin", SHOP_ORIGIN)
        .header("authorization", format!("Bearer {token}"))
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::CREATED);
    let upload_id = upload.json::<serde_json::Value>().await.unwrap()["upload_id"]
        .as_u64()
        .unwrap();

    // While the server keeps running and serving.
    let backup_file = dir.path().join("backup.jsonl");
    let data = dir.path().to_owned();
    let file = backup_file.clone();
    let output =
        tokio::task::spawn_blocking(move || run(&["backup", file.to_str().unwrap()], &data))
            .await
            .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 files"));
    let data = dir.path().to_owned();
    let checked = tokio::task::spawn_blocking(move || run(&["check"], &data))
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&checked.stdout).starts_with("ok: "));
    assert_eq!(
        reqwest::get(app.url("/healthz")).await.unwrap().status(),
        StatusCode::OK
    );
    let first_line = std::fs::read_to_string(&backup_file)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert!(first_line.contains("\"sodan_backup\":1"), "{first_line}");
    app.stop().await;

    let restored = tempfile::tempdir().unwrap();
    let target = restored.path().to_owned();
    let file = backup_file.clone();
    tokio::task::spawn_blocking(move || run(&["restore", file.to_str().unwrap()], &target))
        .await
        .unwrap();
    let target = restored.path().to_owned();
    let file = backup_file.clone();
    let again = tokio::task::spawn_blocking(move || {
        crate::helpers::with_engine_of(&mut sodan(), &target)
            .args(["restore", file.to_str().unwrap(), "--data-dir"])
            .arg(target)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        !again.status.success(),
        "restoring over existing data is refused"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    // The restored file backs up to the same rows, table by table (whatever layout the file keeps them in).
    let second_file = dir.path().join("again.jsonl");
    let (target, file) = (restored.path().to_owned(), second_file.clone());
    tokio::task::spawn_blocking(move || run(&["backup", file.to_str().unwrap()], &target))
        .await
        .unwrap();
    let rows = |path: &std::path::Path| -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        text.lines().skip(1).map(str::to_owned).collect()
    };
    let (first_rows, second_rows) = (rows(&backup_file), rows(&second_file));
    assert!(
        first_rows
            .iter()
            .any(|r| r.contains("\"t\":\"conversation_id_fact\"")),
        "the backup holds the report facts"
    );
    assert_eq!(first_rows, second_rows, "a restore keeps every row");

    let app = spawn_app_in(restored.path()).await;
    assert!(app.setup_url.is_none(), "accounts came back");
    let owner = app.client();
    assert_eq!(
        location(&app.login(&owner, OWNER_EMAIL, OWNER_PASSWORD).await),
        "/inbox"
    );
    let view = app.page(&owner, &format!("/inbox/{conversation}")).await;
    assert!(
        view.contains("日本語のメッセージ &#60;b&#62;and markup&#60;/b&#62;"),
        "{view}"
    );
    let (_visitor, welcome) = ws::visitor_hello(&app, &site, Some(&token)).await;
    assert_eq!(
        welcome["conversations"][0]["messages"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "the visitor keeps their history"
    );
    let file = app
        .get(
            &owner,
            &format!("/inbox/{conversation}/uploads/{upload_id}"),
        )
        .await;
    assert_eq!(&file.bytes().await.unwrap()[..], PNG);
    app.stop().await;
}

/// A backup holds every secret, so it is its owner's only (0600), as are the data folder Sodan creates
/// (0700) and its data file (0600); a backup whose upload record points outside the uploads folder is
/// refused as a whole.
#[tokio::test]
async fn backups_are_private_and_a_restore_cannot_reach_outside_the_uploads_folder() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("fresh");
    let app = spawn_app_in(&data).await;
    app.set_up_owner().await;
    app.stop().await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data folder Sodan created");
    if !crate::helpers::on_postgres() {
        assert_eq!(mode(&data.join("sodan.redb")), 0o600, "the data file");
    }

    let file = parent.path().join("backup.jsonl");
    let (dir, target) = (data.clone(), file.clone());
    tokio::task::spawn_blocking(move || run(&["backup", target.to_str().unwrap()], &dir))
        .await
        .unwrap();
    assert_eq!(mode(&file), 0o600, "the backup");

    for hostile in ["/etc/passwd", "../sodan.redb"] {
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str(
            &json!({"t": "upload_id_upload", "k": 99, "v": {"id": 99, "conversation": 1,
                "stored_as": hostile, "filename": "x.png", "content_type": "image/png", "size": 1,
                "created_at": 1}})
            .to_string(),
        );
        text.push('\n');
        let bad = parent.path().join("hostile.jsonl");
        std::fs::write(&bad, text).unwrap();
        let into = parent.path().join(format!("restored-{}", hostile.len()));
        let output = tokio::task::spawn_blocking(move || {
            crate::helpers::with_engine_of(&mut sodan(), &into)
                .args(["restore", bad.to_str().unwrap(), "--data-dir"])
                .arg(into)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(!output.status.success(), "{hostile} is refused");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("inside the uploads folder"),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

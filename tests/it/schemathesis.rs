//! The REST API against its own OpenAPI document, checked by a tool nobody here wrote: schemathesis
//! (installed with pip for this user when missing) generates valid and invalid requests from the document
//! and runs every check it has (`--checks all`: status codes, content types, headers and schemas as
//! documented, invalid input refused, valid input accepted, 405 with `Allow` for undocumented methods,
//! authentication not ignored), with a token of every scope and seeded data.

use std::process::Command;

use serde_json::json;

use crate::helpers::spawn_app;
use crate::ws::{SHOP_ORIGIN, visitor_hello};

/// The version the checks were written against (a newer one may add checks).
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

#[tokio::test]
async fn schemathesis_finds_no_failure_against_the_openapi_document() {
    tokio::task::spawn_blocking(|| crate::python::ensure("schemathesis", SCHEMATHESIS))
        .await
        .unwrap();
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let token = crate::customer_api::api_token(
        &app,
        &owner,
        &[
            "customers:read",
            "customers:write",
            "events:write",
            "conversations:read",
            "conversations:write",
        ],
    )
    .await;
    // Seeded data: a customer and a conversation with messages, so reads find something.
    let (status, _) = crate::customer_api::call(
        &app,
        reqwest::Method::PUT,
        "/api/v1/customers/c-1",
        Some(&token),
        Some(json!({"name": "Aiko", "email": "aiko@example.jp"}).to_string()),
    )
    .await;
    assert!(status.is_success());
    let (mut ws, _) = visitor_hello(&app, &site, None).await;
    ws.send(json!({"type": "message", "client_id": "m1", "body": "Hello"}))
        .await;
    ws.recv_type("ack").await;

    let work = tempfile::tempdir().unwrap();
    let url = app.url("/api/v1/openapi.json");
    let auth = format!("Authorization: Bearer {token}");
    let dir = work.path().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args(["-m", "schemathesis.cli", "run", &url, "--checks", "all"])
            .args(["--header", &auth])
            // One worker: Python 3.11's ast module is not safe across threads (hypothesis parses lambdas
            // while describing strategies), which broke runs with two.
            .args(["--max-examples", "40", "--seed", "1", "--workers", "1"])
            .args(["--generation-database", "none", "--no-color"])
            .args(["--request-timeout", "30"])
            .current_dir(&dir)
            .output()
            .expect("schemathesis runs")
    })
    .await
    .unwrap();
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{report}");
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{report}"
    );
    app.stop().await;
}

//! Attachments over HTTP: accepted kinds, size limit, who may download, and how files are served.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};
use crate::ws::{self, SHOP_ORIGIN};

pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

pub(crate) async fn upload(
    app: &TestApp,
    site: &str,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(&format!("/widget/uploads?site={site}&name={name}")))
        .header("origin", SHOP_ORIGIN)
        .header("authorization", format!("Bearer {token}"))
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn download(app: &TestApp, site: &str, token: &str, id: u64) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(&format!("/widget/uploads/{id}?site={site}")))
        .header("origin", SHOP_ORIGIN)
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn images_and_pdfs_are_attached_and_served_only_to_participants() {
    let (app, _dir) = spawn_app_with(|c| c.max_upload_bytes = 1024 * 1024).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let mut console = ws::console(&app, &owner).await;
    let (_alice_ws, alice) = ws::visitor_hello(&app, &site, None).await;
    let alice = alice["token"].as_str().unwrap().to_owned();

    let response = upload(&app, &site, &alice, "receipt.png", PNG.to_vec()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        SHOP_ORIGIN
    );
    let created: Value = response.json().await.unwrap();
    let upload_id = created["upload_id"].as_u64().unwrap();
    let conversation = created["conversation"].as_u64().unwrap();
    let message = console.recv_type("message").await;
    assert_eq!(
        message["message"]["attachment"]["content_type"],
        "image/png"
    );
    assert_eq!(message["message"]["attachment"]["filename"], "receipt.png");

    let own = download(&app, &site, &alice, upload_id).await;
    assert_eq!(own.status(), StatusCode::OK);
    assert_eq!(own.headers()["content-type"], "image/png");
    assert_eq!(own.headers()["x-content-type-options"], "nosniff");
    assert!(
        own.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert_eq!(&own.bytes().await.unwrap()[..], PNG);

    let (_bob_ws, bob) = ws::visitor_hello(&app, &site, None).await;
    let bob = bob["token"].as_str().unwrap();
    assert_eq!(
        download(&app, &site, bob, upload_id).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        download(&app, &site, "", upload_id).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        download(&app, &site, "forged-token", upload_id)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    let operator_copy = app
        .get(
            &owner,
            &format!("/inbox/{conversation}/uploads/{upload_id}"),
        )
        .await;
    assert_eq!(operator_copy.status(), StatusCode::OK);
    let wrong_conversation = app
        .get(
            &owner,
            &format!("/inbox/{}/uploads/{upload_id}", conversation + 1),
        )
        .await;
    assert_eq!(wrong_conversation.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(
            &app.client(),
            &format!("/inbox/{conversation}/uploads/{upload_id}")
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );

    let pdf = upload(
        &app,
        &site,
        &alice,
        "invoice.pdf",
        b"%PDF-1.4\n%test\n".to_vec(),
    )
    .await;
    let pdf_id = pdf.json::<Value>().await.unwrap()["upload_id"]
        .as_u64()
        .unwrap();
    let served = download(&app, &site, &alice, pdf_id).await;
    assert_eq!(served.headers()["content-type"], "application/pdf");
    assert!(
        served.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    app.stop().await;
}

#[tokio::test]
async fn oversized_and_wrongly_typed_uploads_are_refused_with_a_clear_message() {
    let (app, _dir) = spawn_app_with(|c| c.max_upload_bytes = 1024 * 1024).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (_ws, welcome) = ws::visitor_hello(&app, &site, None).await;
    let token = welcome["token"].as_str().unwrap();

    let mut big = PNG.to_vec();
    big.resize(1024 * 1024 + 1, 0);
    let response = upload(&app, &site, token, "huge.png", big).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "too_large");
    assert!(
        error["message"].as_str().unwrap().contains("at most 1 MB"),
        "{error}"
    );

    for (name, bytes) in [
        (
            "evil.svg",
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"[..],
        ),
        (
            "page.html",
            &b"<!doctype html><script>alert(1)</script>"[..],
        ),
        ("fake.png", &b"just text pretending"[..]),
    ] {
        let response = upload(&app, &site, token, name, bytes.to_vec()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{name}"
        );
        let error: Value = response.json().await.unwrap();
        assert!(
            error["message"].as_str().unwrap().contains("Only images"),
            "{error}"
        );
    }
    let empty = upload(&app, &site, token, "empty.png", Vec::new()).await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);

    let foreign = reqwest::Client::new()
        .post(app.url(&format!("/widget/uploads?site={site}&name=a.png")))
        .header("origin", "http://evil.test")
        .header("authorization", format!("Bearer {token}"))
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let preflight = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            app.url(&format!("/widget/uploads?site={site}")),
        )
        .header("origin", SHOP_ORIGIN)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        SHOP_ORIGIN
    );
    assert!(
        preflight.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("authorization")
    );
    app.stop().await;
}

#[tokio::test]
async fn operators_attach_files_with_a_csrf_token() {
    let (app, _dir) = spawn_app_with(|_| {}).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (mut visitor, _) = ws::visitor_hello(&app, &site, None).await;
    visitor
        .send(json!({ "type": "message", "client_id": "c1", "body": "photo please" }))
        .await;
    let conversation = visitor.recv_type("ack").await["conversation"]
        .as_u64()
        .unwrap();

    let page = app.page(&owner, &format!("/inbox/{conversation}")).await;
    let csrf = crate::helpers::hidden_field(&page, "csrf").unwrap();
    let without = owner
        .post(app.url(&format!("/inbox/{conversation}/uploads?name=a.png")))
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    let with = owner
        .post(app.url(&format!("/inbox/{conversation}/uploads?name=a.png")))
        .header("x-csrf-token", csrf)
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), StatusCode::CREATED);
    loop {
        let frame = visitor.recv_type("message").await;
        if frame["message"]["author"]["kind"] == "operator" {
            assert_eq!(frame["message"]["attachment"]["filename"], "a.png");
            break;
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_failing_disk_refuses_the_upload_clearly_and_recovers() {
    let (app, dir) = spawn_app_with(|_| {}).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (_ws, welcome) = ws::visitor_hello(&app, &site, None).await;
    let token = welcome["token"].as_str().unwrap();

    // The uploads folder becomes unwritable (here: replaced by a file) while the server runs.
    let uploads = dir.path().join("uploads");
    std::fs::remove_dir_all(&uploads).unwrap();
    std::fs::write(&uploads, "in the way").unwrap();
    let response = upload(&app, &site, token, "photo.png", PNG.to_vec()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "unavailable");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("could not be saved"),
        "{error}"
    );

    std::fs::remove_file(&uploads).unwrap();
    std::fs::create_dir(&uploads).unwrap();
    let response = upload(&app, &site, token, "photo.png", PNG.to_vec()).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "works again once the disk does"
    );
    app.stop().await;
}

/// A file is named for what it is, not for what the sender called it: PDF bytes that go on as HTML,
/// uploaded as `receipt.html`, are stored and downloaded as `receipt.pdf`, so the operator's downloads folder
/// never holds a page that runs script when opened.
#[tokio::test]
async fn an_uploads_name_takes_the_extension_of_its_sniffed_type() {
    let (app, _dir) = spawn_app_with(|_| {}).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let mut console = ws::console(&app, &owner).await;
    let (_ws, visitor) = ws::visitor_hello(&app, &site, None).await;
    let token = visitor["token"].as_str().unwrap().to_owned();
    let polyglot = b"%PDF-1.4\n<html><script>alert(document.domain)</script></html>\n".to_vec();
    let response = upload(&app, &site, &token, "receipt.html", polyglot).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["upload_id"]
        .as_u64()
        .unwrap();
    let message = console.recv_type("message").await;
    assert_eq!(message["message"]["attachment"]["filename"], "receipt.pdf");
    let served = download(&app, &site, &token, id).await;
    let disposition = served.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("receipt.pdf") && !disposition.contains(".html"),
        "{disposition}"
    );
    // In the console, the operator is offered receipt.pdf.
    let conversation = message["message"]["conversation"].as_u64().unwrap();
    let browser = crate::browser::Browser::launch().await;
    browser
        .sign_in(
            &app.address,
            crate::helpers::OWNER_EMAIL,
            crate::helpers::OWNER_PASSWORD,
        )
        .await;
    browser
        .goto(&app.url(&format!("/inbox/{conversation}")))
        .await;
    browser.wait_for("#log a.att").await;
    let offered = browser
        .client()
        .execute(
            "const a = document.querySelector('#log a.att'); \
             return [a.textContent.trim(), a.getAttribute('download') || '']",
            vec![],
        )
        .await
        .unwrap();
    let shot = browser
        .screenshot("console-upload-named-for-its-type")
        .await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    assert!(
        offered.to_string().contains("receipt.pdf") && !offered.to_string().contains(".html"),
        "{offered}"
    );
    browser.close().await;
    app.stop().await;
}

//! The data file across restarts, versions and processes; health and static assets.

use reqwest::StatusCode;
use sodan::app::App;
use sodan::config::Config;

use crate::helpers::{
    OWNER_EMAIL, OWNER_PASSWORD, location, spawn_app, spawn_app_in, write_schema_version,
};

#[tokio::test]
async fn accounts_survive_a_restart() {
    let (app, dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let link = app.invite(&owner, "kenji@shop.example", "operator").await;
    app.stop().await;

    let app = spawn_app_in(dir.path()).await;
    assert!(
        app.setup_url.is_none(),
        "no setup link once an owner exists"
    );
    let client = app.client();
    assert_eq!(
        location(&app.login(&client, OWNER_EMAIL, OWNER_PASSWORD).await),
        "/inbox"
    );
    assert_eq!(
        app.get(&app.client(), &link).await.status(),
        StatusCode::OK,
        "invitation kept"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_data_file_from_a_newer_sodan_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::with_data_dir(dir.path());
    write_schema_version(&config.database_path(), sodan::store::SCHEMA_VERSION + 1);
    let mut config = config;
    config.bind = "127.0.0.1:0".into();
    let err = App::build(config)
        .await
        .err()
        .expect("a newer file must be refused");
    let message = err.to_string();
    assert!(message.contains("written by a newer sodan"), "{message}");
    assert!(
        message.contains(&format!(
            "schema version {}",
            sodan::store::SCHEMA_VERSION + 1
        )),
        "{message}"
    );
}

#[tokio::test]
async fn a_new_data_file_is_created_at_the_current_schema_version() {
    let (app, _dir) = spawn_app().await;
    let health: serde_json::Value = reqwest::get(app.url("/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["schema"], sodan::store::SCHEMA_VERSION);
    app.stop().await;
}

#[tokio::test]
async fn healthz_reports_ok_with_the_version() {
    let (app, _dir) = spawn_app().await;
    let response = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let health: serde_json::Value = response.json().await.unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    app.stop().await;
}

#[tokio::test]
async fn assets_are_versioned_cached_and_compressed() {
    let (app, _dir) = spawn_app().await;
    let client = app.client();
    let page = app.page(&client, "/login").await;
    let css = page
        .split("href=\"")
        .find(|s| s.starts_with("/assets/console/console.css?v="))
        .and_then(|s| s.split('"').next())
        .expect("versioned stylesheet link")
        .to_owned();

    let response = client
        .get(app.url(&css))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers["content-encoding"], "gzip");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();

    let unversioned = client
        .get(app.url("/assets/console/console.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(unversioned.headers()["cache-control"], "no-cache");
    let revalidated = client
        .get(app.url("/assets/console/console.css"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(
        app.get(&client, "/assets/../Cargo.toml").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&client, "/assets/nope.js").await.status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn console_pages_carry_security_headers() {
    let (app, _dir) = spawn_app().await;
    let response = app.get(&app.client(), "/login").await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["referrer-policy"], "same-origin");
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        id.len(),
        12,
        "every response names its request for the logs"
    );
    let again = app.get(&app.client(), "/login").await;
    assert_ne!(again.headers()["x-request-id"].to_str().unwrap(), id);
    app.stop().await;
}

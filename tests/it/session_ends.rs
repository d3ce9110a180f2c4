//! When access ends, everything that hung on it ends too (OWASP Session Management Cheat Sheet, "Session
//! expiration"; CVE-2021-3740 was sessions that outlived a password change): signing out closes that
//! session's open console socket, and disabling an admin revokes the invitations and API tokens they
//! handed out.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::spawn_app;
use crate::ws::console;

#[tokio::test]
async fn signing_out_closes_the_sessions_open_console_socket() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let mut feed = console(&app, &owner).await;
    let other_browser = crate::helpers::owner_agent(&app).await;
    let mut other_feed = console(&app, &other_browser).await;
    let response = app.submit(&owner, "/inbox", "/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        feed.closed_within(Duration::from_secs(30)).await,
        "the signed-out console's socket is closed"
    );
    assert!(
        !other_feed.closed_within(Duration::from_secs(2)).await,
        "another session's socket stays open"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_disabled_admins_invitations_and_api_tokens_stop_working() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let invite = app.invite(&owner, "aya@shop.example", "admin").await;
    let admin = app
        .accept_invite(&invite, "Aya", "another long password")
        .await;
    let pending = app.invite(&admin, "new@shop.example", "admin").await;
    let token = crate::customer_api::api_token(&app, &admin, &["customers:read"]).await;
    let read = |token: String| {
        let url = app.url("/api/v1/conversations");
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        read(token.clone()).await,
        StatusCode::FORBIDDEN,
        "scope, not token"
    );
    assert_eq!(
        app.get(&app.client(), &pending).await.status(),
        StatusCode::OK
    );

    let team = app.page(&owner, "/settings").await;
    let disable = team
        .split("action=\"")
        .filter(|s| s.starts_with("/settings/operators/") && s.contains("/disable"))
        .filter_map(|s| s.split('"').next())
        .last()
        .expect("a disable button for the admin")
        .to_owned();
    let response = app.submit(&owner, "/settings", &disable, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    assert_eq!(
        read(token).await,
        StatusCode::UNAUTHORIZED,
        "their token is revoked"
    );
    let page = app.get(&app.client(), &pending).await;
    assert_eq!(
        page.status(),
        StatusCode::NOT_FOUND,
        "their invitation is gone"
    );
    app.stop().await;
}

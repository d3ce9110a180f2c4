//! The customer's right to their data: the export holds everything about the customer and nothing about
//! anyone else, from the console (admins) and from the API.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sodan::customers::identity::user_hash;

use crate::customer_api::{api_token, call};
use crate::customers::identity_secret;
use crate::helpers::{TestApp, spawn_app};
use crate::ws::{SHOP_ORIGIN, visitor_hello};

/// A customer who identifies as `user`, visits a page, tracks an event and writes `said`; returns their id.
async fn customer(
    app: &TestApp,
    site: &str,
    secret: &str,
    user: &str,
    email: &str,
    said: &str,
) -> u64 {
    let (mut ws, _) = visitor_hello(app, site, None).await;
    ws.send(
        json!({"type": "identify", "user_id": user, "user_hash": user_hash(secret, user),
        "traits": {"name": format!("Name of {user}"), "email": email, "plan": "gold"}}),
    )
    .await;
    ws.recv_type("identified").await;
    ws.send(
        json!({"type": "page", "url": format!("http://shop.test/items/{user}"), "title": "Item"}),
    )
    .await;
    ws.send(
        json!({"type": "track", "name": format!("viewed_{user}"), "properties": {"sku": user}}),
    )
    .await;
    ws.send(json!({"type": "message", "client_id": "m1", "body": said}))
        .await;
    let ack = ws.recv_type("ack").await;
    ws.close().await;
    ack["conversation"].as_u64().unwrap()
}

#[tokio::test]
async fn the_export_holds_everything_about_the_customer_and_nothing_about_others() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let secret = identity_secret(&app, &owner).await;
    let a = customer(
        &app,
        &site,
        &secret,
        "aiko",
        "aiko@example.jp",
        "Aiko asks about sizes",
    )
    .await;
    customer(
        &app,
        &site,
        &secret,
        "ben",
        "ben@example.com",
        "Ben asks about returns",
    )
    .await;
    // The team's note and reply on Aiko's conversation.
    let conversation = app.page(&owner, &format!("/inbox/{a}")).await;
    let customer_id: u64 = conversation
        .split("data-customer=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("the card names the customer");
    let response = app
        .submit(
            &owner,
            &format!("/customers/{customer_id}"),
            &format!("/customers/{customer_id}/notes"),
            &[("body", "Prefers e-mail")],
        )
        .await;
    assert!(response.status().is_redirection(), "{}", response.status());

    let token = api_token(&app, &owner, &["customers:read"]).await;
    let (status, export) = call(
        &app,
        Method::GET,
        "/api/v1/customers/aiko/export",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(export["customer"]["email"], "aiko@example.jp");
    assert_eq!(export["customer"]["attributes"]["plan"], "gold");
    let text = export.to_string();
    for about_aiko in [
        "Aiko asks about sizes",
        "viewed_aiko",
        "http://shop.test/items/aiko",
        "Prefers e-mail",
        "Name of aiko",
    ] {
        assert!(
            text.contains(about_aiko),
            "the export has {about_aiko:?}: {text}"
        );
    }
    for about_ben in [
        "ben@example.com",
        "Ben asks about returns",
        "viewed_ben",
        "items/ben",
        "Name of ben",
    ] {
        assert!(
            !text.contains(about_ben),
            "nothing about others: {about_ben:?}"
        );
    }
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/v1/customers/nobody/export",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // From the console: admins download it; operators may not.
    let download = app
        .get(&owner, &format!("/customers/{customer_id}/export"))
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    let disposition = download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let body: serde_json::Value = download.json().await.unwrap();
    assert_eq!(body["customer"]["email"], "aiko@example.jp");
    let invite = app.invite(&owner, "kenji@shop.example", "operator").await;
    let operator = app
        .accept_invite(&invite, "Kenji", "operator password 1")
        .await;
    let refused = app
        .get(&operator, &format!("/customers/{customer_id}/export"))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // Both exports are in the audit log, naming who and which customer, not their data.
    let audit = app.page(&owner, "/settings/audit").await;
    assert_eq!(audit.matches("customer.export").count(), 2, "{audit}");
    assert!(audit.contains("API token") && audit.contains("Hana Owner"));
    assert!(audit.contains(&format!("customer {customer_id}")));
    assert!(
        !audit.contains("aiko@example.jp"),
        "no personal data in the log"
    );
    assert!(audit.contains("api_token.create"));
    assert_eq!(
        app.get(&operator, "/settings/audit").await.status(),
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}

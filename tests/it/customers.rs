//! Customer context over the real server: identify with the shop's HMAC, merging devices, refusals, and
//! what the widget reports (attributes, events, cart).

use reqwest::StatusCode;
use serde_json::{Value, json};
use sodan::customers::identity::user_hash;

use crate::helpers::{Agent, TestApp, spawn_app};
use crate::ws::{SHOP_ORIGIN, Ws, visitor_hello};

/// The identity secret shown in Settings → Widget.
pub async fn identity_secret(app: &TestApp, admin: &Agent) -> String {
    let page = app.page(admin, "/settings/widget").await;
    page.split("<code id=\"identity-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the identity secret is shown")
        .to_owned()
}

/// Ticks "require a valid user hash" in Settings → Widget.
pub async fn require_identity(app: &TestApp, admin: &Agent) {
    let response = app
        .submit(
            admin,
            "/settings/widget",
            "/settings/widget",
            &[
                ("origins", SHOP_ORIGIN),
                ("color", "#1f6feb"),
                ("greeting_en", "Hello"),
                ("greeting_ja", "こんにちは"),
                ("launcher_paths", ""),
                ("identity_required", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("name=\"identity_required\" value=\"1\" checked"));
}

async fn say(ws: &mut Ws, client_id: &str, body: &str) -> Value {
    ws.send(json!({"type": "message", "client_id": client_id, "body": body}))
        .await;
    ws.recv_type("ack").await
}

fn bodies(welcome: &Value) -> Vec<String> {
    welcome["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["messages"].as_array().unwrap().clone())
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn identify_with_a_valid_hash_joins_a_second_device_to_the_same_history() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let secret = identity_secret(&app, &owner).await;
    assert!(
        secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit()),
        "a random secret: {secret}"
    );
    let hash = user_hash(&secret, "cust-1");

    let (mut laptop, _) = visitor_hello(&app, &site, None).await;
    say(&mut laptop, "l1", "from the laptop").await;
    laptop
        .send(json!({"type": "identify", "user_id": "cust-1", "user_hash": hash, "traits": {"name": "Aiko", "plan": "gold"}}))
        .await;
    let identified = laptop.recv_type("identified").await;
    assert_eq!(identified["verified"], true);

    let (mut phone, _) = visitor_hello(&app, &site, None).await;
    say(&mut phone, "p1", "from the phone").await;
    phone
        .send(json!({"type": "identify", "user_id": "cust-1", "user_hash": user_hash(&secret, "cust-1")}))
        .await;
    phone.recv_type("identified").await;
    let welcome = phone.recv_type("welcome").await;
    let seen = bodies(&welcome);
    assert!(seen.contains(&"from the laptop".to_owned()), "{seen:?}");
    assert!(seen.contains(&"from the phone".to_owned()), "{seen:?}");

    // The phone's messages now reach the customer's socket on the laptop too.
    say(&mut phone, "p2", "still the phone").await;
    let pushed = laptop.recv_type("message").await;
    assert_eq!(pushed["message"]["body"], "still the phone");
    app.stop().await;
}

#[tokio::test]
async fn a_forged_or_missing_hash_on_a_verified_site_is_refused_and_merges_nothing() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    require_identity(&app, &owner).await;
    let secret = identity_secret(&app, &owner).await;

    // The real customer.
    let (mut real, _) = visitor_hello(&app, &site, None).await;
    say(&mut real, "r1", "my private order question").await;
    real.send(
        json!({"type": "identify", "user_id": "cust-1", "user_hash": user_hash(&secret, "cust-1")}),
    )
    .await;
    real.recv_type("identified").await;

    // An attacker claims the same id: with a forged hash, with another user's hash, without a hash.
    let (mut attacker, welcome) = visitor_hello(&app, &site, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    for hash in [
        json!("0".repeat(64)),
        json!(user_hash(&secret, "cust-2")),
        json!(user_hash("a guessed secret", "cust-1")),
        Value::Null,
    ] {
        attacker
            .send(json!({"type": "identify", "user_id": "cust-1", "user_hash": hash}))
            .await;
        let error = attacker.recv_type("error").await;
        assert_eq!(error["code"], "identity_refused", "{hash}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains("HMAC"),
            "{error}"
        );
    }
    // Nothing was merged: the attacker's token still shows no conversation.
    attacker.close().await;
    let (_, again) = visitor_hello(&app, &site, Some(&token)).await;
    assert!(bodies(&again).is_empty(), "{again}");
    app.stop().await;
}

#[tokio::test]
async fn bad_customer_data_from_the_widget_gets_a_clear_error_and_the_socket_stays() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (mut ws, _) = visitor_hello(&app, &site, None).await;
    let too_many: serde_json::Map<String, Value> =
        (0..101).map(|i| (format!("k{i}"), json!(i))).collect();
    for (frame, needle) in [
        (
            json!({"type": "set", "attributes": too_many}),
            "at most 100",
        ),
        (
            json!({"type": "set", "attributes": {"bio": "x".repeat(1001)}}),
            "longer than",
        ),
        (
            json!({"type": "set", "attributes": ["not", "an", "object"]}),
            "object",
        ),
        (
            json!({"type": "track", "name": "view_item", "properties": {"blob": "x".repeat(5000)}}),
            "bytes",
        ),
        (
            json!({"type": "track", "name": "<b>", "properties": {}}),
            "event name",
        ),
        (
            json!({"type": "cart", "items": [{"sku": "A", "price": -5}]}),
            "price",
        ),
        (
            json!({"type": "identify", "user_id": "", "traits": {}}),
            "empty",
        ),
    ] {
        ws.send(frame.clone()).await;
        let error = ws.recv_type("error").await;
        assert!(
            error["message"].as_str().unwrap().contains(needle),
            "{frame}: {error}"
        );
    }
    // Still usable.
    say(&mut ws, "ok", "hello after the errors").await;
    app.stop().await;
}

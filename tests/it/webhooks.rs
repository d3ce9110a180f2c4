//! Outgoing webhooks over the real server and a receiver started by the test: signed deliveries a receiver
//! can verify, a retry after a 500, and nothing lost across a restart.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hmac::{KeyInit, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Agent, TestApp, spawn_app_in_with};
use crate::http_stub::{Request, Stub};
use crate::smtp::free_port;
use crate::ws::{SHOP_ORIGIN, visitor_hello};

/// A webhook receiver on `port`: answers the queued statuses in order, then 200.
struct Receiver {
    stub: Stub,
}

impl Receiver {
    async fn start(port: u16, answers: &[u16]) -> Receiver {
        let answers = Mutex::new(answers.iter().copied().collect::<VecDeque<u16>>());
        let stub = Stub::start(port, move |_| {
            (
                answers.lock().unwrap().pop_front().unwrap_or(200),
                String::new(),
            )
        })
        .await;
        Receiver { stub }
    }

    fn got(&self) -> Vec<Request> {
        self.stub.seen.lock().unwrap().clone()
    }

    /// Waits up to 60 s for a request matching `wanted`.
    async fn wait_for(&self, wanted: impl Fn(&Request) -> bool) -> Request {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(r) = self.got().into_iter().find(|r| wanted(r)) {
                return r;
            }
            assert!(
                Instant::now() < deadline,
                "no such delivery: {:?}",
                self.got()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn count(&self, wanted: impl Fn(&Request) -> bool) -> usize {
        self.got().iter().filter(|r| wanted(r)).count()
    }
}

fn event_of(r: &Request) -> String {
    serde_json::from_str::<Value>(&r.body).unwrap()["event"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Registers a webhook for `events`; returns its secret.
async fn add_webhook(app: &TestApp, admin: &Agent, url: &str, events: &[&str]) -> String {
    let mut form = vec![("url", url)];
    form.extend(events.iter().map(|e| ("event", *e)));
    let response = app
        .submit(admin, "/settings/webhooks", "/settings/webhooks", &form)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = app.page(admin, "/settings/webhooks").await;
    page.split("<code class=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned()
}

/// What a receiver would do with its own HMAC code: check `t=…,v1=…` over `t.body`.
fn receiver_verifies(secret: &str, header: &str, body: &str) -> bool {
    let t = header
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .unwrap();
    let v1 = header
        .split(',')
        .find_map(|p| p.strip_prefix("v1="))
        .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    expected == v1
}

#[tokio::test]
async fn deliveries_are_signed_and_retried_after_a_500() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in_with(dir.path(), |c| c.mail_retry_secs = 1).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let port = free_port();
    // The first delivery gets a 500.
    let receiver = Receiver::start(port, &[500]).await;
    let url = format!("http://127.0.0.1:{port}/hooks");
    let secret = add_webhook(
        &app,
        &owner,
        &url,
        &["conversation.created", "message.created"],
    )
    .await;
    let bad = app
        .submit(
            &owner,
            "/settings/webhooks",
            "/settings/webhooks",
            &[("url", "ftp://x"), ("event", "message.created")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let (mut widget, _) = visitor_hello(&app, &site, None).await;
    widget
        .send(json!({"type": "message", "client_id": "w1", "body": "Hello hooks"}))
        .await;
    let conversation = widget.recv_type("ack").await["conversation"]
        .as_u64()
        .unwrap();

    let created = receiver
        .wait_for(|r| {
            event_of(r) == "conversation.created" && r.headers.contains_key("x-sodan-event")
        })
        .await;
    let body: Value = serde_json::from_str(&created.body).unwrap();
    assert_eq!(body["data"]["id"], conversation);
    let message = receiver
        .wait_for(|r| event_of(r) == "message.created")
        .await;
    let m: Value = serde_json::from_str(&message.body).unwrap();
    assert_eq!(m["data"]["body"], "Hello hooks");
    for request in [&created, &message] {
        let (signature, body) = (&request.headers["x-sodan-signature"], &request.body);
        assert!(receiver_verifies(&secret, signature, body), "{signature}");
        assert!(sodan::webhooks::verify(
            &secret,
            signature,
            body,
            sodan::clock::now(),
            300
        ));
        assert!(
            !receiver_verifies(&secret, signature, &format!("{body} ")),
            "tampered"
        );
    }
    // The delivery that got the 500 came again, with the same id, and was then delivered.
    let first = receiver.got()[0].clone();
    let id = first.headers["x-sodan-delivery"].clone();
    receiver
        .wait_for(|r| r.headers["x-sodan-delivery"] == id && r.body == first.body)
        .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while receiver.count(|r| r.headers["x-sodan-delivery"] == id) < 2 {
        assert!(Instant::now() < deadline, "the 500 is retried");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = app.page(&owner, "/settings/webhooks").await;
    assert!(page.contains("delivered (200)"), "{page}");
    app.stop().await;
}

#[tokio::test]
async fn nothing_is_lost_when_the_receiver_is_down_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let fast = |c: &mut sodan::config::Config| c.mail_retry_secs = 1;
    let app = spawn_app_in_with(dir.path(), fast).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let port = free_port();
    add_webhook(
        &app,
        &owner,
        &format!("http://127.0.0.1:{port}/"),
        &["message.created"],
    )
    .await;
    let (mut widget, _) = visitor_hello(&app, &site, None).await;
    for i in 0..3 {
        widget.send(json!({"type": "message", "client_id": format!("d{i}"), "body": format!("note {i}")})).await;
        widget.recv_type("ack").await;
    }
    // Nobody listens: the attempts fail and wait in the queue.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let page = app.page(&owner, "/settings/webhooks").await;
        let attempted = page.matches("queued · ").count() >= 3 && !page.contains("queued · 0");
        if attempted {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the failures are recorded: {page}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(widget);
    app.stop().await;

    let receiver = Receiver::start(port, &[]).await;
    let app = spawn_app_in_with(dir.path(), fast).await;
    for i in 0..3 {
        let text = format!("note {i}");
        receiver
            .wait_for(move |r| {
                serde_json::from_str::<Value>(&r.body).unwrap()["data"]["body"] == text.as_str()
            })
            .await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        receiver.count(|_| true),
        3,
        "each delivered once after the restart"
    );
    app.stop().await;
}

/// A receiver that answers every POST to `/hooks` with 302 to `/redirected`.
async fn redirecting_receiver() -> Stub {
    Stub::start(0, |r| {
        let status = if r.path == "/hooks" { 302 } else { 200 };
        (status, String::new())
    })
    .await
}

#[tokio::test]
async fn a_receiver_answering_302_is_retried_then_failed_and_never_counted_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in_with(dir.path(), |c| c.mail_retry_secs = 1).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let stub = redirecting_receiver().await;
    add_webhook(
        &app,
        &owner,
        &format!("{}/hooks", stub.base),
        &["conversation.created"],
    )
    .await;
    let (mut widget, _) = visitor_hello(&app, &site, None).await;
    widget
        .send(json!({"type": "message", "client_id": "w1", "body": "Hello"}))
        .await;
    widget.recv_type("ack").await;
    let attempts = || {
        stub.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == "/hooks")
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while attempts() < 2 {
        assert!(Instant::now() < deadline, "the 302 is retried");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = app.page(&owner, "/settings/webhooks").await;
    assert!(page.contains("queued (302)"), "{page}");
    assert!(!page.contains("delivered"), "{page}");
    app.stop().await;

    // Near its last attempt (moved there through a backup), the delivery ends as failed, not delivered.
    let aged = crate::aging::restored_with(dir.path(), |table, _, value| {
        if table == "delivery_id_delivery" {
            value["attempts"] = json!(sodan::webhooks::MAX_ATTEMPTS - 1);
        }
    })
    .await;
    let app = crate::helpers::spawn_app_in_with(aged.path(), |c| c.mail_retry_secs = 1).await;
    let owner = crate::helpers::owner_agent(&app).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let page = app.page(&owner, "/settings/webhooks").await;
        if page.contains("failed (302)") {
            assert!(!page.contains("delivered"), "{page}");
            break;
        }
        assert!(Instant::now() < deadline, "the delivery fails: {page}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let followed = stub
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path == "/redirected")
        .count();
    assert_eq!(followed, 0, "the redirect is never followed");
    app.stop().await;
}

#[tokio::test]
async fn customers_are_announced_once_when_they_appear_then_on_each_change() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in_with(dir.path(), |_| {}).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let port = free_port();
    let receiver = Receiver::start(port, &[]).await;
    add_webhook(
        &app,
        &owner,
        &format!("http://127.0.0.1:{port}/hooks"),
        &["customer.created", "customer.updated"],
    )
    .await;
    let token = crate::customer_api::api_token(&app, &owner, &["customers:write"]).await;
    let (status, _) = crate::customer_api::call(
        &app,
        reqwest::Method::PUT,
        "/api/v1/customers/crm-7",
        Some(&token),
        Some(json!({"name": "Aiko"}).to_string()),
    )
    .await;
    assert!(status.is_success(), "{status}");
    let created = receiver
        .wait_for(|r| event_of(r) == "customer.created")
        .await;
    let body: Value = serde_json::from_str(&created.body).unwrap();
    assert_eq!(body["data"]["name"], "Aiko", "{body}");

    // An anonymous visitor browsing is no customer yet; writing makes them one.
    let (mut widget, _) = visitor_hello(&app, &site, None).await;
    widget
        .send(json!({"type": "page", "url": "http://shop.test/item/2", "title": "Item 2"}))
        .await;
    widget
        .send(json!({"type": "message", "client_id": "w1", "body": "Hello"}))
        .await;
    widget.recv_type("ack").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while receiver.count(|r| event_of(r) == "customer.created") < 2 {
        assert!(Instant::now() < deadline, "{:?}", receiver.got());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    widget
        .send(json!({"type": "email", "address": "aiko@example.jp"}))
        .await;
    widget.recv_type("email_saved").await;
    receiver
        .wait_for(|r| event_of(r) == "customer.updated")
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        receiver.count(|r| event_of(r) == "customer.created"),
        2,
        "each customer announced once"
    );
    assert_eq!(
        receiver.count(|r| event_of(r) == "customer.updated"),
        1,
        "the first connection was no update: {:?}",
        receiver.got()
    );
    app.stop().await;
}

//! One anonymous visitor, or many behind one address, cannot make Sodan store without bound: messages,
//! page views, events, new visitor records and uploads each have a budget, a refused frame says when to
//! retry (`rate_limited` with `retry_after_ms`), and a visitor on another address chats normally meanwhile.
//! The addresses are told apart as a proxy in front of Sodan would tell them (X-Forwarded-For).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};
use crate::ws::{SHOP_ORIGIN, Ws, connect};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

/// A widget socket from `address` (as the proxy reports it); `None` when the server refused the upgrade.
async fn widget_from(app: &TestApp, site: &str, address: &str) -> Ws {
    connect(
        app,
        &format!("/widget/ws?site={site}"),
        &[("origin", SHOP_ORIGIN), ("x-forwarded-for", address)],
    )
    .await
    .expect("the widget socket opens")
}

/// Says hello; returns the welcome, or the error frame that refused it.
async fn hello(ws: &mut Ws, site: &str) -> Value {
    ws.send(json!({"type": "hello", "site": site, "page": {"url": "http://shop.test/"}}))
        .await;
    loop {
        let frame = ws
            .try_recv(Duration::from_secs(30))
            .await
            .expect("an answer");
        if frame["type"] == "welcome" || frame["type"] == "error" {
            return frame;
        }
    }
}

/// Sends `n` frames made by `frame(i)` at once, then collects the answers: `(acks, rate_limited)`.
async fn flood(ws: &mut Ws, n: usize, frame: impl Fn(usize) -> Value) -> (usize, Vec<Value>) {
    for i in 0..n {
        ws.send(frame(i)).await;
    }
    let (mut acks, mut limited) = (0, Vec::new());
    while let Some(f) = ws.try_recv(Duration::from_secs(3)).await {
        match f["type"].as_str() {
            Some("ack") => acks += 1,
            Some("error") if f["code"] == "rate_limited" => limited.push(f),
            _ => {}
        }
    }
    (acks, limited)
}

async fn shop() -> (TestApp, tempfile::TempDir, String) {
    let (app, dir) = spawn_app_with(|c| c.behind_proxy = true).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    (app, dir, site)
}

#[tokio::test]
async fn a_flood_of_messages_page_views_and_events_from_one_visitor_is_bounded() {
    let (app, dir, site) = shop().await;
    let mut flooder = widget_from(&app, &site, "203.0.113.1").await;
    hello(&mut flooder, &site).await;
    let (acks, limited) = flood(
        &mut flooder,
        100,
        |i| json!({"type": "message", "client_id": format!("f{i}"), "body": format!("spam {i}")}),
    )
    .await;
    assert!(
        acks < 40,
        "{acks} of 100 messages stored (burst 20, 20 a minute)"
    );
    assert_eq!(acks + limited.len(), 100, "every frame was answered");
    assert!(
        limited
            .iter()
            .all(|f| f["retry_after_ms"].as_u64().is_some_and(|ms| ms > 0)),
        "each refusal says when to retry: {:?}",
        limited.first()
    );

    let (_, pages_limited) = flood(&mut flooder, 200, |i| {
        json!({"type": "page", "url": format!("http://shop.test/p/{i}?{}", "q".repeat(1_000)), "title": "x"})
    })
    .await;
    assert!(
        pages_limited.len() >= 150,
        "{} of 200 page views refused",
        pages_limited.len()
    );
    let (_, events_limited) = flood(&mut flooder, 300, |i| {
        json!({"type": "track", "name": "view_item", "properties": {"sku": format!("S-{i}"), "pad": "p".repeat(3_000)}})
    })
    .await;
    assert!(
        events_limited.len() >= 200,
        "{} of 300 events refused",
        events_limited.len()
    );
    // What was stored, counted in the data file: bounded by the budgets, not by the flood.
    let page_views = rows(dir.path(), "visitorid_n_pageview").await;
    let events = rows(dir.path(), "visitorid_n_event").await;
    assert!(
        page_views <= 50,
        "{page_views} page views stored of 200 sent"
    );
    assert!(events <= 100, "{events} events stored of 300 sent");

    // A customer on another address chats normally meanwhile.
    let mut customer = widget_from(&app, &site, "198.51.100.7").await;
    hello(&mut customer, &site).await;
    customer
        .send(json!({"type": "message", "client_id": "c1", "body": "Is this in stock?"}))
        .await;
    assert_eq!(customer.recv_type("ack").await["client_id"], "c1");
    app.stop().await;
}

#[tokio::test]
async fn token_less_hellos_from_one_address_make_a_bounded_number_of_visitors() {
    let (app, _dir, site) = shop().await;
    let mut welcomed = 0;
    let mut refused = 0;
    for _ in 0..60 {
        let mut ws = widget_from(&app, &site, "203.0.113.2").await;
        let answer = hello(&mut ws, &site).await;
        if answer["type"] == "welcome" {
            welcomed += 1;
        } else {
            assert_eq!(answer["code"], "rate_limited", "{answer}");
            refused += 1;
        }
        ws.close().await;
    }
    assert!(
        welcomed <= 40,
        "{welcomed} visitor records made (burst 30, 30 a minute)"
    );
    assert!(refused >= 20, "{refused} refused");
    let mut other = widget_from(&app, &site, "198.51.100.8").await;
    assert_eq!(hello(&mut other, &site).await["type"], "welcome");
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_uploads_a_bounded_number_of_files_a_day() {
    let (app, _dir, site) = shop().await;
    let mut ws = widget_from(&app, &site, "203.0.113.3").await;
    let token = hello(&mut ws, &site).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut statuses = Vec::new();
    for _ in 0..35 {
        let response = reqwest::Client::new()
            .post(app.url(&format!("/widget/uploads?site={site}&name=photo.png")))
            .header("origin", SHOP_ORIGIN)
            .header("x-forwarded-for", "203.0.113.3")
            .header("authorization", format!("Bearer {token}"))
            .body(PNG.to_vec())
            .send()
            .await
            .unwrap();
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["code"], "rate_limited", "{body}");
        }
        statuses.push(status.as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        30,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        5,
        "{statuses:?}"
    );
    app.stop().await;
}

/// Anonymous visitors who never chatted are forgotten once they have not been seen for the retention
/// period (90 days by default), so token-less visits cannot pile up records for ever; anyone who chatted
/// is kept.
#[tokio::test]
async fn anonymous_visitors_unseen_for_ninety_days_are_forgotten() {
    use crate::aging::{DAY_MS, restored_with, shift};
    let dir = tempfile::tempdir().unwrap();
    let app = crate::helpers::spawn_app_in(dir.path()).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (_, lurker) = crate::ws::visitor_hello(&app, &site, None).await;
    let lurker = lurker["token"].as_str().unwrap().to_owned();
    let (mut chatter_ws, chatter) = crate::ws::visitor_hello(&app, &site, None).await;
    let chatter = chatter["token"].as_str().unwrap().to_owned();
    chatter_ws
        .send(json!({"type": "message", "client_id": "m1", "body": "hello"}))
        .await;
    chatter_ws.recv_type("ack").await;
    chatter_ws.close().await;

    // A hundred days pass for everyone.
    let aged = restored_with(dir.path(), |table, _, value| {
        if table == "visitor_id_visitor" {
            shift(value, "last_seen_at", 100 * DAY_MS);
        }
    })
    .await;
    app.stop().await;
    assert_eq!(visitor_records(aged.path()).await, 2);
    let app = crate::helpers::spawn_app_in(aged.path()).await;
    // The retention job runs at start (watched through backups, which touch nothing).
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while visitor_records(aged.path()).await != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the lurker is forgotten"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, welcome) = crate::ws::visitor_hello(&app, &site, Some(&lurker)).await;
    assert_ne!(
        welcome["token"],
        lurker.as_str(),
        "the lurker's token leads nowhere now"
    );
    let (_, welcome) = crate::ws::visitor_hello(&app, &site, Some(&chatter)).await;
    assert_eq!(
        welcome["token"],
        chatter.as_str(),
        "a visitor who chatted is kept"
    );
    assert_eq!(welcome["conversations"].as_array().unwrap().len(), 1);
    app.stop().await;
}

/// How many visitor records the data directory holds, read with `sodan backup -` (safe while it runs).
async fn visitor_records(data: &std::path::Path) -> usize {
    rows(data, "visitor_id_visitor").await
}

/// How many rows of `table` the data directory holds, read with `sodan backup -`.
async fn rows(data: &std::path::Path, table: &str) -> usize {
    let wanted = format!("\"t\":\"{table}\"");
    crate::aging::every_table(data)
        .await
        .lines()
        .filter(|l| l.contains(&wanted))
        .count()
}

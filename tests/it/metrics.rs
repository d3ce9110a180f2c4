//! `/metrics`: Prometheus text for monitoring, readable from loopback or with the configured token.

use reqwest::StatusCode;
use serde_json::json;
use sodan::config::Secret;

use crate::helpers::{spawn_app, spawn_app_with, writes_total};
use crate::ws::{self, SHOP_ORIGIN};

fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or_else(|| panic!("{series} missing from:\n{text}"))
}

#[tokio::test]
async fn metrics_count_sockets_messages_and_commits() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let _console = ws::console(&app, &owner).await;
    let (mut visitor, _) = ws::visitor_hello(&app, &site, None).await;
    for i in 0..3 {
        visitor
            .send(json!({ "type": "message", "client_id": format!("m{i}"), "body": "hello" }))
            .await;
        visitor.recv_type("ack").await;
    }
    let response = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    assert_eq!(value(&text, "sodan_open_sockets{kind=\"visitor\"}"), 1.0);
    assert_eq!(value(&text, "sodan_open_sockets{kind=\"operator\"}"), 1.0);
    assert_eq!(value(&text, "sodan_messages_total"), 3.0);
    let commits = value(&text, "sodan_commit_duration_seconds_count");
    assert!(commits >= 3.0, "{text}");
    assert_eq!(
        value(&text, "sodan_commit_duration_seconds_bucket{le=\"+Inf\"}"),
        commits
    );
    assert!(value(&text, "sodan_writes_total") >= commits);
    app.stop().await;
}

#[tokio::test]
async fn behind_a_proxy_metrics_need_the_token() {
    let (app, _dir) = spawn_app_with(|c| c.behind_proxy = true).await;
    assert_eq!(
        reqwest::get(app.url("/metrics")).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    app.stop().await;

    let (app, _dir) =
        spawn_app_with(|c| c.metrics_token = Some(Secret("s3cret-metrics".into()))).await;
    let client = reqwest::Client::new();
    let without = client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    assert!(without.text().await.unwrap().contains("--metrics-token"));
    let wrong = client
        .get(app.url("/metrics"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let right = client
        .get(app.url("/metrics"))
        .bearer_auth("s3cret-metrics")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    app.stop().await;
}

/// A visitor coming back within the last-seen step without a page (a second tab, a reconnect) has
/// nothing new to record: their hello queues no write, so reconnect storms cost the writer nothing.
#[tokio::test]
async fn a_return_within_the_last_seen_step_without_a_page_queues_no_write() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (first, welcome) = ws::visitor_hello(&app, &site, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    first.close().await;
    let before = writes_total(&app).await;
    for _ in 0..3 {
        let mut again = ws::visitor(&app, &site).await;
        again
            .send(json!({ "type": "hello", "site": site, "token": token }))
            .await;
        let welcome = again.recv_type("welcome").await;
        assert_eq!(welcome["token"], token.as_str(), "the same visitor");
        again.close().await;
    }
    assert_eq!(writes_total(&app).await, before, "three returns, no write");
    // With a page, a return is recorded.
    let (with_page, _) = ws::visitor_hello(&app, &site, Some(&token)).await;
    assert!(writes_total(&app).await > before, "a page view is written");
    with_page.close().await;
    app.stop().await;
}

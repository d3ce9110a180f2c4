//! Everything a LINE customer should see goes out through LINE, against a local server that behaves like
//! the Messaging API: the bot's messages and automatic replies are pushed, not only operators' replies;
//! every push carries `X-Line-Retry-Key` and a 500 is retried with the same key until delivered once, also
//! across a restart (Messaging API reference, "Retrying a failed API request"); the webhook is answered
//! before the profile is read (LINE's webhook guidance: process asynchronously); texts from groups are not
//! taken into one-to-one conversations.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Agent, TestApp, spawn_app, spawn_app_in_with};
use crate::http_stub::{Request, Stub};
use crate::line::{SECRET, TOKEN, deliver, line_like_server};
use crate::line_sdk;
use crate::ws::console;

async fn set_line(app: &TestApp, owner: &Agent, base: &str) {
    let response = app
        .submit(
            owner,
            "/settings/line",
            "/settings/line",
            &[
                ("channel_secret", SECRET),
                ("access_token", TOKEN),
                ("api_base", base),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

/// Delivers a signed webhook with one text from `user`, built with LINE's SDK; asserts LINE would see 200.
async fn write_from_line(app: &TestApp, event: &str, user: &str, text: &str) {
    let body = line_sdk::webhook_body(&[(event, user, text, None)]).await;
    let signature = sodan::line::sign(SECRET, body.as_bytes());
    assert_eq!(deliver(app, &body, &signature).await, StatusCode::OK);
}

fn pushes(stub: &Stub) -> Vec<Request> {
    stub.seen
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path == "/v2/bot/message/push")
        .cloned()
        .collect()
}

fn pushed_text(r: &Request) -> String {
    let body: Value = serde_json::from_str(&r.body).unwrap();
    body["messages"][0]["text"].as_str().unwrap().to_owned()
}

/// Waits until some push carries `text`; returns every push of it.
async fn wait_pushed(stub: &Stub, text: &str, at_least: usize) -> Vec<Request> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found: Vec<Request> = pushes(stub)
            .into_iter()
            .filter(|r| pushed_text(r) == text)
            .collect();
        if found.len() >= at_least {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "{text:?} pushed {} times, not {at_least}: {:?}",
            found.len(),
            pushes(stub)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_bots_messages_and_automatic_replies_reach_line_too() {
    let line = line_like_server().await;
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    set_line(&app, &owner, &line.base).await;
    crate::autoreply::set_rules(&app, &owner, Some(1), true).await;
    let mut feed = console(&app, &owner).await;
    write_from_line(&app, "01HZ0000000000000000000011", "U1", "営業時間は？").await;
    let conversation = feed.recv_type("message").await["message"]["conversation"]
        .as_u64()
        .unwrap();

    // Nobody answered within a second: the automatic reply goes to LINE.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pushes(&line).iter().any(|r| {
        let text = pushed_text(r);
        text == "数分以内にお返事します。" || text == "We usually answer within minutes."
    }) {
        assert!(
            Instant::now() < deadline,
            "the automatic reply reaches LINE: {:?}",
            pushes(&line)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A message posted as the bot through the REST API goes to LINE.
    let token = crate::customer_api::api_token(&app, &owner, &["conversations:write"]).await;
    let (status, _) = crate::customer_api::call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/conversations/{conversation}/messages"),
        Some(&token),
        Some(json!({"body": "10時から18時までです。", "as": "bot"}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let bot = wait_pushed(&line, "10時から18時までです。", 1).await;
    // Read back with LINE's SDK: the request is one its PushMessageRequest model accepts.
    let (to, texts) = line_sdk::read_push(&bot[0].body).await;
    assert_eq!(to, "U1");
    assert_eq!(texts, ["10時から18時までです。"]);

    // A private note never leaves.
    feed.send(
        json!({"type": "message", "conversation": conversation, "client_id": "n1",
        "body": "internal only", "note": true}),
    )
    .await;
    feed.recv_type("ack").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !pushes(&line)
            .iter()
            .any(|r| pushed_text(r) == "internal only"),
        "notes are not pushed"
    );
    app.stop().await;
}

/// A Messaging API that answers pushes with the statuses queued in `answers` (then 200), and 409 to a
/// retry key it has already accepted, as LINE does.
async fn flaky_line(answers: Vec<u16>) -> Stub {
    let answers = Mutex::new(
        answers
            .into_iter()
            .collect::<std::collections::VecDeque<u16>>(),
    );
    let accepted = Mutex::new(std::collections::HashSet::<String>::new());
    Stub::start(0, move |r: &Request| {
        if r.method == "GET" {
            return (
                200,
                json!({"displayName": "Ken", "pictureUrl": ""}).to_string(),
            );
        }
        let key = r
            .headers
            .get("x-line-retry-key")
            .cloned()
            .unwrap_or_default();
        if accepted.lock().unwrap().contains(&key) {
            return (
                409,
                json!({"message": "The retry key is already accepted"}).to_string(),
            );
        }
        let status = answers.lock().unwrap().pop_front().unwrap_or(200);
        if status == 200 {
            accepted.lock().unwrap().insert(key);
        }
        (status, "{}".to_owned())
    })
    .await
}

#[tokio::test]
async fn a_push_refused_with_500_is_retried_with_the_same_key_and_delivered_once_also_across_a_restart()
 {
    let line = flaky_line(vec![500]).await;
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in_with(dir.path(), |c| c.mail_retry_secs = 1).await;
    let owner = app.set_up_owner().await;
    set_line(&app, &owner, &line.base).await;
    let mut feed = console(&app, &owner).await;
    write_from_line(&app, "01HZ0000000000000000000021", "U2", "在庫ありますか？").await;
    let conversation = feed.recv_type("message").await["message"]["conversation"]
        .as_u64()
        .unwrap();
    feed.send(
        json!({"type": "message", "conversation": conversation, "client_id": "r1",
        "body": "あります。"}),
    )
    .await;
    feed.recv_type("ack").await;
    let tries = wait_pushed(&line, "あります。", 2).await;
    let key = tries[0].headers["x-line-retry-key"].clone();
    assert_eq!(key.len(), 36, "a UUID: {key}");
    assert!(
        tries.iter().all(|r| r.headers["x-line-retry-key"] == key),
        "one key for every attempt"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        wait_pushed(&line, "あります。", 2).await.len(),
        2,
        "delivered once: no attempt after the 200"
    );

    // LINE is down while a second reply is written and the server restarts; it is delivered after.
    let down = Stub::start(0, |_| (503, "{}".to_owned())).await;
    set_line(&app, &owner, &down.base).await;
    feed.send(
        json!({"type": "message", "conversation": conversation, "client_id": "r2",
        "body": "明日発送します。"}),
    )
    .await;
    feed.recv_type("ack").await;
    let refused = wait_pushed(&down, "明日発送します。", 1).await;
    let key = refused[0].headers["x-line-retry-key"].clone();
    app.stop().await;
    drop(feed);

    let line_again = flaky_line(vec![]).await;
    let app = spawn_app_in_with(dir.path(), |c| c.mail_retry_secs = 1).await;
    let owner = crate::helpers::owner_agent(&app).await;
    set_line(&app, &owner, &line_again.base).await;
    let delivered = wait_pushed(&line_again, "明日発送します。", 1).await;
    assert_eq!(
        delivered[0].headers["x-line-retry-key"], key,
        "the same key after the restart"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        wait_pushed(&line_again, "明日発送します。", 1).await.len(),
        1
    );
    let page = app.page(&owner, &format!("/inbox/{conversation}")).await;
    assert!(!page.contains("Not delivered to LINE"), "no failure notice");
    app.stop().await;
}

#[tokio::test]
async fn a_push_refused_for_good_leaves_a_short_notice_for_the_team() {
    let line = Stub::start(0, |r: &Request| {
        if r.method == "GET" {
            return (200, json!({"displayName": "Ken"}).to_string());
        }
        (
            400,
            json!({"message": "secret details <script>"}).to_string(),
        )
    })
    .await;
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    set_line(&app, &owner, &line.base).await;
    let mut feed = console(&app, &owner).await;
    write_from_line(&app, "01HZ0000000000000000000031", "U3", "hello").await;
    let conversation = feed.recv_type("message").await["message"]["conversation"]
        .as_u64()
        .unwrap();
    feed.send(
        json!({"type": "message", "conversation": conversation, "client_id": "r1",
        "body": "hi"}),
    )
    .await;
    feed.recv_type("ack").await;
    let notice = loop {
        let frame = feed.recv_type("message").await;
        if frame["message"]["author"]["kind"] == "system" {
            break frame;
        }
    };
    let body = notice["message"]["body"].as_str().unwrap();
    assert!(body.contains("LINE answered 400"), "{body}");
    assert!(
        !body.contains("secret details"),
        "LINE's answer is not copied: {body}"
    );
    assert_eq!(notice["message"]["note"], true);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(pushes(&line).len(), 1, "a 400 is not retried");
    app.stop().await;
}

#[tokio::test]
async fn the_webhook_is_answered_before_a_slow_profile_and_group_texts_stay_out() {
    let profiles = std::sync::Arc::new(AtomicUsize::new(0));
    let asked = profiles.clone();
    let line = Stub::start_slow(
        0,
        |r| {
            if r.path.starts_with("/v2/bot/profile/") {
                Duration::from_secs(3)
            } else {
                Duration::ZERO
            }
        },
        move |r: &Request| {
            if r.path.starts_with("/v2/bot/profile/") {
                asked.fetch_add(1, Ordering::SeqCst);
                return (
                    200,
                    json!({"displayName": "佐藤 健", "pictureUrl": ""}).to_string(),
                );
            }
            (200, "{}".to_owned())
        },
    )
    .await;
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    set_line(&app, &owner, &line.base).await;
    let mut feed = console(&app, &owner).await;
    write_from_line(&app, "01HZ0000000000000000000041", "U4", "こんにちは").await;
    let profile_answered = line
        .answered
        .lock()
        .unwrap()
        .iter()
        .any(|a| a.contains("/v2/bot/profile/"));
    assert!(
        !profile_answered,
        "the webhook was answered while the profile call was still running"
    );
    let conversation = feed.recv_type("message").await["message"]["conversation"]
        .as_u64()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !app
        .page(&owner, &format!("/inbox/{conversation}"))
        .await
        .contains("佐藤 健")
    {
        assert!(
            Instant::now() < deadline,
            "the profile fills the card when it arrives"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(profiles.load(Ordering::SeqCst), 1);

    // A text in a group the account is in: answered 200 (LINE must not redeliver), not taken in.
    let group = line_sdk::webhook_body(&[(
        "01HZ0000000000000000000042",
        "U4",
        "group chatter",
        Some("Cgroup"),
    )])
    .await;
    let signature = sodan::line::sign(SECRET, group.as_bytes());
    assert!(
        line_sdk::sdk_verifies(SECRET, &group, &signature).await,
        "LINE's SDK accepts the signature Sodan computes"
    );
    assert_eq!(deliver(&app, &group, &signature).await, StatusCode::OK);
    let frames = feed.collect_type("message", Duration::from_secs(2)).await;
    assert!(frames.is_empty(), "{frames:?}");
    let page = app.page(&owner, &format!("/inbox/{conversation}")).await;
    assert!(!page.contains("group chatter"));
    app.stop().await;
}

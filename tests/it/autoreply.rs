//! Business hours and the auto-responder over the real server: the in-hours reply after N seconds (once,
//! never after an operator answered), the out-of-hours reply at once, and a reply pending across a restart.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Agent, TestApp, spawn_app, spawn_app_in};
use crate::ws::{SHOP_ORIGIN, Ws, console, visitor};

/// Saves the auto-responder settings: in-hours after `wait_secs` (`None`: off), out-of-hours on or off.
pub(crate) async fn set_rules(
    app: &TestApp,
    admin: &Agent,
    wait_secs: Option<u32>,
    out_of_hours: bool,
) {
    let wait = wait_secs.unwrap_or(60).to_string();
    let mut form = vec![
        ("wait_secs", wait.as_str()),
        ("in_hours_en", "We usually answer within minutes."),
        ("in_hours_ja", "数分以内にお返事します。"),
        ("out_of_hours_en", "We are closed; back {next}."),
        ("out_of_hours_ja", "営業時間外です。{next} から再開します。"),
        ("greeting_away_en", "We are away; leave a message."),
    ];
    if wait_secs.is_some() {
        form.push(("in_hours", "on"));
    }
    if out_of_hours {
        form.push(("out_of_hours", "on"));
    }
    let response = app
        .submit(admin, "/settings/hours", "/settings/hours/autoreply", &form)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// A visitor's socket that said hello in `language`; returns it with its token.
async fn hello(app: &TestApp, site: &str, token: Option<&str>, language: &str) -> (Ws, String) {
    let mut ws = visitor(app, site).await;
    let mut frame = json!({"type": "hello", "site": site,
        "page": {"url": "http://shop.test/", "title": "Shop"}, "env": {"language": language}});
    if let Some(token) = token {
        frame["token"] = token.into();
    }
    ws.send(frame).await;
    let welcome = ws.recv_type("welcome").await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    (ws, token)
}

/// Sends a message and returns its conversation id once acknowledged.
async fn write(ws: &mut Ws, id: &str, body: &str) -> u64 {
    ws.send(json!({"type": "message", "client_id": id, "body": body}))
        .await;
    loop {
        let frame = ws.recv_type("ack").await;
        if frame["client_id"] == id {
            return frame["conversation"].as_u64().unwrap();
        }
    }
}

/// The automatic messages among `frames`.
fn automatic(frames: &[Value]) -> Vec<&Value> {
    frames
        .iter()
        .filter(|f| f["message"]["author"]["kind"] == "system")
        .collect()
}

#[tokio::test]
async fn the_in_hours_reply_comes_after_the_wait_once_and_never_after_an_operator_answered() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    set_rules(&app, &owner, Some(2), true).await;
    let mut feed = console(&app, &owner).await;

    // Nobody answers: one automatic reply, two seconds after the first message, and no second one for the
    // messages that follow while the visitor still waits.
    let (mut waiting, _) = hello(&app, &site, None, "en-US").await;
    let sent = Instant::now();
    let conversation = write(&mut waiting, "w1", "Is this in stock?").await;
    let reply = loop {
        let frame = waiting.recv_type("message").await;
        if frame["message"]["author"]["kind"] == "system" {
            break frame;
        }
    };
    // Not before the wait (how soon after it depends on the machine: the benchmark measures that).
    let after = sent.elapsed();
    assert!(after >= Duration::from_millis(1_900), "after {after:?}");
    assert_eq!(
        reply["message"]["body"],
        "We usually answer within minutes."
    );
    assert_eq!(reply["message"]["conversation"], conversation);
    write(&mut waiting, "w2", "Hello?").await;
    let more = waiting
        .collect_type("message", Duration::from_secs(3))
        .await;
    assert!(automatic(&more).is_empty(), "only once per wait: {more:?}");
    // The console shows it once, marked as automatic.
    let page = app.page(&owner, &format!("/inbox/{conversation}")).await;
    assert_eq!(page.matches("We usually answer within minutes.").count(), 1);
    assert!(page.contains("Automatic reply"), "marked as automatic");

    // An operator answers within the wait: no automatic reply.
    let (mut answered, _) = hello(&app, &site, None, "ja-JP").await;
    let conversation = write(&mut answered, "a1", "在庫はありますか？").await;
    feed.send(
        json!({"type": "message", "conversation": conversation, "client_id": "r1", "body": "Yes!"}),
    )
    .await;
    feed.recv_type("ack").await;
    let frames = answered
        .collect_type("message", Duration::from_secs(4))
        .await;
    assert!(automatic(&frames).is_empty(), "{frames:?}");
    assert!(frames.iter().any(|f| f["message"]["body"] == "Yes!"));

    // A new wait after the operator's answer gets its own reply, in the visitor's language.
    write(&mut answered, "a2", "もう一つ質問です").await;
    let reply = loop {
        let frame = answered.recv_type("message").await;
        if frame["message"]["author"]["kind"] == "system" {
            break frame;
        }
    };
    assert_eq!(reply["message"]["body"], "数分以内にお返事します。");
    app.stop().await;
}

#[tokio::test]
async fn outside_business_hours_the_reply_comes_at_once_with_the_next_opening() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    set_rules(&app, &owner, Some(1), true).await;
    // Open only tomorrow (UTC), 10:00-11:00: closed now.
    let today = (sodan::clock::now() / 86_400 + 3) % 7; // 1970-01-01 was a Thursday (Monday = 0)
    let tomorrow = format!("day{}", (today + 1) % 7);
    let response = app
        .submit(
            &owner,
            "/settings/hours",
            "/settings/hours",
            &[
                ("enabled", "on"),
                ("zone", "UTC"),
                (&tomorrow, "10:00-11:00"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let settings = app.page(&owner, "/settings/hours").await;
    assert!(settings.contains("Closed now"), "{settings}");
    // A proactive message limited to business hours is not offered now; one without the limit is.
    let in_hours = crate::triggers::save_trigger(
        &app,
        &owner,
        &[
            ("name", "Staff are here"),
            ("text_en", "Ask us"),
            ("only_in_hours", "on"),
        ],
    )
    .await;
    let any_time = crate::triggers::save_trigger(
        &app,
        &owner,
        &[("name", "Any time"), ("text_en", "Read our FAQ")],
    )
    .await;

    let mut ws = visitor(&app, &site).await;
    ws.send(
        json!({"type": "hello", "site": site, "page": {"url": "http://shop.test/"},
        "env": {"language": "en-GB"}}),
    )
    .await;
    let welcome = ws.recv_type("welcome").await;
    let offered = ws.recv_type("triggers").await;
    let ids: Vec<u64> = offered["triggers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [any_time], "not {in_hours} outside business hours");
    assert_eq!(welcome["site"]["away"], true);
    assert_eq!(
        welcome["site"]["greeting_away_en"],
        "We are away; leave a message."
    );
    let conversation = write(&mut ws, "n1", "Are you there?").await;
    let reply = loop {
        let frame = ws.recv_type("message").await;
        if frame["message"]["author"]["kind"] == "system" {
            break frame;
        }
    };
    // At once: stored with the visitor's message, in the same transaction, so at the same instant.
    let stored: Value = app
        .get(&owner, &format!("/inbox/{conversation}/messages"))
        .await
        .json()
        .await
        .unwrap();
    let question = stored
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"] == "Are you there?")
        .expect("the visitor's message")
        .clone();
    assert_eq!(
        reply["message"]["seq"],
        question["seq"].as_u64().unwrap() + 1
    );
    assert_eq!(
        reply["message"]["created_at"], question["created_at"],
        "at once"
    );
    assert_eq!(
        reply["message"]["body"],
        "We are closed; back tomorrow at 10:00."
    );
    // Once per wait: neither another out-of-hours reply nor the in-hours one later.
    write(&mut ws, "n2", "Hello?").await;
    let more = ws.collect_type("message", Duration::from_secs(2)).await;
    assert!(automatic(&more).is_empty(), "{more:?}");

    // A mistake in the hours is refused, naming the day.
    let response = app
        .submit(
            &owner,
            "/settings/hours",
            "/settings/hours",
            &[("enabled", "on"), ("zone", "UTC"), ("day2", "18:00-09:00")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(body.contains("Wednesday"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn a_reply_pending_when_the_server_stops_is_sent_after_the_restart_unless_answered() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path()).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    set_rules(&app, &owner, Some(4), false).await;
    let (mut pending, pending_token) = hello(&app, &site, None, "en").await;
    let waiting = write(&mut pending, "p1", "Still there?").await;
    let (mut answered, answered_token) = hello(&app, &site, None, "en").await;
    let replied = write(&mut answered, "q1", "A question").await;
    let reply = app
        .submit(
            &owner,
            &format!("/inbox/{replied}"),
            &format!("/inbox/{replied}/messages"),
            &[("body", "Answered before the restart")],
        )
        .await;
    assert!(reply.status().is_redirection(), "{}", reply.status());
    pending.close().await;
    answered.close().await;
    app.stop().await;

    // Down for longer than the wait.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let app = spawn_app_in(dir.path()).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let system_count = |messages: &Value| {
        messages
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["author"]["kind"] == "system")
            .count()
    };
    // It arrives live, or is already in the history when the widget connects.
    loop {
        let (ws, welcome) = {
            let mut ws = visitor(&app, &site).await;
            ws.send(
                json!({"type": "hello", "site": site, "token": pending_token,
                "page": {"url": "http://shop.test/"}}),
            )
            .await;
            let welcome = ws.recv_type("welcome").await;
            (ws, welcome)
        };
        let c = &welcome["conversations"][0];
        assert_eq!(c["id"], waiting);
        let n = system_count(&c["messages"]);
        ws.close().await;
        if n == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the pending reply was sent after the restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut check = visitor(&app, &site).await;
    check
        .send(
            json!({"type": "hello", "site": site, "token": answered_token,
            "page": {"url": "http://shop.test/"}}),
        )
        .await;
    let welcome = check.recv_type("welcome").await;
    assert_eq!(welcome["conversations"][0]["id"], replied);
    assert_eq!(system_count(&welcome["conversations"][0]["messages"]), 0);
    app.stop().await;
}

/// Whether new widgets hear that the team is `expected` (online or not) within 5 s (a console's
/// connection registers just after its handshake).
async fn online(app: &TestApp, site: String, expected: bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut ws = visitor(app, &site).await;
        ws.send(json!({"type": "hello", "site": site, "page": {"url": "http://shop.test/"}}))
            .await;
        let welcome = ws.recv_type("welcome").await;
        ws.close().await;
        let online = welcome["site"]["online"].as_bool().unwrap();
        if online == expected || Instant::now() > deadline {
            return online;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_team_is_online_with_a_console_open_inside_hours_unless_away() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    assert!(
        !online(&app, site.clone(), false).await,
        "nobody has the console open"
    );
    let feed = console(&app, &owner).await;
    assert!(online(&app, site.clone(), true).await, "a console is open");

    // Away: the header's switch.
    let inbox = app.page(&owner, "/inbox").await;
    assert!(inbox.contains("id=\"away-toggle\""), "{inbox}");
    let response = app
        .submit(&owner, "/inbox", "/account/away", &[("away", "on")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        !online(&app, site.clone(), false).await,
        "the only operator is away"
    );
    let response = app
        .submit(&owner, "/inbox", "/account/away", &[("away", "off")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(online(&app, site.clone(), true).await);

    // Outside business hours nobody is online.
    let response = app
        .submit(
            &owner,
            "/settings/hours",
            "/settings/hours",
            &[("enabled", "on"), ("zone", "UTC")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(!online(&app, site.clone(), false).await, "closed all week");
    feed.close().await;
    app.stop().await;
}

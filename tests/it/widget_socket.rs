//! The widget and console sockets: delivery both ways, acknowledgements after commit, de-duplication,
//! resume without gaps, and who may touch what.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_in};
use crate::ws::{self, SHOP_ORIGIN, Ws};

async fn shop() -> (TestApp, tempfile::TempDir, crate::helpers::Agent, String) {
    let (app, dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    (app, dir, owner, site)
}

async fn say(ws: &mut Ws, client_id: &str, body: &str) -> Value {
    ws.send(json!({ "type": "message", "client_id": client_id, "body": body }))
        .await;
    ws.recv_type("ack").await
}

fn bodies(messages: &Value) -> Vec<String> {
    messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_visitor_message_reaches_every_operator_and_a_reply_reaches_the_visitor() {
    let (app, _dir, owner, site) = shop().await;
    let link = app.invite(&owner, "kenji@shop.example", "operator").await;
    let operator = app.accept_invite(&link, "Kenji", "operator pass 123").await;
    let mut console_a = ws::console(&app, &owner).await;
    let mut console_b = ws::console(&app, &operator).await;

    let (mut visitor, welcome) = ws::visitor_hello(&app, &site, None).await;
    assert!(welcome["token"].as_str().unwrap().len() >= 32);
    assert_eq!(welcome["conversations"], json!([]));

    let ack = say(&mut visitor, "c-1", "Is this jacket available in M?").await;
    assert_eq!(ack["client_id"], "c-1");
    assert_eq!(ack["seq"], 1);
    let conversation = ack["conversation"].as_u64().unwrap();

    for console in [&mut console_a, &mut console_b] {
        let started = console.recv_type("conversation").await;
        assert_eq!(started["new"], true);
        assert_eq!(
            started["conversation"]["preview"],
            "Is this jacket available in M?"
        );
        let message = console.recv_type("message").await;
        assert_eq!(message["message"]["body"], "Is this jacket available in M?");
        assert_eq!(message["message"]["author"]["kind"], "visitor");
    }

    console_a
        .send(json!({ "type": "message", "conversation": conversation, "client_id": "r-1", "body": "Yes, it is!" }))
        .await;
    let ack = console_a.recv_type("ack").await;
    assert_eq!(ack["seq"], 2);
    // The sender got an ack instead of its own message back; everyone else gets the message.
    let reply = visitor.recv_type("message").await;
    assert_eq!(reply["message"]["body"], "Yes, it is!");
    assert_eq!(reply["message"]["author"]["name"], "Hana Owner");
    assert_eq!(
        console_b.recv_type("message").await["message"]["body"],
        "Yes, it is!"
    );
    assert!(
        console_a
            .collect_type("message", Duration::from_millis(300))
            .await
            .is_empty()
    );

    // Another tab of the same visitor sees what this tab sends.
    let token = welcome["token"].as_str().unwrap();
    let (mut second_tab, _) = ws::visitor_hello(&app, &site, Some(token)).await;
    say(&mut visitor, "c-2", "sent from the first tab").await;
    assert_eq!(
        second_tab.recv_type("message").await["message"]["body"],
        "sent from the first tab"
    );

    // A private note reaches the team only.
    console_b
        .send(json!({ "type": "message", "conversation": conversation, "client_id": "n-1", "body": "VIP, be nice", "note": true }))
        .await;
    console_b.recv_type("ack").await;
    let note = loop {
        let frame = console_a.recv_type("message").await;
        if frame["message"]["author"]["kind"] == "operator" {
            break frame;
        }
    };
    assert_eq!(note["message"]["note"], true);
    assert!(
        visitor
            .collect_type("message", Duration::from_millis(500))
            .await
            .is_empty()
    );
    app.stop().await;
}

/// A visitor who sends several messages without waiting has them queued together: each is acknowledged,
/// stored and shown to operators in the order sent, and a refused one (here an empty body) is refused
/// between the acks of the messages around it.
#[tokio::test]
async fn a_burst_of_messages_is_acknowledged_and_shown_in_the_order_sent() {
    let (app, _dir, owner, site) = shop().await;
    let mut console = ws::console(&app, &owner).await;
    let (mut visitor, welcome) = ws::visitor_hello(&app, &site, None).await;
    let sent: Vec<String> = (1..=13).map(|i| format!("burst message {i}")).collect();
    for (i, body) in sent.iter().enumerate() {
        if i == 6 {
            visitor
                .send(json!({ "type": "message", "client_id": "empty", "body": "  " }))
                .await;
        }
        visitor
            .send(json!({ "type": "message", "client_id": format!("b-{i}"), "body": body }))
            .await;
    }
    let mut answers = Vec::new();
    while answers.len() < sent.len() + 1 {
        let frame = visitor
            .recv_matching(|f| f["type"] == "ack" || f["type"] == "error")
            .await;
        answers.push(match frame["type"].as_str() {
            Some("ack") => format!(
                "ack {} seq {}",
                frame["client_id"].as_str().unwrap(),
                frame["seq"]
            ),
            _ => format!("error {}", frame["code"].as_str().unwrap()),
        });
    }
    let mut expected: Vec<String> = (0..sent.len())
        .map(|i| format!("ack b-{i} seq {}", i + 1))
        .collect();
    let refusal = answers[6].clone();
    assert!(refusal.starts_with("error "), "{answers:?}");
    expected.insert(6, refusal);
    assert_eq!(
        answers, expected,
        "acks in the order sent, the refusal in its place"
    );

    let mut shown = Vec::new();
    while shown.len() < sent.len() {
        let frame = console.recv_type("message").await;
        shown.push(frame["message"]["body"].as_str().unwrap().to_owned());
    }
    assert_eq!(shown, sent, "operators see them in the order sent");
    let token = welcome["token"].as_str().unwrap();
    let (_again, welcome) = ws::visitor_hello(&app, &site, Some(token)).await;
    assert_eq!(bodies(&welcome["conversations"][0]["messages"]), sent);
    app.stop().await;
}

#[tokio::test]
async fn a_retried_message_is_stored_and_shown_once() {
    let (app, _dir, owner, site) = shop().await;
    let mut console = ws::console(&app, &owner).await;
    let (mut visitor, welcome) = ws::visitor_hello(&app, &site, None).await;
    let first = say(&mut visitor, "same-id", "hello").await;
    let again = say(&mut visitor, "same-id", "hello").await;
    assert_eq!(first, again, "the retry gets the original ack");
    let messages = console
        .collect_type("message", Duration::from_millis(800))
        .await;
    assert_eq!(messages.len(), 1, "operators see it once: {messages:?}");

    let token = welcome["token"].as_str().unwrap();
    let (_visitor, welcome) = ws::visitor_hello(&app, &site, Some(token)).await;
    assert_eq!(bodies(&welcome["conversations"][0]["messages"]), ["hello"]);
    app.stop().await;
}

#[tokio::test]
async fn a_reconnecting_visitor_resumes_without_gap_or_duplicate() {
    let (app, _dir, owner, site) = shop().await;
    let mut console = ws::console(&app, &owner).await;
    let (mut visitor, welcome) = ws::visitor_hello(&app, &site, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    let ack = say(&mut visitor, "v-1", "first").await;
    let conversation = ack["conversation"].as_u64().unwrap();
    visitor.close().await;

    for (i, body) in ["one", "two", "three"].iter().enumerate() {
        let frame = json!({ "type": "message", "conversation": conversation, "client_id": format!("r-{i}"), "body": body });
        console.send(frame).await;
        console.recv_type("ack").await;
    }

    let (mut visitor, _) = ws::visitor_hello(&app, &site, Some(&token)).await;
    visitor
        .send(json!({ "type": "resume", "conversation": conversation, "after_seq": 1 }))
        .await;
    let resumed = visitor.recv_type("messages").await;
    assert_eq!(bodies(&resumed["messages"]), ["one", "two", "three"]);
    let seqs: Vec<u64> = resumed["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [2, 3, 4]);
    visitor
        .send(json!({ "type": "resume", "conversation": conversation, "after_seq": 4 }))
        .await;
    assert_eq!(visitor.recv_type("messages").await["messages"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn a_message_sent_across_a_server_restart_is_delivered_exactly_once() {
    let (app, dir, owner, site) = shop().await;
    let (mut visitor, welcome) = ws::visitor_hello(&app, &site, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    // The widget sends, and the connection dies before it reads the ack.
    visitor
        .send(json!({ "type": "message", "client_id": "lost-ack", "body": "are you there?" }))
        .await;
    let _maybe_ack = visitor.try_recv(Duration::from_millis(300)).await;
    visitor.close().await;
    drop(owner);
    app.stop().await;

    let app = spawn_app_in(dir.path()).await;
    let owner = app.client();
    crate::helpers::assert_signed_in(&app, &owner).await;
    let mut console = ws::console(&app, &owner).await;
    let (mut visitor, welcome) = ws::visitor_hello(&app, &site, Some(&token)).await;
    // The widget retries every unacknowledged message after reconnecting.
    let ack = say(&mut visitor, "lost-ack", "are you there?").await;
    assert_eq!(ack["seq"], 1);
    let conversation = ack["conversation"].as_u64().unwrap();
    visitor
        .send(json!({ "type": "resume", "conversation": conversation, "after_seq": 0 }))
        .await;
    assert_eq!(
        bodies(&visitor.recv_type("messages").await["messages"]),
        ["are you there?"]
    );
    let earlier = welcome["conversations"].as_array().unwrap().len();
    assert!(earlier <= 1);
    // Operators were told about it once (before the restart, or now) — never twice after it.
    assert!(
        console
            .collect_type("message", Duration::from_millis(500))
            .await
            .len()
            <= 1
    );
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_cannot_touch_another_visitors_conversation() {
    let (app, _dir, _owner, site) = shop().await;
    let (mut alice, _) = ws::visitor_hello(&app, &site, None).await;
    let alice_conversation = say(&mut alice, "a-1", "my address is secret").await["conversation"]
        .as_u64()
        .unwrap();
    let (mut bob, bob_welcome) = ws::visitor_hello(&app, &site, None).await;
    assert_eq!(bob_welcome["conversations"], json!([]));

    bob.send(json!({ "type": "resume", "conversation": alice_conversation, "after_seq": 0 }))
        .await;
    let refused = bob.recv_type("error").await;
    assert_eq!(refused["code"], "not_found");
    bob.send(json!({ "type": "read", "conversation": alice_conversation, "up_to_seq": 1 }))
        .await;
    assert_eq!(bob.recv_type("error").await["code"], "not_found");
    // Bob's own message starts his own conversation.
    let ack = say(&mut bob, "b-1", "hi").await;
    assert_ne!(ack["conversation"].as_u64().unwrap(), alice_conversation);
    // And a guessed token is just a new visitor.
    let (_eve, eve_welcome) = ws::visitor_hello(&app, &site, Some("0123456789abcdef")).await;
    assert_eq!(eve_welcome["conversations"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn sockets_refuse_foreign_origins_unknown_sites_and_anonymous_consoles() {
    let (app, _dir, owner, site) = shop().await;
    let foreign = ws::connect(
        &app,
        &format!("/widget/ws?site={site}"),
        &[("origin", "http://evil.test")],
    )
    .await;
    assert_eq!(foreign.err(), Some(403));
    let no_origin = ws::connect(&app, &format!("/widget/ws?site={site}"), &[]).await;
    assert_eq!(no_origin.err(), Some(403));
    let unknown = ws::connect(&app, "/widget/ws?site=nope", &[("origin", SHOP_ORIGIN)]).await;
    assert_eq!(unknown.err(), Some(404));

    let anonymous = ws::connect(&app, "/console/ws", &[("origin", &app.address)]).await;
    assert_eq!(anonymous.err(), Some(401));
    let cookie = owner.cookie_header();
    let hijack = ws::connect(
        &app,
        "/console/ws",
        &[("cookie", &cookie), ("origin", "http://evil.test")],
    )
    .await;
    assert_eq!(hijack.err(), Some(403));
    // Same host and port but another scheme, or another port: not this console's origin.
    let host = app.address.trim_start_matches("http://").to_owned();
    for origin in [
        app.address.replace("http://", "https://"),
        format!("http://{}:1", host.split(':').next().unwrap()),
    ] {
        let other = ws::connect(
            &app,
            "/console/ws",
            &[("cookie", &cookie), ("origin", &origin), ("host", &host)],
        )
        .await;
        assert_eq!(other.err(), Some(403), "{origin}");
    }
    app.stop().await;
}

#[tokio::test]
async fn malformed_frames_get_an_error_and_the_socket_stays_usable() {
    let (app, _dir, _owner, site) = shop().await;
    let mut visitor = ws::visitor(&app, &site).await;
    visitor
        .send(json!({ "type": "message", "client_id": "x", "body": "too early" }))
        .await;
    assert_eq!(visitor.recv_type("error").await["code"], "hello_first");
    visitor.send(json!({ "type": "hello", "site": site })).await;
    visitor.recv_type("welcome").await;

    for bad in [
        "not json",
        r#"{"type":"fly"}"#,
        r#"{"type":"message","body":"no id"}"#,
        "[]",
    ] {
        visitor.send_text(bad).await;
        assert_eq!(
            visitor.recv_type("error").await["code"],
            "bad_frame",
            "{bad}"
        );
    }
    visitor
        .send(json!({ "type": "message", "client_id": "e-1", "body": "   " }))
        .await;
    assert_eq!(visitor.recv_type("error").await["code"], "empty");
    visitor
        .send(json!({ "type": "message", "client_id": "e-2", "body": "x".repeat(5_001) }))
        .await;
    assert_eq!(visitor.recv_type("error").await["code"], "too_long");
    assert_eq!(say(&mut visitor, "ok-1", "still here").await["seq"], 1);
    app.stop().await;
}

#[tokio::test]
async fn typing_and_read_receipts_travel_both_ways() {
    let (app, _dir, owner, site) = shop().await;
    let mut console = ws::console(&app, &owner).await;
    let (mut visitor, _) = ws::visitor_hello(&app, &site, None).await;
    let conversation = say(&mut visitor, "t-1", "hello?").await["conversation"]
        .as_u64()
        .unwrap();

    visitor
        .send(json!({ "type": "typing", "conversation": conversation }))
        .await;
    let typing = console.recv_type("typing").await;
    assert_eq!(typing["visitor"], true);
    console
        .send(json!({ "type": "typing", "conversation": conversation }))
        .await;
    assert_eq!(visitor.recv_type("typing").await["name"], "Hana Owner");

    console
        .send(json!({ "type": "read", "conversation": conversation, "up_to_seq": 1 }))
        .await;
    let read = visitor.recv_type("read").await;
    assert_eq!(read["up_to_seq"], 1);
    app.stop().await;
}

#[tokio::test]
async fn connections_are_forgotten_when_clients_vanish() {
    let (app, _dir, owner, site) = shop().await;
    let console = ws::console(&app, &owner).await;
    let mut visitors = Vec::new();
    for _ in 0..3 {
        visitors.push(ws::visitor_hello(&app, &site, None).await.0);
    }
    let count = || async {
        reqwest::get(app.url("/healthz"))
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["connections"]
            .clone()
    };
    assert_eq!(count().await, 4);
    drop(visitors);
    drop(console);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while count().await != 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "connections still registered: {}",
            count().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn ending_access_closes_the_live_feed_at_once() {
    let (app, _dir, owner, _site) = shop().await;
    let link = app.invite(&owner, "kenji@shop.example", "operator").await;
    let operator = app.accept_invite(&link, "Kenji", "operator pass 123").await;
    let mut operator_feed = ws::console(&app, &operator).await;
    let mut owner_feed = ws::console(&app, &owner).await;

    let team = app.page(&owner, "/settings").await;
    let disable = team
        .split("action=\"")
        .find(|s| s.starts_with("/settings/operators/") && s.contains("/disable"))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    app.submit(&owner, "/settings", &disable, &[]).await;
    assert!(
        operator_feed.closed_within(Duration::from_secs(3)).await,
        "a disabled operator's socket closes"
    );
    assert!(
        !owner_feed.closed_within(Duration::from_millis(300)).await,
        "others stay connected"
    );

    // A password change ends the owner's other sessions' feeds, not this one's.
    let other = app.client();
    crate::helpers::assert_signed_in(&app, &other).await;
    let mut other_feed = ws::console(&app, &other).await;
    let new_password = "another long password";
    app.submit(
        &owner,
        "/account",
        "/account/password",
        &[
            ("current_password", crate::helpers::OWNER_PASSWORD),
            ("password", new_password),
            ("password_confirm", new_password),
        ],
    )
    .await;
    assert!(other_feed.closed_within(Duration::from_secs(3)).await);
    assert!(!owner_feed.closed_within(Duration::from_millis(300)).await);
    app.stop().await;
}

/// RFC 6455 7.4.1: a frame over the limit closes the socket with 1009, a text frame that is not UTF-8
/// with 1007; each after an `error` frame saying why.
#[tokio::test]
async fn oversized_and_non_utf8_frames_close_with_the_standard_codes() {
    let (app, _dir, _owner, site) = shop().await;
    let (mut ws, _) = crate::ws::visitor_hello(&app, &site, None).await;
    let big = json!({"type": "message", "client_id": "big",
        "body": "x".repeat(sodan::hub::protocol::MAX_FRAME_BYTES)});
    ws.send(big).await;
    assert_eq!(
        ws.close_code_within(Duration::from_secs(30)).await,
        Some(1009)
    );

    let (mut ws, _) = crate::ws::visitor_hello(&app, &site, None).await;
    ws.send_raw_text(vec![b'{', 0xff, 0xfe, b'}']).await;
    assert_eq!(
        ws.close_code_within(Duration::from_secs(30)).await,
        Some(1007)
    );

    // Nothing was stored from either.
    let (mut ws, _) = crate::ws::visitor_hello(&app, &site, None).await;
    say(&mut ws, "after", "still fine").await;
    app.stop().await;
}

//! A conversation's whole history reaches the visitor: older messages load when they scroll up, what
//! arrived while the widget was offline is fetched after reconnecting (resume by sequence number, with a
//! cursor that passes private notes), and an operator's idempotency key is per conversation.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::{TestApp, spawn_app};
use crate::widget_browser::{wait_widget, widget_js};
use crate::ws::{Ws, console, visitor_hello};
use crate::{shop, ws};

/// Sends `n` operator messages (notes when `note`) to `conversation` without waiting between them, then
/// waits for every ack.
async fn post_many(feed: &mut Ws, conversation: u64, prefix: &str, n: usize, note: bool) {
    let mut waiting = HashSet::new();
    for i in 0..n {
        let id = format!("{prefix}-{i}");
        feed.send(
            json!({"type": "message", "conversation": conversation, "client_id": id,
            "body": format!("{prefix} {i}"), "note": note}),
        )
        .await;
        waiting.insert(id);
    }
    while !waiting.is_empty() {
        let ack = feed.recv_type("ack").await;
        waiting.remove(ack["client_id"].as_str().unwrap());
    }
}

/// A visitor with one message in a new conversation; returns the socket, token and conversation.
async fn visitor_with_conversation(app: &TestApp, site: &str) -> (Ws, String, u64) {
    let (mut ws, welcome) = visitor_hello(app, site, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    ws.send(json!({"type": "message", "client_id": "q1", "body": "first question"}))
        .await;
    let conversation = ws.recv_type("ack").await["conversation"].as_u64().unwrap();
    (ws, token, conversation)
}

#[tokio::test]
async fn a_resume_across_600_private_notes_reaches_the_reply_behind_them() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[ws::SHOP_ORIGIN]).await;
    let (ws, token, conversation) = visitor_with_conversation(&app, &site).await;
    ws.close().await;
    let mut feed = console(&app, &owner).await;
    post_many(&mut feed, conversation, "note", 600, true).await;
    post_many(&mut feed, conversation, "reply", 1, false).await;

    let (mut ws, welcome) = visitor_hello(&app, &site, Some(&token)).await;
    let c = &welcome["conversations"][0];
    assert_eq!(c["last_seq"], 602, "{c}");
    assert_eq!(
        c["messages"].as_array().unwrap().len(),
        1,
        "50 read, notes left out"
    );
    // A widget that held only the first message resumes from it, following the cursor.
    let (mut after, mut seen, mut batches) = (1, Vec::new(), 0);
    loop {
        ws.send(json!({"type": "resume", "conversation": conversation, "after_seq": after}))
            .await;
        let batch = ws.recv_type("messages").await;
        batches += 1;
        let through = batch["through_seq"].as_u64().unwrap();
        assert!(through > after, "the cursor moves on: {batch}");
        after = through;
        seen.extend(
            batch["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["body"].as_str().unwrap().to_owned()),
        );
        if batch["more"] == false {
            break;
        }
        assert!(batches < 10, "ends");
    }
    assert_eq!(seen, ["reply 0"], "the reply behind the notes, and no note");
    assert!(
        batches >= 2,
        "a batch of notes alone did not end the resume"
    );
    app.stop().await;
}

#[tokio::test]
async fn history_pages_back_to_the_first_message_without_notes() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[ws::SHOP_ORIGIN]).await;
    let (ws, token, conversation) = visitor_with_conversation(&app, &site).await;
    ws.close().await;
    let mut feed = console(&app, &owner).await;
    post_many(&mut feed, conversation, "reply", 100, false).await;
    post_many(&mut feed, conversation, "note", 30, true).await;
    post_many(&mut feed, conversation, "late", 19, false).await;

    let (mut ws, welcome) = visitor_hello(&app, &site, Some(&token)).await;
    let c = &welcome["conversations"][0];
    let mut from = c["from_seq"].as_u64().unwrap();
    assert_eq!(c["through_seq"], 150);
    assert_eq!(from, 101);
    let mut held: Vec<u64> = c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect();
    let mut more = true;
    while more {
        ws.send(json!({"type": "history", "conversation": conversation, "before_seq": from}))
            .await;
        let page = ws.recv_type("history").await;
        let next = page["from_seq"].as_u64().unwrap();
        assert!(next < from, "{page}");
        from = next;
        more = page["more"] == true;
        held.extend(
            page["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["seq"].as_u64().unwrap()),
        );
    }
    held.sort();
    let expected: Vec<u64> = (1..=101).chain(132..=150).collect();
    assert_eq!(held, expected, "every message once, no note");
    // Another visitor's conversation is not theirs to page through.
    let (mut other, _) = visitor_hello(&app, &site, None).await;
    other
        .send(json!({"type": "history", "conversation": conversation, "before_seq": 50}))
        .await;
    assert_eq!(other.recv_type("error").await["code"], "not_found");
    app.stop().await;
}

#[tokio::test]
async fn an_operator_client_id_is_an_idempotency_key_per_conversation() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[ws::SHOP_ORIGIN]).await;
    let (_a, _, first) = visitor_with_conversation(&app, &site).await;
    let (_b, _, second) = visitor_with_conversation(&app, &site).await;
    let mut feed = console(&app, &owner).await;
    let mut acks = Vec::new();
    for conversation in [second, first, first] {
        feed.send(
            json!({"type": "message", "conversation": conversation, "client_id": "same",
            "body": format!("to {conversation}")}),
        )
        .await;
        acks.push(feed.recv_type("ack").await);
    }
    assert_ne!(
        acks[0]["id"], acks[1]["id"],
        "two conversations, two messages"
    );
    assert_eq!(
        acks[1]["id"], acks[2]["id"],
        "a retry in one conversation is one message"
    );
    for conversation in [first, second] {
        let messages: Value = app
            .get(&owner, &format!("/inbox/{conversation}/messages"))
            .await
            .json()
            .await
            .unwrap();
        let bodies: Vec<&str> = messages
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["body"].as_str())
            .collect();
        assert_eq!(bodies, ["first question", &format!("to {conversation}")]);
    }
    app.stop().await;
}

/// A shop page whose WebSockets the test can cut: `__offline = true` refuses new ones, and
/// `__sockets` holds the ones opened.
fn page_with_switch(sodan: &str, site: &str) -> String {
    let switch = "<script>window.__sockets=[];window.__offline=false;(function(){var W=window.WebSocket;\
        window.WebSocket=function(u){if(window.__offline)throw new Error('offline');var s=new W(u);\
        window.__sockets.push(s);return s;};window.WebSocket.prototype=W.prototype;})();</script>";
    shop::page_with_snippet(sodan, site, "Test Shop", "en")
        .replace("<script src=", &format!("{switch}<script src="))
}

/// Scrolls the widget's log to the top until it shows `n` messages.
async fn scroll_until(browser: &Browser, n: usize) {
    let deadline = Instant::now() + crate::browser::WAIT;
    loop {
        let shown = widget_js(
            browser,
            "const log = root.querySelector('.log'); log.scrollTop = 0; \
             return log.querySelectorAll('li.m').length",
        )
        .await;
        if shown == json!(n) {
            return;
        }
        assert!(Instant::now() < deadline, "{shown} messages shown, not {n}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_widget_shows_every_message_after_a_long_absence_and_after_being_offline() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[]).await;
    let shop = shop::serve(page_with_switch(&app.address, &site)).await;
    app.configure_widget(&owner, &[&shop.origin]).await;
    let mut feed = console(&app, &owner).await;

    let browser = Browser::launch().await;
    browser.goto(&format!("{}/item/1", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    crate::widget_browser::open_widget(&browser).await;
    widget_js(
        &browser,
        "root.querySelector('textarea').value = 'first question'; \
         root.querySelector('form').requestSubmit();",
    )
    .await;
    let conversation = feed.recv_type("message").await["message"]["conversation"]
        .as_u64()
        .unwrap();
    wait_widget(
        &browser,
        "root.querySelector('.st') && root.querySelector('.st').textContent === 'Sent'",
    )
    .await;

    // Coming back to 120 messages: the latest show, scrolling up brings the rest, the first question too.
    post_many(&mut feed, conversation, "reply", 119, false).await;
    browser.client().refresh().await.unwrap();
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    crate::widget_browser::open_widget(&browser).await;
    wait_widget(&browser, "root.querySelectorAll('li.m').length >= 50").await;
    scroll_until(&browser, 120).await;
    let log = widget_js(&browser, "return root.querySelector('.log').textContent").await;
    let log = log.as_str().unwrap();
    assert!(
        log.contains("first question") && log.contains("reply 118"),
        "{log}"
    );
    browser.screenshot("history-scrolled-up").await;

    // Offline while 80 replies arrive: all 80 show after reconnecting, without scrolling.
    widget_js(
        &browser,
        "window.__offline = true; window.__sockets.forEach(s => s.close());",
    )
    .await;
    wait_widget(&browser, "root.querySelector('.note').textContent !== ''").await;
    post_many(&mut feed, conversation, "offline", 80, false).await;
    widget_js(&browser, "window.__offline = false").await;
    wait_widget(&browser, "root.querySelectorAll('li.m').length >= 200").await;
    let shown = widget_js(
        &browser,
        "return [...root.querySelectorAll('li.m .b')].map(b => b.textContent)",
    )
    .await;
    let shown: Vec<&str> = shown
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(shown.len(), 200, "each message once");
    for i in 0..80 {
        let body = format!("offline {i}");
        assert!(shown.contains(&body.as_str()), "{body} missing");
    }
    browser.close().await;
    app.stop().await;
}

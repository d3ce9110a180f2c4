//! E-mail over the real server and a real SMTP server (aiosmtpd): the reply digest for a visitor who left,
//! no mail when they read it, the link and unsubscribe pages, the test mail, permanent failures, and a
//! failed delivery retried after a restart and delivered once.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sodan::customers::identity::user_hash;

use crate::customers::identity_secret;
use crate::helpers::{Agent, TestApp, spawn_app, spawn_app_in_with};
use crate::smtp::{Smtp, free_port};
use crate::ws::{SHOP_ORIGIN, Ws, console, visitor};

/// Points Sodan at the SMTP server on `port` (plain, local), with a short grace period.
pub(crate) async fn set_smtp(app: &TestApp, admin: &Agent, port: u16, grace_secs: u32) {
    let port = port.to_string();
    let grace = grace_secs.to_string();
    let response = app
        .submit(
            admin,
            "/settings/email",
            "/settings/email",
            &[
                ("host", "127.0.0.1"),
                ("port", &port),
                ("security", "none"),
                ("from", "Test Shop <support@shop.test>"),
                ("grace_secs", &grace),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

/// A visitor identified with `email`, speaking `language`, who wrote a message; returns the socket and the
/// conversation.
pub(crate) async fn customer(
    app: &TestApp,
    admin: &Agent,
    site: &str,
    email: &str,
    language: &str,
) -> (Ws, u64) {
    let secret = identity_secret(app, admin).await;
    let mut ws = visitor(app, site).await;
    ws.send(
        json!({"type": "hello", "site": site, "page": {"url": "http://shop.test/item/1"},
        "env": {"language": language}}),
    )
    .await;
    ws.recv_type("welcome").await;
    ws.send(
        json!({"type": "identify", "user_id": email, "user_hash": user_hash(&secret, email),
        "traits": {"email": email, "name": "Yuki"}}),
    )
    .await;
    ws.recv_type("identified").await;
    ws.send(json!({"type": "message", "client_id": "m1", "body": "いつ届きますか？"}))
        .await;
    let conversation = ws.recv_type("ack").await["conversation"].as_u64().unwrap();
    (ws, conversation)
}

/// An operator's reply through the console socket.
pub(crate) async fn reply(feed: &mut Ws, conversation: u64, id: &str, body: &str) {
    feed.send(
        json!({"type": "message", "conversation": conversation, "client_id": id, "body": body}),
    )
    .await;
    loop {
        if feed.recv_type("ack").await["client_id"] == id {
            return;
        }
    }
}

/// Waits until the server counts `n` open sockets (a closed widget is unregistered a moment after it goes).
pub(crate) async fn wait_connections(app: &TestApp, admin: &Agent, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let wanted = format!("\"connections\":{n},");
    while !app.page(admin, "/healthz").await.contains(&wanted) {
        assert!(std::time::Instant::now() < deadline, "{n} sockets open");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) fn link(body: &str, path: &str) -> String {
    body.split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1") && word.contains(path))
        .expect("the link")
        .to_owned()
}

#[tokio::test]
async fn a_visitor_who_left_gets_one_digest_in_their_language_with_a_working_link() {
    let smtp = Smtp::start().await;
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    set_smtp(&app, &owner, smtp.port, 2).await;
    let mut feed = console(&app, &owner).await;
    let (ws, conversation) = customer(&app, &owner, &site, "yuki@example.jp", "ja-JP").await;
    ws.close().await;
    wait_connections(&app, &owner, 1).await;

    // Two replies in quick succession: one mail with both.
    reply(&mut feed, conversation, "r1", "明日お届けします。").await;
    reply(&mut feed, conversation, "r2", "追跡番号は 1234 です。").await;
    let mails = smtp.wait_for(1, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.received().len(), 1, "one digest for both replies");
    let mail = &mails[0];
    assert_eq!(mail["to"], "yuki@example.jp");
    assert_eq!(mail["subject"], "Test Shopから返信が届きました");
    let body = mail["body"].as_str().unwrap();
    assert!(
        body.contains("明日お届けします。") && body.contains("追跡番号は 1234 です。"),
        "{body}"
    );
    assert!(body.contains("Hana Owner:"), "{body}");

    // The link opens the conversation without the widget, and the visitor can answer there.
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let url = link(body, "/c/");
    let page = client.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("追跡番号は 1234 です。"), "{html}");
    let csrf = crate::helpers::hidden_field(&html, "csrf").unwrap();
    let sent = client
        .post(&url)
        .form(&[("csrf", csrf.as_str()), ("body", "ありがとうございます")])
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success(), "{}", sent.status());
    loop {
        let frame = feed.recv_type("message").await;
        if frame["message"]["body"] == "ありがとうございます" {
            assert_eq!(frame["message"]["author"]["kind"], "visitor");
            break;
        }
    }
    // A forged link finds nothing.
    let forged = url.replace("/c/", "/c/9");
    assert_eq!(
        client.get(&forged).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // Unsubscribe (a button, not the link alone): no more digests.
    let unsubscribe = link(body, "/unsubscribe/");
    let page = client
        .get(&unsubscribe)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::helpers::hidden_field(&page, "csrf").unwrap();
    let done = client
        .post(&unsubscribe)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("id=\"unsubscribed\""), "{done}");
    reply(&mut feed, conversation, "r3", "ほかにご質問は？").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(smtp.received().len(), 1, "no mail after unsubscribing");
    app.stop().await;
}

#[tokio::test]
async fn no_mail_when_the_visitor_is_there_or_reads_the_reply_in_time() {
    let smtp = Smtp::start().await;
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    set_smtp(&app, &owner, smtp.port, 3).await;
    let mut feed = console(&app, &owner).await;

    // Still on the page: the reply is seen live, no mail.
    let (mut present, conversation) =
        customer(&app, &owner, &site, "present@example.com", "en").await;
    reply(&mut feed, conversation, "p1", "Here now").await;
    present.recv_type("message").await;

    // Gone when the reply came, back and reading it within the grace period: no mail either.
    let (away, conversation) = customer(&app, &owner, &site, "back@example.com", "en").await;
    away.close().await;
    wait_connections(&app, &owner, 2).await;
    reply(
        &mut feed,
        conversation,
        "b1",
        "Answered while you were away",
    )
    .await;
    let mut back = visitor(&app, &site).await;
    // (The same browser comes back with its token: identify joined it to the customer.)
    let secret = identity_secret(&app, &owner).await;
    back.send(json!({"type": "hello", "site": site, "page": {"url": "http://shop.test/"}}))
        .await;
    back.recv_type("welcome").await;
    back.send(json!({"type": "identify", "user_id": "back@example.com",
        "user_hash": user_hash(&secret, "back@example.com"), "traits": {}}))
        .await;
    let welcome = back.recv_type("welcome").await;
    let c = &welcome["conversations"][0];
    back.send(json!({"type": "read", "conversation": c["id"], "up_to_seq": c["last_seq"]}))
        .await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let mails: Vec<Value> = smtp.received();
    assert!(mails.is_empty(), "{mails:?}");
    drop(present);
    app.stop().await;
}

#[tokio::test]
async fn the_test_mail_reports_the_servers_answer_and_refused_mails_are_listed() {
    let smtp = Smtp::start().await;
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    set_smtp(&app, &owner, smtp.port, 1).await;
    let page = app.page(&owner, "/settings/email").await;
    assert!(
        !page.contains("name=\"password\" value"),
        "the password is never shown"
    );

    let ok = app
        .submit(
            &owner,
            "/settings/email",
            "/settings/email/test",
            &[("to", "admin@shop.test")],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(ok.text().await.unwrap().contains("admin@shop.test"));
    assert_eq!(
        smtp.wait_for(1, Duration::from_secs(60)).await[0]["to"],
        "admin@shop.test"
    );
    let refused = app
        .submit(
            &owner,
            "/settings/email",
            "/settings/email/test",
            &[("to", "bounce@shop.test")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_GATEWAY);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("550") && html.contains("no such user here"),
        "{html}"
    );

    // A digest to an address the server refuses for good: failed, with the answer, not retried.
    let mut feed = console(&app, &owner).await;
    let (ws, conversation) = customer(&app, &owner, &site, "bounce@example.com", "en").await;
    ws.close().await;
    wait_connections(&app, &owner, 1).await;
    reply(&mut feed, conversation, "x1", "Hello?").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let page = app.page(&owner, "/settings/email").await;
        if page.contains("class=\"mail-failed\"") {
            assert!(page.contains("no such user here"), "{page}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the refusal is shown: {page}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn a_failed_delivery_is_retried_after_a_restart_and_delivered_once() {
    let dir = tempfile::tempdir().unwrap();
    let fast_retry = |c: &mut sodan::config::Config| c.mail_retry_secs = 1;
    let app = spawn_app_in_with(dir.path(), fast_retry).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    // Nothing listens on the port yet: the delivery fails for a passing reason.
    let port = free_port();
    set_smtp(&app, &owner, port, 1).await;
    let mut feed = console(&app, &owner).await;
    let (ws, conversation) = customer(&app, &owner, &site, "later@example.com", "en").await;
    ws.close().await;
    wait_connections(&app, &owner, 1).await;
    reply(&mut feed, conversation, "l1", "Your parcel left today.").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let page = app.page(&owner, "/settings/email").await;
        if page.contains("class=\"mail-queued\"") && page.contains("later@example.com") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the failed mail waits in the queue: {page}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    drop(feed);
    app.stop().await;

    // The SMTP server comes up while Sodan is down; after the restart the mail goes out, once.
    let smtp = Smtp::start_on(port).await;
    let app = spawn_app_in_with(dir.path(), fast_retry).await;
    let mails = smtp.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(mails[0]["to"], "later@example.com");
    assert!(
        mails[0]["body"]
            .as_str()
            .unwrap()
            .contains("Your parcel left today.")
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(smtp.received().len(), 1, "delivered once");
    app.stop().await;
}

#[tokio::test]
async fn operators_hear_of_new_conversations_while_nobody_is_online_unless_they_opt_out() {
    let smtp = Smtp::start().await;
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    set_smtp(&app, &owner, smtp.port, 60).await;
    // Nobody has the console open.
    let (mut ws, _) = crate::ws::visitor_hello(&app, &site, None).await;
    ws.send(json!({"type": "message", "client_id": "n1", "body": "Anyone there?"}))
        .await;
    ws.recv_type("ack").await;
    let mails = smtp.wait_for(1, Duration::from_secs(60)).await;
    assert_eq!(mails[0]["to"], crate::helpers::OWNER_EMAIL);
    assert_eq!(mails[0]["subject"], "New conversation waiting");
    assert!(mails[0]["body"].as_str().unwrap().contains("Anyone there?"));

    let response = app.submit(&owner, "/account", "/account/mail", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (mut other, _) = crate::ws::visitor_hello(&app, &site, None).await;
    other
        .send(json!({"type": "message", "client_id": "n2", "body": "Hello?"}))
        .await;
    other.recv_type("ack").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.received().len(), 1, "opted out");
    app.stop().await;
}

#[tokio::test]
async fn the_widget_asks_for_an_email_when_nobody_is_online_and_the_reply_arrives_there() {
    let smtp = Smtp::start().await;
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = crate::shop::open_shop(&app, &owner, "en").await;
    set_smtp(&app, &owner, smtp.port, 1).await;
    let browser = crate::browser::Browser::launch().await;
    browser.goto(&format!("{}/item/9", shop.origin)).await;
    crate::widget_browser::wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    crate::widget_browser::open_widget(&browser).await;
    let presence = crate::widget_browser::widget_js(
        &browser,
        "return root.querySelector('.presence').textContent",
    )
    .await;
    assert_eq!(presence, "We reply as soon as we can");
    browser
        .client()
        .execute(
            "const root = document.getElementById('sodan-widget').shadowRoot; \
             root.querySelector('textarea').value = 'Is this in stock?'; \
             root.querySelector('form').requestSubmit();",
            vec![],
        )
        .await
        .unwrap();
    crate::widget_browser::wait_widget(&browser, "!root.querySelector('.mail').hidden").await;
    // A mistake is explained; a good address is saved.
    crate::widget_browser::widget_js(
        &browser,
        "root.querySelector('.mail .em').value = 'nope'; root.querySelector('.mail').requestSubmit()",
    )
    .await;
    crate::widget_browser::wait_widget(
        &browser,
        "root.querySelector('.note').textContent.includes('not an e-mail address')",
    )
    .await;
    crate::widget_browser::widget_js(
        &browser,
        "root.querySelector('.mail .em').value = 'buyer@example.com'; root.querySelector('.mail').requestSubmit()",
    )
    .await;
    crate::widget_browser::wait_widget(
        &browser,
        "root.querySelector('.mailok').textContent.includes('buyer@example.com') && root.querySelector('.mail').hidden",
    )
    .await;
    let shot = browser.screenshot("widget-email").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);

    // The visitor leaves (closes the browser); the reply reaches the address they gave.
    browser.close().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !app
        .page(&owner, "/healthz")
        .await
        .contains("\"connections\":0")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the widget's socket closes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let conversation = {
        let page = app.page(&owner, "/inbox").await;
        page.split("data-id=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let mut feed = console(&app, &owner).await;
    reply(&mut feed, conversation, "s1", "Yes, 3 left.").await;
    let mails = smtp.wait_for(2, Duration::from_secs(60)).await;
    let digest = mails
        .iter()
        .find(|m| m["to"] == "buyer@example.com")
        .expect("the digest");
    assert!(digest["body"].as_str().unwrap().contains("Yes, 3 left."));
    app.stop().await;
}

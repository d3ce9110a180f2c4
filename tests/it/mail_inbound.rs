//! Incoming e-mail against a real IMAP server (Debian's Dovecot, started by the test; mails delivered into
//! it with IMAP APPEND) and a real SMTP server (aiosmtpd): a reply to a digest lands in its conversation
//! once, also across a restart in the middle of reading; a new mail opens an e-mail conversation whose
//! operator reply goes out threaded (RFC 5322 3.6.4: Message-ID, In-Reply-To, References) and quoting
//! nothing; auto-replies (RFC 3834 Auto-Submitted), bounces (RFC 3464/6522) and list mail (RFC 2919
//! List-Id) are ignored; a 20 MB mail and a malformed one are listed as failed and the next mail arrives.

use std::time::Duration;

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::customer_api::{api_token, call};
use crate::dovecot::{self, Dovecot};
use crate::email::{customer, reply, set_smtp, wait_connections};
use crate::helpers::{Agent, TestApp, spawn_app, spawn_app_in};
use crate::smtp::Smtp;
use crate::ws::{SHOP_ORIGIN, Ws, console};

/// A 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

/// Turns on reading the Dovecot mailbox (plain IMAP on loopback).
pub(crate) async fn enable_mailbox(app: &TestApp, owner: &Agent, imap: &Dovecot) {
    let port = imap.port.to_string();
    let response = app
        .submit(
            owner,
            "/settings/email/mailbox",
            "/settings/email/mailbox",
            &[
                ("enabled", "on"),
                ("host", "127.0.0.1"),
                ("port", port.as_str()),
                ("security", "none"),
                ("username", dovecot::USER),
                ("password", dovecot::PASSWORD),
                ("folder", "INBOX"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// A plain-text mail as a mail client writes it.
fn mail(from: &str, to: &str, subject: &str, id: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         Date: Wed, 02 Dec 2026 10:00:00 +0900\r\nMIME-Version: 1.0\r\n{extra}\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// Waits for the console to be told of a message whose body contains `text`.
async fn landed(feed: &mut Ws, text: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let mut seen = Vec::new();
    while tokio::time::Instant::now() < deadline {
        let Some(frame) = feed.try_recv(Duration::from_secs(5)).await else {
            continue;
        };
        if frame["type"] == "message" {
            let body = frame["message"]["body"].as_str().unwrap_or_default();
            if body.contains(text) {
                return frame["message"].clone();
            }
            seen.push(body.to_owned());
        }
    }
    panic!("no message with {text:?} arrived; saw {seen:?}");
}

/// The bodies of a conversation's messages, read through the REST API.
async fn bodies(app: &TestApp, token: &str, conversation: u64) -> Vec<String> {
    let path = format!("/api/v1/conversations/{conversation}/messages?limit=200");
    let (status, page) = call(app, Method::GET, &path, Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

/// The address inside a header value such as `Test Shop <support+c1-…@shop.test>`.
fn address(value: &str) -> String {
    value
        .rsplit_once('<')
        .map_or(value, |(_, a)| a.trim_end_matches('>'))
        .to_owned()
}

/// The admin's list of mails read once it shows `needle` (or after a minute, as it is then).
async fn listed(app: &TestApp, owner: &Agent, needle: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let page = received_page(app, owner).await;
        if page.contains(needle) || tokio::time::Instant::now() > deadline {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The admin's list of mails read, as the page shows it.
async fn received_page(app: &TestApp, owner: &Agent) -> String {
    app.page(owner, "/settings/email/mailbox").await
}

#[tokio::test]
async fn a_new_mail_opens_an_email_conversation_whose_reply_arrives_threaded() {
    let imap = Dovecot::start().await;
    let smtp = Smtp::start().await;
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    set_smtp(&app, &owner, smtp.port, 1).await;
    enable_mailbox(&app, &owner, &imap).await;
    let mut feed = console(&app, &owner).await;

    // A multipart mail (RFC 2046) with a photo and a program attached.
    let png = base64::engine::general_purpose::STANDARD.encode(PNG);
    let first_mail = format!(
        "From: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <Taro@Example.com>\r\nTo: Test Shop <support@shop.test>\r\n\
         Subject: =?UTF-8?B?44K144Kk44K65Lqk5o+b44Gr44Gk44GE44Gm?=\r\nMessage-ID: <q1@example.com>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"xyz\"\r\n\r\n--xyz\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         Mサイズに交換できますか？\r\n\r\n-- \r\n山田太郎\r\n--xyz\r\n\
         Content-Type: image/png; name=\"size-chart.png\"\r\nContent-Disposition: attachment; filename=\"size-chart.png\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{png}\r\n--xyz\r\n\
         Content-Type: application/octet-stream; name=\"setup.exe\"\r\nContent-Disposition: attachment; filename=\"setup.exe\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--xyz--\r\n"
    );
    imap.deliver(first_mail.as_bytes()).await;
    let first = landed(&mut feed, "Mサイズに交換できますか？").await;
    let conversation = first["conversation"].as_u64().unwrap();
    assert!(
        first["body"]
            .as_str()
            .unwrap()
            .starts_with("サイズ交換について"),
        "a new conversation starts with the subject: {first}"
    );
    assert!(
        !first["body"].as_str().unwrap().contains("山田太郎"),
        "the signature is cut: {first}"
    );
    let photo = landed(&mut feed, "size-chart").await;
    assert_eq!(photo["conversation"].as_u64(), Some(conversation));
    assert_eq!(photo["attachment"]["content_type"], "image/png", "{photo}");
    // (The mail's record is committed just after its messages.)
    let page = listed(&app, &owner, "setup.exe: not an image or PDF").await;
    assert!(
        page.contains("setup.exe: not an image or PDF"),
        "the attachment left out is listed with why: {page}"
    );

    reply(&mut feed, conversation, "r1", "はい、交換できます。").await;
    let sent = smtp.wait_for(1, Duration::from_secs(60)).await[0].clone();
    assert_eq!(sent["to"], "taro@example.com", "{sent}");
    assert_eq!(sent["subject"], "Re: サイズ交換について");
    assert_eq!(sent["headers"]["in-reply-to"][0], "<q1@example.com>");
    let references = sent["headers"]["references"][0].as_str().unwrap();
    assert!(
        references.contains("<q1@example.com>")
            && references.contains(&format!("sodan.conversation.{conversation}@shop.test")),
        "{references}"
    );
    assert_eq!(
        sent["body"].as_str().unwrap().trim(),
        "はい、交換できます。",
        "nothing quoted"
    );
    let reply_to = address(sent["headers"]["reply-to"][0].as_str().unwrap());
    assert!(
        reply_to.starts_with(&format!("support+c{conversation}-")),
        "{reply_to}"
    );
    let our_id = sent["headers"]["message-id"][0]
        .as_str()
        .unwrap()
        .to_owned();

    // The customer answers from their mail client: the answer joins the conversation, without the quote.
    imap.deliver(&mail(
        "Taro <taro@example.com>",
        &reply_to,
        "Re: サイズ交換について",
        "q2@example.com",
        &format!("In-Reply-To: {our_id}\r\nReferences: <q1@example.com> {our_id}\r\n"),
        "ありがとうございます！\r\n\r\n2026年12月2日 Test Shop <support@shop.test>:\r\n> はい、交換できます。",
    ))
    .await;
    let second = landed(&mut feed, "ありがとうございます！").await;
    assert_eq!(second["conversation"].as_u64(), Some(conversation));
    assert_eq!(second["body"], "ありがとうございます！");
    // The whole mail, quoted history included, stays readable for operators.
    // (The mail's record is committed just after its message.)
    let path = format!("/inbox/{conversation}/mail/{}", second["seq"]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let whole = loop {
        let response = app.get(&owner, &path).await;
        if response.status() == StatusCode::OK {
            break response.text().await.unwrap();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "GET {path}: {}",
            response.status()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        (whole.contains("&#62; はい、交換できます。")
            || whole.contains("&gt; はい、交換できます。"))
            && whole.contains("taro@example.com"),
        "{whole}"
    );
    assert!(
        app.page(&owner, &format!("/inbox/{conversation}"))
            .await
            .contains(&format!("/inbox/{conversation}/mail/{}", second["seq"])),
        "the message links to its mail"
    );
    assert!(
        app.page(&owner, &format!("/inbox/{conversation}"))
            .await
            .contains("replies are mailed to taro@example.com"),
        "the operator sees that replies go out by mail"
    );

    // The second reply answers the customer's latest mail.
    reply(&mut feed, conversation, "r2", "お待ちしております。").await;
    let next = smtp.wait_for(2, Duration::from_secs(60)).await[1].clone();
    assert_eq!(next["headers"]["in-reply-to"][0], "<q2@example.com>");
    assert_eq!(next["subject"], "Re: サイズ交換について");

    // A file the operator attaches goes along in the thread (multipart/mixed, RFC 2046 5.1.3).
    let page = app.page(&owner, &format!("/inbox/{conversation}")).await;
    let token = crate::helpers::hidden_field(&page, "csrf").unwrap();
    let uploaded = owner
        .post(app.url(&format!("/inbox/{conversation}/uploads?name=answer.png")))
        .header("x-csrf-token", token)
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let with_file = smtp.wait_for(3, Duration::from_secs(60)).await[2].clone();
    assert_eq!(
        with_file["attachments"],
        serde_json::json!([["answer.png", "image/png", PNG.len()]]),
        "{with_file}"
    );
    assert_eq!(with_file["headers"]["in-reply-to"][0], "<q2@example.com>");

    // Erasing the customer (GDPR Art. 17, APPI) erases the mails they sent from the admins' list too.
    let token = api_token(&app, &owner, &["conversations:read"]).await;
    let (_, one) = call(
        &app,
        Method::GET,
        &format!("/api/v1/conversations/{conversation}"),
        Some(&token),
        None,
    )
    .await;
    let customer = one["customer_id"].as_u64().expect("the customer");
    assert!(
        listed(&app, &owner, "Re: サイズ交換について")
            .await
            .contains("taro@example.com")
    );
    let deleted = crate::privacy::delete_customer(&app, &owner, customer, "remove").await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    let list = received_page(&app, &owner).await;
    assert!(!list.contains("taro@example.com"), "{list}");
    app.stop().await;
}

#[tokio::test]
async fn a_reply_to_a_digest_lands_in_its_conversation_once_also_across_a_restart() {
    let imap = Dovecot::start().await;
    let smtp = Smtp::start().await;
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path()).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    set_smtp(&app, &owner, smtp.port, 1).await;
    enable_mailbox(&app, &owner, &imap).await;
    let token = api_token(&app, &owner, &["conversations:read"]).await;
    let mut feed = console(&app, &owner).await;
    let (ws, conversation) = customer(&app, &owner, &site, "yuki@example.jp", "ja-JP").await;
    ws.close().await;
    wait_connections(&app, &owner, 1).await;
    reply(&mut feed, conversation, "r1", "明日発送します。").await;
    let digest = smtp.wait_for(1, Duration::from_secs(60)).await[0].clone();
    let reply_to = address(digest["headers"]["reply-to"][0].as_str().unwrap());
    assert!(
        reply_to.starts_with(&format!("support+c{conversation}-")),
        "the digest's Reply-To leads back to the conversation: {digest}"
    );
    let digest_id = digest["headers"]["message-id"][0]
        .as_str()
        .unwrap()
        .to_owned();

    // Answering the digest: the visitor's message in the web conversation.
    imap.deliver(&mail(
        "Yuki <yuki@example.jp>",
        &reply_to,
        "Re: Test Shopから返信が届きました",
        "d1@example.jp",
        &format!("In-Reply-To: {digest_id}\r\nReferences: {digest_id}\r\n"),
        "了解です。待っています。\r\n\r\nOn Wed, Dec 2, 2026 Test Shop wrote:\r\n> 明日発送します。",
    ))
    .await;
    let message = landed(&mut feed, "了解です。待っています。").await;
    assert_eq!(message["conversation"].as_u64(), Some(conversation));
    assert_eq!(message["author"]["kind"], "visitor");

    // Someone else naming the conversation's thread without the signed address starts their own.
    imap.deliver(&mail(
        "Mallory <mallory@evil.test>",
        "support@shop.test",
        "Re: hello",
        "x1@evil.test",
        &format!("References: <sodan.conversation.{conversation}@shop.test>\r\n"),
        "let me in",
    ))
    .await;
    let forged = landed(&mut feed, "let me in").await;
    assert_ne!(forged["conversation"].as_u64(), Some(conversation));

    // Twenty answers; the server stops while it reads them and starts again.
    for n in 1..=20 {
        imap.deliver(&mail(
            "Yuki <yuki@example.jp>",
            &reply_to,
            "Re: Test Shopから返信が届きました",
            &format!("batch{n}@example.jp"),
            "",
            &format!("追伸 {n} 番"),
        ))
        .await;
    }
    landed(&mut feed, "追伸 ").await;
    drop(feed);
    app.stop().await;
    // The same mail delivered again (a client that sent twice, a mail moved back): still one message.
    imap.deliver(&mail(
        "Yuki <yuki@example.jp>",
        &reply_to,
        "Re: Test Shopから返信が届きました",
        "d1@example.jp",
        "",
        "了解です。待っています。",
    ))
    .await;
    let app = spawn_app_in(dir.path()).await;
    let owner = crate::helpers::owner_agent(&app).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let mut seen = Vec::new();
    while tokio::time::Instant::now() < deadline {
        seen = bodies(&app, &token, conversation).await;
        if (1..=20).all(|n| seen.iter().any(|b| b == &format!("追伸 {n} 番"))) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    for n in 1..=20 {
        let wanted = format!("追伸 {n} 番");
        let count = seen.iter().filter(|b| **b == wanted).count();
        assert_eq!(count, 1, "{wanted} once: {seen:?}\n{}", imap.log());
    }
    let answers = seen.iter().filter(|b| b.contains("了解です")).count();
    assert_eq!(answers, 1, "{seen:?}");
    let page = listed(&app, &owner, "yuki@example.jp").await;
    assert!(
        page.contains("yuki@example.jp") && page.contains("delivered"),
        "admins see the mails read: {page}"
    );
    app.stop().await;
}

#[tokio::test]
async fn mail_no_one_should_answer_is_ignored_and_unreadable_mail_is_listed_as_failed() {
    let imap = Dovecot::start().await;
    let smtp = Smtp::start().await;
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    set_smtp(&app, &owner, smtp.port, 1).await;
    let mut feed = console(&app, &owner).await;

    let out_of_office = mail(
        "Hana <hana@example.com>",
        "support@shop.test",
        "自動応答: 不在のお知らせ",
        "ooo@example.com",
        "Auto-Submitted: auto-replied\r\n",
        "I am away until Monday.",
    );
    let bounce = "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\nTo: support@shop.test\r\n\
        Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce@mx.example.com>\r\n\
        Return-Path: <>\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\n\
        Content-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n--b\r\n\
        Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n\
        Final-Recipient: rfc822; nobody@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n";
    let list = mail(
        "News <news@lists.example.com>",
        "support@shop.test",
        "Weekly news",
        "news@lists.example.com",
        "List-Id: Weekly <weekly.lists.example.com>\r\nPrecedence: list\r\n",
        "This week's news.",
    );
    let mut huge = mail(
        "Big <big@example.com>",
        "support@shop.test",
        "photos",
        "huge@example.com",
        "",
        "",
    );
    let line = "A".repeat(998);
    while huge.len() < 20 * 1024 * 1024 {
        huge.extend_from_slice(line.as_bytes());
        huge.extend_from_slice(b"\r\n");
    }
    let malformed = b"this is not a mail at all\r\nno header, no sender\r\n".to_vec();
    let next = mail(
        "Ken <ken@example.com>",
        "support@shop.test",
        "在庫について",
        "next@example.com",
        "",
        "青のMは再入荷しますか？",
    );
    for raw in [
        &out_of_office,
        &bounce.as_bytes().to_vec(),
        &list,
        &huge,
        &malformed,
        &next,
    ] {
        imap.deliver(raw).await;
    }
    // Sodan starts reading now: the unseen mails already there are read too.
    enable_mailbox(&app, &owner, &imap).await;
    let arrived = landed(&mut feed, "青のMは再入荷しますか？").await;
    assert!(arrived["conversation"].as_u64().is_some());

    let page = listed(&app, &owner, "ken@example.com").await;
    let row = |needle: &str| {
        page.split("<tr")
            .find(|r| r.contains(needle))
            .unwrap_or_else(|| panic!("a row for {needle}: {page}"))
            .to_owned()
    };
    assert!(
        row("hana@example.com").contains("ignored")
            && row("hana@example.com").contains("Auto-Submitted")
    );
    assert!(
        row("mx.example.com").contains("ignored"),
        "{}",
        row("mx.example.com")
    );
    assert!(
        row("news@lists.example.com").contains("ignored")
            && row("news@lists.example.com").contains("list mail")
    );
    let big = row("big@example.com");
    assert!(big.contains("failed") && big.contains("at most"), "{big}");
    assert!(
        page.contains("not a mail") || page.contains("no From"),
        "the malformed mail is listed with why: {page}"
    );
    assert!(row("ken@example.com").contains("delivered"));

    // None of them was answered or opened a conversation: the only conversation is Ken's.
    let token = api_token(&app, &owner, &["conversations:read"]).await;
    let (_, list) = call(
        &app,
        Method::GET,
        "/api/v1/conversations",
        Some(&token),
        None,
    )
    .await;
    let all = list["conversations"].as_array().unwrap();
    assert_eq!(all.len(), 1, "{list}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        smtp.received().is_empty(),
        "nothing was answered: {:?}",
        smtp.received()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_server_without_idle_is_polled() {
    let imap = Dovecot::start_without_idle().await;
    let smtp = Smtp::start().await;
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    set_smtp(&app, &owner, smtp.port, 1).await;
    let mut feed = console(&app, &owner).await;
    enable_mailbox(&app, &owner, &imap).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let page = received_page(&app, &owner).await;
        if page.contains("asking for mail every") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the reader says it polls: {page}\n{}",
            imap.log()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Mail that arrives after the first look is found by the next one (every minute).
    imap.deliver(&mail(
        "Ken <ken@example.com>",
        "support@shop.test",
        "在庫",
        "poll1@example.com",
        "",
        "ポーリングで届きますか？",
    ))
    .await;
    let arrived = landed(&mut feed, "ポーリングで届きますか？").await;
    assert!(arrived["conversation"].as_u64().is_some());
    app.stop().await;
}

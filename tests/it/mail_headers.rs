//! Mail that strict receivers accept, read back by Python's `email` package (`policy.default`): every mail
//! has Message-ID, Date and MIME-Version (RFC 5322 3.6, RFC 2045 4; Gmail refuses mail without a
//! Message-ID), a text/plain and text/html multipart/alternative body (RFC 2046 5.1.4); digests carry
//! `List-Unsubscribe` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), whose POST
//! unsubscribes without any cookie, and successive digests of one conversation share thread headers
//! (RFC 5322 3.6.4).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::email::{customer, reply, set_smtp, wait_connections};
use crate::helpers::spawn_app;
use crate::smtp::Smtp;
use crate::ws::{SHOP_ORIGIN, console};

fn header<'a>(mail: &'a Value, name: &str) -> Vec<&'a str> {
    mail["headers"][name]
        .as_array()
        .map(|values| values.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// One of each header RFC 5322 allows once, present and well formed, and a text + HTML body.
fn assert_well_formed(mail: &Value) {
    let id = header(mail, "message-id");
    assert_eq!(id.len(), 1, "one Message-ID: {mail}");
    assert!(
        id[0].starts_with('<') && id[0].ends_with('>') && id[0].contains('@'),
        "Message-ID is <left@right>: {mail}"
    );
    assert_eq!(header(mail, "mime-version"), ["1.0"], "{mail}");
    assert_eq!(header(mail, "date").len(), 1, "one Date: {mail}");
    assert_eq!(header(mail, "reply-to").len(), 1, "a Reply-To: {mail}");
    assert_eq!(mail["content_type"], "multipart/alternative", "{mail}");
    assert!(
        mail["body"].as_str().is_some_and(|b| !b.is_empty()),
        "{mail}"
    );
    let html = mail["html"].as_str().expect("an HTML part");
    assert!(html.contains("<html") && html.contains("</html>"), "{html}");
    assert_eq!(mail["defects"], json!([]), "no parser defects: {mail}");
}

#[tokio::test]
async fn every_mail_has_the_headers_strict_receivers_require_and_digests_unsubscribe_in_one_click()
{
    let smtp = Smtp::start().await;
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    set_smtp(&app, &owner, smtp.port, 1).await;

    // A new conversation while nobody is online: the operators' alert.
    let (ws, conversation) = customer(&app, &owner, &site, "yuki@example.jp", "ja-JP").await;
    let alert = smtp.wait_for(1, Duration::from_secs(30)).await[0].clone();
    assert_eq!(alert["subject"], "New conversation waiting");
    assert_well_formed(&alert);
    assert!(alert["html"].as_str().unwrap().contains("いつ届きますか？"));

    // Two digests of one conversation, one after the other.
    let mut feed = console(&app, &owner).await;
    ws.close().await;
    wait_connections(&app, &owner, 1).await;
    reply(
        &mut feed,
        conversation,
        "r1",
        "明日お届けします。<b>太字</b>",
    )
    .await;
    let first = smtp.wait_for(2, Duration::from_secs(30)).await[1].clone();
    reply(&mut feed, conversation, "r2", "追跡番号は 1234 です。").await;
    let second = smtp.wait_for(3, Duration::from_secs(30)).await[2].clone();
    for digest in [&first, &second] {
        assert_eq!(digest["to"], "yuki@example.jp");
        assert_well_formed(digest);
        let html = digest["html"].as_str().unwrap();
        assert!(
            html.contains("lang=\"ja\"") && html.contains("Test Shop"),
            "{html}"
        );
        assert!(html.contains("/c/"), "a button to the conversation: {html}");
        assert_eq!(
            header(digest, "list-unsubscribe-post"),
            ["List-Unsubscribe=One-Click"]
        );
    }
    assert!(
        first["html"]
            .as_str()
            .unwrap()
            .contains("&lt;b&gt;太字&lt;/b&gt;"),
        "what the operator typed is text in the HTML part"
    );
    assert_ne!(
        header(&first, "message-id"),
        header(&second, "message-id"),
        "each mail has its own id"
    );
    let thread = header(&first, "references");
    assert_eq!(thread.len(), 1, "{first}");
    assert_eq!(header(&second, "references"), thread, "one thread");
    assert_eq!(header(&second, "in-reply-to"), thread);

    // RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` to the https URI, with no cookie.
    let target = header(&second, "list-unsubscribe")[0]
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned();
    assert!(target.contains("/unsubscribe/"), "{target}");
    let bare = reqwest::Client::new();
    let refused = bare
        .post(&target)
        .form(&[("List-Unsubscribe", "Something-Else")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "without one-click, the page's CSRF token is needed"
    );
    let done = bare
        .post(&target)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK, "{:?}", done.text().await);
    reply(&mut feed, conversation, "r3", "ほかにご質問は？").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(smtp.received().len(), 3, "no digest after unsubscribing");

    // The console's test mail is well formed too.
    let ok = app
        .submit(
            &owner,
            "/settings/email",
            "/settings/email/test",
            &[("to", "admin@shop.test")],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let test = smtp.wait_for(4, Duration::from_secs(30)).await[3].clone();
    assert_well_formed(&test);
    app.stop().await;
}

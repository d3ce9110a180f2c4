//! Canned replies over the real server: the library's permissions and checks, and in a real browser the `/`
//! picker inserting a reply with the customer's name filled in.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sodan::customers::identity::user_hash;

use crate::browser::Browser;
use crate::customers::identity_secret;
use crate::helpers::{Agent, OWNER_EMAIL, OWNER_PASSWORD, TestApp, spawn_app};
use crate::segments::save_segment;
use crate::ws::{SHOP_ORIGIN, visitor_hello};

/// Saves a canned reply as `agent`; returns the response.
async fn save(app: &TestApp, agent: &Agent, fields: &[(&str, &str)]) -> reqwest::Response {
    app.submit(agent, "/settings/canned", "/settings/canned", fields)
        .await
}

/// The id of the reply titled `title` in the list `agent` sees.
async fn id_of(app: &TestApp, agent: &Agent, title: &str) -> Option<u64> {
    let page = app.page(agent, "/settings/canned").await;
    page.split("<tr data-canned=\"")
        .skip(1)
        .find(|row| row.split("</tr>").next().unwrap().contains(title))
        .map(|row| row.split('"').next().unwrap().parse().unwrap())
}

#[tokio::test]
async fn the_library_checks_variables_and_who_may_change_what() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let response = save(
        &app,
        &owner,
        &[("title", "Typo"), ("body", "Hello {{custmer.name}}")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(body.contains("unknown variable {{custmer.name}}"), "{body}");
    // A misspelt attribute parses as an attribute, but nobody declared it and no customer has it.
    let response = save(
        &app,
        &owner,
        &[
            ("title", "Typo"),
            ("body", "{{customer.nmae}} 様、送料は無料です。"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("unknown variable {{customer.nmae}}"),
        "{body}"
    );

    let response = save(
        &app,
        &owner,
        &[
            ("title", "Shipping"),
            ("shortcut", "ship"),
            ("body", "We ship in 2 days."),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let shared = id_of(&app, &owner, "Shipping").await.unwrap();
    // `/ship` names one reply: a second one with the same shortcut is refused, in the console's language.
    let twice = [
        ("title", "Shipping 2"),
        ("shortcut", "/Ship"),
        ("body", "Two days."),
    ];
    let response = save(&app, &owner, &twice).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("/ship is already used by another reply"),
        "{body}"
    );
    app.submit(&owner, "/account", "/account/language", &[("lang", "ja")])
        .await;
    let body = save(&app, &owner, &twice).await.text().await.unwrap();
    assert!(
        body.contains("/ship はほかの定型文で使われています"),
        "{body}"
    );
    let body = save(
        &app,
        &owner,
        &[("title", "T"), ("body", "{{customer.nmae}} 様")],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(body.contains("不明な変数 {{customer.nmae}}"), "{body}");
    assert_eq!(id_of(&app, &owner, "Shipping 2").await, None);

    let invite = app.invite(&owner, "kenji@shop.example", "operator").await;
    let operator = app
        .accept_invite(&invite, "Kenji", "operator password 1")
        .await;
    // An operator uses the shared library but does not change it, and keeps personal replies of their own.
    assert_eq!(id_of(&app, &operator, "Shipping").await, Some(shared));
    let edit = app
        .get(&operator, &format!("/settings/canned/{shared}"))
        .await;
    assert_eq!(edit.status(), StatusCode::FORBIDDEN);
    let response = save(
        &app,
        &operator,
        &[
            ("title", "My sign-off"),
            ("body", "Best, {{operator.name}}"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = app.page(&operator, "/settings/canned").await;
    assert!(page.contains("My sign-off"));
    assert_eq!(
        id_of(&app, &owner, "My sign-off").await,
        None,
        "personal stays personal"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_slash_picker_inserts_a_reply_with_the_customers_name_for_editing() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let gold = save_segment(
        &app,
        &owner,
        None,
        "Gold",
        r#"attr.plan = "gold""#,
        "",
        false,
    )
    .await;
    // A gold customer whose name is markup.
    let secret = identity_secret(&app, &owner).await;
    let (mut widget, _) = visitor_hello(&app, &site, None).await;
    widget
        .send(
            json!({"type": "identify", "user_id": "c-1", "user_hash": user_hash(&secret, "c-1"),
            "traits": {"name": "<b>Yuki</b>", "plan": "gold"}}),
        )
        .await;
    widget.recv_type("identified").await;
    widget
        .send(json!({"type": "message", "client_id": "m1", "body": "いつ届きますか？"}))
        .await;
    let conversation = widget.recv_type("ack").await["conversation"]
        .as_u64()
        .unwrap();

    // Saved once the customer exists: `customer.plan` is an attribute some customer has.
    let gold = gold.to_string();
    for fields in [
        vec![
            ("title", "Shipping times"),
            ("shortcut", "ship"),
            (
                "body",
                "{{customer.name | \"お客様\"}}様、{{operator.name}}です。配送は2日です。",
            ),
            ("tags", "delivery"),
        ],
        vec![
            ("title", "Gold welcome"),
            ("body", "Thank you for being a {{customer.plan}} member."),
            ("segment", gold.as_str()),
        ],
        vec![
            ("title", "Opening hours"),
            ("body", "We answer 10:00-18:00."),
        ],
        // This customer has no phone, and the reply gives no fallback.
        vec![
            ("title", "Call back"),
            ("body", "{{customer.phone}} にお電話します。"),
        ],
    ] {
        assert_eq!(
            save(&app, &owner, &fields).await.status(),
            StatusCode::SEE_OTHER
        );
    }

    let browser = Browser::launch().await;
    browser
        .sign_in(&app.address, OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    browser
        .goto(&format!("{}/inbox/{conversation}", app.address))
        .await;
    browser.fill("#reply-body", "/").await;
    browser
        .wait_until("!document.getElementById('canned-picker').hidden && document.querySelectorAll('#canned-picker li[data-canned]').length === 4")
        .await;
    let first = browser.text("#canned-picker li[data-canned] strong").await;
    assert_eq!(
        first, "Gold welcome",
        "the customer's segment replies come first"
    );
    let shot = browser.screenshot("canned-picker").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);

    // The reply whose variable this customer cannot fill says so and is never inserted with a hole.
    let missing = browser.text("#canned-picker li.unusable .missing").await;
    assert!(missing.contains("{{customer.phone}}"), "{missing}");
    browser
        .client()
        .execute(
            "document.querySelector('#canned-picker li.unusable').dispatchEvent(new MouseEvent('mousedown', {bubbles: true}))",
            vec![],
        )
        .await
        .unwrap();
    let value: Value = browser
        .client()
        .execute("return document.getElementById('reply-body').value", vec![])
        .await
        .unwrap();
    assert_eq!(value, "/", "nothing inserted");

    // Narrow by shortcut, move with the arrows, insert with Enter: filled in, not sent.
    browser.fill("#reply-body", "sh").await;
    browser
        .wait_until("document.querySelectorAll('#canned-picker li[data-canned]').length === 1")
        .await;
    browser.fill("#reply-body", "\u{E015}").await; // ArrowDown (wraps around the one entry)
    browser.fill("#reply-body", "\u{E007}").await; // Enter
    browser
        .wait_until("document.getElementById('canned-picker').hidden")
        .await;
    let value: Value = browser
        .client()
        .execute("return document.getElementById('reply-body').value", vec![])
        .await
        .unwrap();
    assert_eq!(value, "<b>Yuki</b>様、Hana Ownerです。配送は2日です。");
    let sent = browser
        .client()
        .execute(
            "return document.querySelectorAll('#log li.msg.team').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(sent, json!(0), "inserted for editing, not sent");
    let shot = browser.screenshot("canned-inserted").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);

    // Escape closes the picker and leaves the text alone; its use was counted.
    browser.fill("#reply-body", " /").await;
    browser
        .wait_until("!document.getElementById('canned-picker').hidden")
        .await;
    browser.fill("#reply-body", "\u{E00C}").await; // Escape
    browser
        .wait_until("document.getElementById('canned-picker').hidden")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let page = app.page(&owner, "/settings/canned").await;
    let row = page
        .split("<tr data-canned=\"")
        .find(|r| r.contains("Shipping times"))
        .unwrap();
    assert!(row.contains("class=\"uses\">1<"), "{row}");
    browser.close().await;
    app.stop().await;
}

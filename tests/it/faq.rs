//! The FAQ bot over the real server: menu buttons, a typed Japanese question, the hand-over with the
//! exchange visible in the inbox, the bot's share of resolved conversations, and the widget in a browser.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::{Agent, TestApp, spawn_app};
use crate::shop;
use crate::widget_browser::{wait_widget, widget_js};
use crate::ws::{SHOP_ORIGIN, Ws, console, visitor};

const MENU: &str = "Shipping | 送料 -> article 1\nReturns | 返品\n  How to return | 返品方法 -> article 2\nTalk to a person | スタッフと話す -> person";

/// Creates the FAQ's articles and switches the bot on with `mode`.
pub(crate) async fn set_up_faq(app: &TestApp, admin: &Agent, mode: &str) {
    for (title, body, language, keywords) in [
        (
            "送料について",
            "送料は全国一律**500円**です。1万円以上で無料。",
            "ja",
            "配送料",
        ),
        (
            "返品・交換",
            "商品到着後7日以内であれば返品できます。<script>alert(1)</script>",
            "ja",
            "返金",
        ),
        (
            "Shipping costs",
            "Shipping is free over 10,000 yen.",
            "en",
            "delivery",
        ),
    ] {
        let response = app
            .submit(
                admin,
                "/settings/faq",
                "/settings/faq/articles",
                &[
                    ("title", title),
                    ("body", body),
                    ("language", language),
                    ("keywords", keywords),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let response = app
        .submit(
            admin,
            "/settings/faq",
            "/settings/faq/bot",
            &[
                ("mode", mode),
                ("greeting_en", "Hi! Pick a topic."),
                ("greeting_ja", "ご用件をお選びください。"),
                ("menu", MENU),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// A visitor in `language` who said hello; returns the socket and the frame after the welcome, if any.
async fn hello(app: &TestApp, site: &str, language: &str) -> (Ws, Option<Value>) {
    let mut ws = visitor(app, site).await;
    ws.send(
        json!({"type": "hello", "site": site, "page": {"url": "http://shop.test/help"},
        "env": {"language": language}}),
    )
    .await;
    ws.recv_type("welcome").await;
    let next = ws.try_recv(Duration::from_millis(500)).await;
    (ws, next)
}

pub fn choice_ids(frame: &Value) -> Vec<String> {
    frame["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_bot_answers_buttons_and_japanese_questions_and_hands_over_on_request() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    // A menu pointing at a missing article is refused.
    let response = app
        .submit(
            &owner,
            "/settings/faq",
            "/settings/faq/bot",
            &[("mode", "always"), ("menu", "Gone -> article 9")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("no article 9"));
    set_up_faq(&app, &owner, "always").await;
    let mut feed = console(&app, &owner).await;

    // The greeting and the menu, in Japanese for a Japanese browser.
    let (mut ws, greeting) = hello(&app, &site, "ja-JP").await;
    let greeting = greeting.expect("the bot greets");
    assert_eq!(greeting["type"], "bot");
    assert_eq!(greeting["text_ja"], "ご用件をお選びください。");
    assert_eq!(choice_ids(&greeting), ["1", "2", "person"]);
    assert_eq!(greeting["choices"][1]["label_ja"], "返品");

    // A submenu, then an article: shown as safe HTML, and stored in the conversation.
    ws.send(json!({"type": "bot", "choice": "2"})).await;
    let submenu = ws.recv_type("bot").await;
    assert_eq!(choice_ids(&submenu), ["2.1", "menu"]);
    ws.send(json!({"type": "bot", "choice": "2.1"})).await;
    let answer = ws.recv_type("bot").await;
    let html = answer["article"]["html"].as_str().unwrap();
    assert!(
        html.contains("返品できます") && !html.contains("<script"),
        "{html}"
    );
    assert_eq!(choice_ids(&answer), ["person", "menu"]);
    // Meanwhile the team is not disturbed: the conversation waits as pending.
    let started = feed.recv_type("conversation").await;
    assert_eq!(started["conversation"]["status"], "pending");
    let conversation = started["conversation"]["id"].as_u64().unwrap();

    // A typed question in Japanese finds the shipping article.
    ws.send(json!({"type": "message", "client_id": "q1", "body": "送料はいくらですか？"}))
        .await;
    ws.recv_type("ack").await;
    let found = ws.recv_type("bot").await;
    assert_eq!(found["choices"][0]["id"], "a:1", "{found}");
    assert_eq!(found["choices"][0]["label_ja"], "送料について");
    ws.send(json!({"type": "bot", "choice": "a:1"})).await;
    let shipping = ws.recv_type("bot").await;
    assert!(
        shipping["article"]["html"]
            .as_str()
            .unwrap()
            .contains("<strong>500円</strong>")
    );

    // "Talk to a person": open in the inbox, with the whole exchange there.
    ws.send(json!({"type": "bot", "choice": "person"})).await;
    let done = ws.recv_type("bot").await;
    assert!(choice_ids(&done).is_empty());
    let handed = loop {
        let frame = feed.recv_type("conversation").await;
        if frame["conversation"]["status"] == "open" {
            break frame;
        }
    };
    assert_eq!(handed["conversation"]["id"], conversation);
    assert_eq!(handed["new"], true);
    let page = app.page(&owner, &format!("/inbox/{conversation}")).await;
    for text in [
        "返品方法",
        "送料はいくらですか？",
        "FAQ bot",
        "スタッフにおつなぎします",
        "送料は全国一律500円です",
    ] {
        assert!(page.contains(text), "the operator sees {text:?}");
    }

    // A second visitor reads an article and leaves: resolved by the bot alone.
    let (mut other, _) = hello(&app, &site, "en-US").await;
    other.send(json!({"type": "bot", "choice": "1"})).await;
    other.recv_type("bot").await;
    let settings = app.page(&owner, "/settings/faq").await;
    assert!(
        settings.contains("<strong class=\"taken\">2</strong>"),
        "{settings}"
    );
    assert!(
        settings.contains("<strong class=\"resolved\">50%</strong>"),
        "{settings}"
    );

    // Unknown choices are refused with a message.
    other.send(json!({"type": "bot", "choice": "7.7"})).await;
    assert_eq!(other.recv_type("error").await["code"], "bad_choice");
    app.stop().await;
}

#[tokio::test]
async fn a_bot_for_outside_hours_stays_quiet_while_the_shop_is_open() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    set_up_faq(&app, &owner, "outside_hours").await;
    let all_day = "00:00-24:00";
    let response = app
        .submit(
            &owner,
            "/settings/hours",
            "/settings/hours",
            &[
                ("enabled", "on"),
                ("zone", "Asia/Tokyo"),
                ("day0", all_day),
                ("day1", all_day),
                ("day2", all_day),
                ("day3", all_day),
                ("day4", all_day),
                ("day5", all_day),
                ("day6", all_day),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (mut ws, next) = hello(&app, &site, "ja").await;
    assert!(next.is_none(), "no bot while open: {next:?}");
    ws.send(json!({"type": "bot", "choice": "1"})).await;
    assert_eq!(ws.recv_type("error").await["code"], "bot_off");
    app.stop().await;
}

#[tokio::test]
async fn the_widget_shows_the_bots_buttons_and_an_article() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = shop::open_shop(&app, &owner, "ja").await;
    set_up_faq(&app, &owner, "always").await;
    let browser = Browser::launch_in("ja").await;
    browser.goto(&format!("{}/help", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    widget_js(&browser, "root.querySelector('.launch').click()").await;
    wait_widget(
        &browser,
        "root.querySelectorAll('.choices button').length === 3",
    )
    .await;
    let labels = widget_js(
        &browser,
        "return [...root.querySelectorAll('.choices button')].map(b => b.textContent)",
    )
    .await;
    assert_eq!(labels, json!(["送料", "返品", "スタッフと話す"]));
    let shot = browser.screenshot("bot-menu").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);

    widget_js(
        &browser,
        "root.querySelector('.choices button[data-choice=\"1\"]').click()",
    )
    .await;
    wait_widget(&browser, "root.querySelector('.article strong') && root.querySelector('.article strong').textContent === '500円'").await;
    let title = widget_js(
        &browser,
        "return root.querySelector('.article h4').textContent",
    )
    .await;
    assert_eq!(title, "送料について");
    let page = widget_js(
        &browser,
        "return root.querySelector('.article a.page').href",
    )
    .await;
    assert!(
        page.as_str().unwrap().ends_with("/help/ja/1"),
        "the article's page in the help center: {page}"
    );
    // The exchange is in the chat log too, labelled as the bot's.
    wait_widget(
        &browser,
        "root.querySelector('.log').textContent.includes('FAQボット')",
    )
    .await;
    let shot = browser.screenshot("bot-article").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    browser.close().await;
    app.stop().await;
}

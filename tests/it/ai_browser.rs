//! The AI in Chromium: a visitor sees the model's answer grow in the widget as it streams (server-sent
//! events from a local OpenAI-compatible endpoint, forwarded as frames), marked as automatic and offered
//! for rating; an operator's "Draft a reply" puts the model's draft in the reply box, unsent.

use std::time::Duration;

use serde_json::json;

use crate::ai_bot::set_up;
use crate::browser::Browser;
use crate::fake_openai::{FakeOpenAi, Reply};
use crate::helpers::spawn_app;
use crate::shop;
use crate::widget_browser::{wait_widget, widget_js};

const PIECES: [&str; 4] = ["送料は", "全国一律", "500円です。", "1万円以上で無料です。"];

#[tokio::test]
async fn a_streamed_answer_grows_in_the_widget_and_a_draft_lands_in_the_reply_box() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = shop::open_shop(&app, &owner, "ja").await;
    let endpoint = FakeOpenAi::start(|chat| {
        let system = chat["messages"][0]["content"].as_str().unwrap_or_default();
        if system.starts_with("Translate the user's message into Japanese") {
            Reply::Answer(
                vec!["送料は全国一律500円でございます。".into()],
                Duration::ZERO,
            )
        } else if system.starts_with("You draft replies") {
            Reply::Answer(
                vec!["お問い合わせありがとうございます。送料は500円です。".into()],
                Duration::ZERO,
            )
        } else {
            let pieces = PIECES.iter().map(|p| p.to_string()).collect();
            Reply::Answer(pieces, Duration::from_millis(400))
        }
    })
    .await;
    set_up(&app, &owner, &endpoint, "30").await;

    let browser = Browser::launch_in("ja").await;
    browser.goto(&format!("{}/help", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    widget_js(&browser, "root.querySelector('.launch').click()").await;
    wait_widget(
        &browser,
        "root.querySelectorAll('.choices button').length === 1",
    )
    .await;
    // Every text the bot's line shows, as it changes.
    widget_js(
        &browser,
        "window.seen = []; new MutationObserver(() => window.seen.push(root.querySelector('.bot .bt').textContent))\
         .observe(root.querySelector('.bot'), {subtree: true, childList: true, characterData: true})",
    )
    .await;
    widget_js(
        &browser,
        "root.querySelector('textarea').value = '送料はいくらですか'; root.querySelector('.send').click()",
    )
    .await;
    wait_widget(&browser, "!root.querySelector('.bot small.ai').hidden").await;
    assert_eq!(
        widget_js(
            &browser,
            "return root.querySelector('.bot small.ai').textContent"
        )
        .await,
        "AIによる自動回答",
        "the answer is marked as automatic while it is written"
    );
    let shot = browser.screenshot("ai-streaming").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    wait_widget(
        &browser,
        "root.querySelector('.log').textContent.includes('参考: 送料について')",
    )
    .await;
    wait_widget(&browser, "[...root.querySelectorAll('.choices button')].some(b => b.textContent.includes('役に立った'))").await;
    let seen = widget_js(&browser, "return window.seen").await;
    let full = PIECES.concat();
    let partial = seen
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .filter(|s| !s.is_empty() && full.starts_with(s) && *s != full)
        .count();
    assert!(partial >= 2, "the answer grew piece by piece: {seen}");
    let shot = browser.screenshot("ai-answered").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    browser.close().await;

    // The operator's draft goes to the reply box and stays there.
    let console = Browser::owner(&app, "ja").await;
    console.goto(&app.url("/inbox/1")).await;
    console.click("#ai-draft").await;
    console
        .wait_until("document.getElementById('reply-body').value.includes('送料は500円です')")
        .await;
    let sources = console.text("#ai-sources").await;
    assert!(sources.contains("送料について"), "{sources}");
    let drafts = endpoint
        .chats()
        .into_iter()
        .filter(|c| c["stream"] == json!(false))
        .count();
    assert_eq!(drafts, 1, "one draft request, not streamed");

    // An English draft becomes the customer's Japanese before it goes; the original stays for the team.
    console
        .client()
        .execute(
            "document.getElementById('reply-body').value = 'Shipping is 500 yen anywhere in Japan.'",
            vec![],
        )
        .await
        .unwrap();
    console.click("#ai-translate-draft").await;
    console
        .wait_until(
            "document.getElementById('reply-body').value === '送料は全国一律500円でございます。'",
        )
        .await;
    console.click("#reply-form button[type=submit]").await;
    console
        .wait_until(
            "[...document.querySelectorAll('#log li')].some(li => li.textContent.includes('翻訳前の原文:')              && li.textContent.includes('Shipping is 500 yen anywhere in Japan.'))",
        )
        .await;
    let asked = endpoint.chats();
    let translation = asked.last().unwrap();
    assert_eq!(
        translation["messages"][1]["content"],
        "Shipping is 500 yen anywhere in Japan."
    );
    let shot = console.screenshot("ai-translated-reply").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    console.close().await;
    app.stop().await;
}

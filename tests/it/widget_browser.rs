//! The widget in a real browser, on a third-party page served from another port.

use serde_json::json;

use crate::browser::Browser;
use crate::helpers::spawn_app;
use crate::shop;
use crate::ws;

/// Runs `script` in the page and returns its result (the widget lives in a Shadow DOM).
pub async fn widget_js(browser: &Browser, script: &str) -> serde_json::Value {
    let full = format!("const root = document.getElementById('sodan-widget').shadowRoot; {script}");
    browser.client().execute(&full, vec![]).await.unwrap()
}

/// Waits (up to `browser::WAIT`) for `condition` (JavaScript over the widget's shadow `root`) to be true.
pub async fn wait_widget(browser: &Browser, condition: &str) {
    let full = format!(
        "(() => {{ const host = document.getElementById('sodan-widget'); if (!host) return false; \
         const root = host.shadowRoot; return !!({condition}); }})()"
    );
    browser.wait_until(&full).await;
}

/// Clicks the launcher and waits until the chat panel (fetched on this first open) shows.
pub async fn open_widget(browser: &Browser) {
    widget_js(browser, "root.querySelector('.launch').click()").await;
    wait_widget(
        browser,
        "root.querySelector('.panel') && root.querySelector('.panel').classList.contains('on')",
    )
    .await;
}

#[tokio::test]
async fn a_visitor_chats_from_a_third_party_page_and_keeps_the_history_after_reload() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = shop::open_shop(&app, &owner, "en").await;
    let mut console = ws::console(&app, &owner).await;

    let browser = Browser::launch().await;
    browser.goto(&format!("{}/item/42", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    widget_js(&browser, "root.querySelector('.launch').click()").await;
    wait_widget(
        &browser,
        "root.querySelector('.panel').classList.contains('on')",
    )
    .await;
    let greeting = widget_js(&browser, "return root.querySelector('.greet').textContent").await;
    assert_eq!(greeting, "Hello from the test shop");

    browser
        .client()
        .execute(
            "const root = document.getElementById('sodan-widget').shadowRoot; \
             root.querySelector('textarea').value = 'Do you ship to Osaka?'; \
             root.querySelector('form').requestSubmit();",
            vec![],
        )
        .await
        .unwrap();
    let message = console.recv_type("message").await;
    assert_eq!(message["message"]["body"], "Do you ship to Osaka?");
    let conversation = message["message"]["conversation"].as_u64().unwrap();
    wait_widget(
        &browser,
        "[...root.querySelectorAll('.st')].some(e => e.textContent === 'Sent')",
    )
    .await;

    console
        .send(json!({ "type": "message", "conversation": conversation, "client_id": "r1", "body": "Yes, in 2 days." }))
        .await;
    console.recv_type("ack").await;
    wait_widget(
        &browser,
        "root.querySelector('.log').textContent.includes('Yes, in 2 days.')",
    )
    .await;
    let shot = browser.screenshot("widget-conversation").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);

    // The shop's CSS does not reach into the widget.
    let color = widget_js(
        &browser,
        "return getComputedStyle(root.querySelector('.send')).backgroundColor",
    )
    .await;
    assert_eq!(color, "rgb(31, 111, 235)");

    browser.client().refresh().await.unwrap();
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    open_widget(&browser).await;
    wait_widget(
        &browser,
        "root.querySelector('.log').textContent.includes('Yes, in 2 days.')",
    )
    .await;
    let log = widget_js(&browser, "return root.querySelector('.log').textContent").await;
    assert!(
        log.as_str().unwrap().contains("Do you ship to Osaka?"),
        "{log}"
    );

    // A single-page-app navigation is reported to the console.
    browser
        .client()
        .execute("history.pushState({}, '', '/cart')", vec![])
        .await
        .unwrap();
    let presence = loop {
        let frame = console.recv_type("presence").await;
        if frame["page"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/cart"))
        {
            break frame;
        }
    };
    assert_eq!(presence["online"], true);
    browser.close().await;
    app.stop().await;
}

/// The launcher's path patterns are matched piece by piece, as the server matches them (a regular
/// expression with several `.*` backtracked for seconds on a long path): several stars match, a long
/// path that does not match leaves the launcher hidden.
#[tokio::test]
async fn launcher_path_patterns_with_several_stars_match_as_the_server_does() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = shop::open_shop(&app, &owner, "en").await;
    let response = app
        .submit(
            &owner,
            "/settings/widget",
            "/settings/widget",
            &[
                ("origins", shop.origin.as_str()),
                ("color", "#1f6feb"),
                ("greeting_en", "Hello from the test shop"),
                ("greeting_ja", "テストショップです"),
                (
                    "launcher_paths",
                    "/shop/*/items/*/colour-*\n/*/*/*/*/*/*/*z",
                ),
            ],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);

    let browser = Browser::launch().await;
    browser
        .goto(&format!("{}/shop/tea/items/42/colour-green", shop.origin))
        .await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;

    let long = format!("/{}", "a".repeat(51));
    browser.goto(&format!("{}{long}", shop.origin)).await;
    wait_widget(&browser, "root.querySelector('.launch')").await;
    // The welcome has been applied (the greeting is set) and the launcher stayed hidden; the shop's own
    // `Sodan.open()` opens the chat all the same.
    widget_js(&browser, "window.Sodan.open()").await;
    wait_widget(
        &browser,
        "root.querySelector('.greet').textContent === 'Hello from the test shop'",
    )
    .await;
    let hidden = widget_js(&browser, "return root.querySelector('.launch').hidden").await;
    assert_eq!(hidden, json!(true), "{long} matches no pattern");
    browser.close().await;
    app.stop().await;
}

/// An operator whose name starts outside the Basic Multilingual Plane (𠮷, a common surname character) or
/// with an emoji gets their first character, a whole grapheme, in the avatar: never half of a surrogate
/// pair.
#[tokio::test]
async fn avatars_show_the_first_grapheme_of_any_name() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = shop::open_shop(&app, &owner, "en").await;
    let mut feeds = Vec::new();
    for (email, name) in [
        ("yoshida@shop.example", "𠮷田 太郎"),
        ("aya@shop.example", "👩‍💻 Aya"),
    ] {
        let invite = app.invite(&owner, email, "operator").await;
        let agent = app
            .accept_invite(&invite, name, "a long enough password")
            .await;
        feeds.push(ws::console(&app, &agent).await);
    }

    let browser = Browser::launch().await;
    browser.goto(&format!("{}/item/1", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    crate::widget_browser::open_widget(&browser).await;
    widget_js(
        &browser,
        "root.querySelector('textarea').value = 'Hello'; \
         root.querySelector('form').requestSubmit();",
    )
    .await;
    let conversation = feeds[0].recv_type("message").await["message"]["conversation"]
        .as_u64()
        .unwrap();
    for (i, feed) in feeds.iter_mut().enumerate() {
        feed.send(json!({"type": "message", "conversation": conversation,
            "client_id": format!("r{i}"), "body": format!("reply {i}")}))
            .await;
        feed.recv_type("ack").await;
    }
    wait_widget(&browser, "root.querySelectorAll('.who i').length >= 2").await;
    let initials = widget_js(
        &browser,
        "return [...root.querySelectorAll('.who i')].map(i => i.textContent)",
    )
    .await;
    let shot = browser.screenshot("widget-avatars-first-grapheme").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    assert_eq!(initials, json!(["𠮷", "👩‍💻"]));
    browser.close().await;
    app.stop().await;
}

/// Japanese input as iPhone Safari delivers it: the composition ends first, then the Enter that confirmed
/// the conversion arrives with keyCode 229 and isComposing false. That Enter must not send the half-typed
/// text (UI Events, "Keyboard events and input method composition events"); the next plain Enter does.
#[tokio::test]
async fn the_enter_that_confirms_a_japanese_conversion_does_not_send() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = shop::open_shop(&app, &owner, "ja").await;
    let mut console = ws::console(&app, &owner).await;
    let browser = Browser::launch().await;
    browser.goto(&format!("{}/item/1", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    crate::widget_browser::open_widget(&browser).await;
    widget_js(
        &browser,
        "const ta = root.querySelector('textarea'); \
         ta.value = 'そうりょう'; \
         ta.dispatchEvent(new CompositionEvent('compositionstart', {data: ''})); \
         ta.value = '送料'; \
         ta.dispatchEvent(new CompositionEvent('compositionend', {data: '送料'})); \
         ta.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', keyCode: 229, bubbles: true, cancelable: true}));",
    )
    .await;
    let sent = console
        .collect_type("message", std::time::Duration::from_secs(2))
        .await;
    assert!(sent.is_empty(), "the confirming Enter sent {sent:?}");
    let kept = widget_js(&browser, "return root.querySelector('textarea').value").await;
    let shot = browser.screenshot("widget-ime-enter-kept").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    assert_eq!(kept, json!("送料"));

    // Later, a plain Enter sends what was typed.
    widget_js(
        &browser,
        "const ta = root.querySelector('textarea'); ta.value = '送料はいくらですか？'; \
         ta.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', keyCode: 13, bubbles: true, cancelable: true}));",
    )
    .await;
    let message = console.recv_type("message").await;
    assert_eq!(message["message"]["body"], "送料はいくらですか？");
    browser.close().await;
    app.stop().await;
}

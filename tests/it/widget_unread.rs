//! The visitor is told a reply is waiting: the launcher's badge counts unread replies on every page of the
//! shop and after coming back, until the panel is opened; opening it shows the first unread reply, even
//! when an image above it finishes loading afterwards.

use serde_json::json;

use crate::browser::Browser;
use crate::helpers::spawn_app;
use crate::shop;
use crate::widget_browser::{wait_widget, widget_js};
use crate::ws;

/// The launcher's badge as the visitor sees it ("" when hidden).
async fn badge(browser: &Browser) -> String {
    let shown = widget_js(
        browser,
        "const b = root.querySelector('.badge'); \
         return getComputedStyle(b).display === 'none' ? '' : b.textContent",
    )
    .await;
    shown.as_str().unwrap().to_owned()
}

async fn wait_badge(browser: &Browser, count: &str) {
    wait_widget(
        browser,
        &format!(
            "getComputedStyle(root.querySelector('.badge')).display !== 'none' && \
             root.querySelector('.badge').textContent === '{count}'"
        ),
    )
    .await;
}

#[tokio::test]
async fn the_badge_survives_a_page_change_and_a_return_visit_and_opening_shows_the_first_unread() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = shop::open_shop(&app, &owner, "en").await;
    let mut console = ws::console(&app, &owner).await;

    let browser = Browser::launch().await;
    browser.goto(&format!("{}/item/1", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    crate::widget_browser::open_widget(&browser).await;
    widget_js(
        &browser,
        "root.querySelector('textarea').value = 'Is this in stock?'; \
         root.querySelector('form').requestSubmit();",
    )
    .await;
    let conversation = console.recv_type("message").await["message"]["conversation"]
        .as_u64()
        .unwrap();
    // A tall photo in the history: it loads after the log is first placed.
    widget_js(
        &browser,
        "const c = document.createElement('canvas'); c.width = 300; c.height = 900; \
         const g = c.getContext('2d'); g.fillStyle = '#4a7'; g.fillRect(0, 0, 300, 900); \
         c.toBlob(b => { const d = new DataTransfer(); \
           d.items.add(new File([b], 'photo.png', {type: 'image/png'})); \
           const input = root.querySelector('.file'); input.files = d.files; \
           input.dispatchEvent(new Event('change')); }, 'image/png');",
    )
    .await;
    loop {
        let frame = console.recv_type("message").await;
        if frame["message"]["attachment"].is_object() {
            break;
        }
    }
    widget_js(&browser, "root.querySelector('.launch').click()").await;
    wait_widget(
        &browser,
        "!root.querySelector('.panel').classList.contains('on')",
    )
    .await;

    let reply = |n: u32, body: &'static str| {
        let frame = json!({"type": "message", "conversation": conversation,
            "client_id": format!("r{n}"), "body": body});
        (frame, n)
    };
    for (frame, _) in [
        reply(1, "Yes, 3 left."),
        reply(2, "Shall I keep one for you?"),
    ] {
        console.send(frame).await;
        console.recv_type("ack").await;
    }
    wait_badge(&browser, "2").await;

    // Another page of the shop: a new widget, the same unread replies.
    browser.goto(&format!("{}/item/2", shop.origin)).await;
    wait_badge(&browser, "2").await;
    // The visitor leaves; a third reply arrives meanwhile; they come back later.
    browser.goto("about:blank").await;
    let (frame, _) = reply(3, "It ships today if you order by 15:00.");
    console.send(frame).await;
    console.recv_type("ack").await;
    browser.goto(&format!("{}/item/3", shop.origin)).await;
    wait_badge(&browser, "3").await;
    let shot = browser.screenshot("widget-unread-badge").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);

    // Opening shows the first unread reply, still in view once the photo above it has loaded.
    widget_js(&browser, "root.querySelector('.launch').click()").await;
    wait_widget(
        &browser,
        "[...root.querySelectorAll('.att img')].some(i => i.complete && i.naturalHeight > 0)",
    )
    .await;
    let in_view = "const log = root.querySelector('.log').getBoundingClientRect(); \
         const li = [...root.querySelectorAll('.log li')].find(l => l.textContent.includes('Yes, 3 left.')); \
         const r = li.getBoundingClientRect(); \
         return [Math.round(r.top - log.top), Math.round(log.bottom - r.top)]";
    wait_widget(
        &browser,
        &format!("(() => {{ const [top, room] = (() => {{ {in_view} }})(); return top >= -2 && room > 20; }})()"),
    )
    .await;
    let placed = widget_js(&browser, in_view).await;
    assert!(
        placed[0].as_i64().unwrap() >= -2,
        "first unread at {placed}"
    );
    assert_eq!(badge(&browser).await, "", "opened: nothing unread");
    let shot = browser.screenshot("widget-unread-opened").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);

    // Read once, read everywhere: the next page shows no badge.
    let read = console.recv_type("read").await;
    assert_eq!(read["conversation"], conversation);
    browser.goto(&format!("{}/item/4", shop.origin)).await;
    // The launcher shows once the welcome (with the unread count) has been read.
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    assert_eq!(badge(&browser).await, "");
    browser.close().await;
    app.stop().await;
}

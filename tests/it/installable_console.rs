//! The console as an app on a phone, in a real Chromium: the Web App Manifest and service worker pass
//! Chrome's installability check (DevTools Protocol `Page.getInstallabilityErrors`), the offline page shows
//! when the server cannot be reached, the inbox at 390x844 shows one view at a time (list, conversation,
//! card) with a way back and touch targets of at least 44 px (WCAG 2.5.5), and on a desktop the three panes
//! fill the window and scroll on their own.

use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::{spawn_app, spawn_app_in};
use crate::ws::{SHOP_ORIGIN, visitor_writes};

/// What the page says of each view: shown or not, and the reply box's place.
const VIEWS: &str = "const shown = s => { const e = document.querySelector(s); \
     if (!e) return false; const r = e.getBoundingClientRect(); \
     return getComputedStyle(e).display !== 'none' && getComputedStyle(e).visibility !== 'hidden' && r.width > 0 && r.height > 0; }; \
     const reply = document.querySelector('#reply-form button[type=submit]'); \
     return { list: shown('#inbox > .list'), detail: shown('#inbox > .detail'), card: shown('#customer-card'), \
       back: shown('#back-to-list'), toCard: shown('#to-card'), \
       replyBottom: reply ? Math.round(reply.getBoundingClientRect().bottom) : -1, \
       height: innerHeight, pageScrolls: document.scrollingElement.scrollHeight > innerHeight + 1 };";

/// Visible controls smaller than 44 px high.
const SMALL_TARGETS: &str = "return [...document.querySelectorAll('button, .tabs a, a.back, a.to-card, #conversations li a, .topbar nav a')] \
     .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; }) \
     .filter(e => e.getBoundingClientRect().height < 44) \
     .map(e => (e.id || e.className || e.tagName) + ':' + Math.round(e.getBoundingClientRect().height));";

async fn views(browser: &Browser) -> Value {
    browser.client().execute(VIEWS, vec![]).await.unwrap()
}

#[tokio::test]
async fn the_console_is_installable_and_opens_an_offline_page_without_its_server() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path()).await;
    app.set_up_owner().await;
    let manifest: Value = reqwest::get(app.url("/manifest.webmanifest"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(manifest["start_url"], "/inbox");
    assert_eq!(manifest["display"], "standalone");
    assert!(manifest["icons"].as_array().unwrap().len() >= 2);

    let browser = Browser::owner(&app, "en-US,en").await;
    browser
        .wait_until("navigator.serviceWorker && navigator.serviceWorker.controller")
        .await;
    let check = browser.cdp("Page.getInstallabilityErrors", json!({})).await;
    assert_eq!(
        check["installabilityErrors"],
        json!([]),
        "Chrome finds nothing that keeps the console from being installed: {check}"
    );
    browser.screenshot("console-installable").await;

    // The server goes away: the installed console says so instead of the browser's error page.
    app.stop().await;
    browser
        .goto(&format!("{}/inbox", app_address(&browser).await))
        .await;
    browser.wait_for("#offline").await;
    let text = browser.text("#offline").await;
    assert!(
        text.contains("You are offline") && text.contains("オフライン"),
        "{text}"
    );
    browser.screenshot("console-offline").await;
    browser.close().await;
}

/// The address the browser has open (the server is gone, so it cannot be asked).
async fn app_address(browser: &Browser) -> String {
    let url = browser.client().current_url().await.unwrap();
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap(),
        url.port().unwrap()
    )
}

#[tokio::test]
async fn on_a_phone_the_inbox_conversation_and_card_are_views_of_their_own() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (_widget, conversation) = visitor_writes(&app, &site, "Is the blue one in stock?").await;
    let browser = Browser::owner(&app, "en-US,en").await;

    browser.resize(390, 844).await;
    browser.goto(&app.url("/inbox")).await;
    browser.wait_for("#conversations li").await;
    let list = views(&browser).await;
    assert_eq!(
        (list["list"].clone(), list["detail"].clone()),
        (json!(true), json!(false)),
        "the list alone: {list}"
    );
    browser.screenshot("console-phone-inbox").await;
    let small: Value = browser
        .client()
        .execute(SMALL_TARGETS, vec![])
        .await
        .unwrap();
    assert_eq!(small, json!([]), "touch targets of at least 44 px");

    browser
        .click(&format!("#conversations li[data-id='{conversation}'] a"))
        .await;
    browser.wait_for("#reply-body").await;
    let open = views(&browser).await;
    assert_eq!(open["list"], false, "{open}");
    assert_eq!(open["detail"], true, "{open}");
    assert_eq!(open["back"], true, "a way back to the list: {open}");
    assert_eq!(open["card"], false, "{open}");
    assert!(
        open["replyBottom"].as_i64().unwrap() <= open["height"].as_i64().unwrap()
            && open["replyBottom"].as_i64().unwrap() > 0,
        "the reply box is in view: {open}"
    );
    assert_eq!(open["pageScrolls"], false, "{open}");
    browser.screenshot("console-phone-conversation").await;
    let small: Value = browser
        .client()
        .execute(SMALL_TARGETS, vec![])
        .await
        .unwrap();
    assert_eq!(small, json!([]), "touch targets of at least 44 px");

    browser.click("#to-card").await;
    browser
        .wait_until("location.hash === '#customer-card'")
        .await;
    let card = views(&browser).await;
    assert_eq!(card["card"], true, "{card}");
    browser.screenshot("console-phone-card").await;
    browser.click("#card-back").await;
    browser
        .wait_until("location.hash === '' || location.hash === '#'")
        .await;
    assert_eq!(views(&browser).await["card"], false);
    browser.click("#back-to-list").await;
    browser.wait_for("#conversations li").await;
    assert_eq!(views(&browser).await["list"], true);

    // A desktop: list, conversation and card side by side, the page itself does not scroll, each pane does.
    browser.resize(1366, 768).await;
    browser
        .goto(&app.url(&format!("/inbox/{conversation}")))
        .await;
    browser.wait_for("#reply-body").await;
    let desk = views(&browser).await;
    assert_eq!(
        (
            desk["list"].clone(),
            desk["detail"].clone(),
            desk["card"].clone()
        ),
        (json!(true), json!(true), json!(true)),
        "{desk}"
    );
    assert_eq!(
        desk["pageScrolls"], false,
        "the panes fill the window: {desk}"
    );
    assert!(
        desk["replyBottom"].as_i64().unwrap() <= desk["height"].as_i64().unwrap(),
        "{desk}"
    );
    let scrolls: Value = browser
        .client()
        .execute(
            "return ['#inbox > .list', '#inbox > .detail .log', '#customer-card'].map(s => getComputedStyle(document.querySelector(s)).overflowY);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        scrolls,
        json!(["auto", "auto", "auto"]),
        "each pane scrolls on its own"
    );
    browser.screenshot("console-desktop").await;
    browser.close().await;
    app.stop().await;
}

//! Widget and console together in two real browsers: a visitor's message appears live in the console,
//! the reply appears live in the widget, history survives a reload, and markup stays text everywhere.

use std::time::Duration;

use serde_json::json;

use crate::browser::Browser;
use crate::helpers::{OWNER_EMAIL, OWNER_PASSWORD, TestApp, spawn_app};
use crate::shop;

const XSS: [&str; 5] = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "\"><svg onload=alert(3)>",
    "<iframe src=\"javascript:alert(4)\"></iframe>",
    "&lt;b&gt;entity&lt;/b&gt; <a href=javascript:alert(5)>x</a>",
];

const WIDGET: &str = "document.getElementById('sodan-widget').shadowRoot";

async fn widget_send(browser: &Browser, text: &str) {
    let script = format!(
        "const root = {WIDGET}; root.querySelector('textarea').value = arguments[0]; root.querySelector('form').requestSubmit();"
    );
    browser
        .client()
        .execute(&script, vec![json!(text)])
        .await
        .unwrap();
}

async fn connections(app: &TestApp) -> u64 {
    let health: serde_json::Value = reqwest::get(app.url("/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    health["connections"].as_u64().unwrap()
}

async fn assert_no_dialog(browser: &Browser) {
    assert!(
        browser.client().get_alert_text().await.is_err(),
        "a dialog opened: markup ran as code"
    );
}

#[tokio::test]
async fn visitor_and_operator_talk_live_and_markup_stays_text() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = shop::open_shop(&app, &owner, "ja").await;

    let console = Browser::launch().await;
    console
        .sign_in(&app.address, OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    for _ in 0..100 {
        if connections(&app).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(connections(&app).await, 1, "the console socket is open");

    let visitor = Browser::launch().await;
    visitor
        .goto(&format!("{}/products/jacket", shop.origin))
        .await;
    visitor
        .wait_until(&format!(
            "{WIDGET} && !{WIDGET}.querySelector('.launch').hidden"
        ))
        .await;
    let label = visitor
        .client()
        .execute(
            &format!("return {WIDGET}.querySelector('.launch .label').textContent"),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(label, "チャットで相談", "the page's lang picks Japanese");
    crate::widget_browser::open_widget(&visitor).await;
    widget_send(&visitor, "このジャケットのMサイズはありますか？").await;

    // The console shows the new conversation without a reload.
    console.wait_until( "document.querySelector('#conversations li .preview') && document.querySelector('#conversations li .preview').textContent.includes('Mサイズ')").await;
    console.click("#conversations li a").await;
    console.wait_until( "document.querySelector('#log') && document.querySelector('#log').textContent.includes('Mサイズ')").await;
    let presence = console.text("#presence").await;
    assert!(presence.contains("/products/jacket"), "{presence}");

    console
        .fill("#reply-body", "はい、在庫がございます。")
        .await;
    console
        .client()
        .execute(
            "document.getElementById('reply-form').requestSubmit()",
            vec![],
        )
        .await
        .unwrap();
    visitor
        .wait_until(&format!(
            "{WIDGET}.querySelector('.log').textContent.includes('在庫がございます')"
        ))
        .await;
    console
        .wait_until("!document.querySelector('#log li.pending')")
        .await;

    // An image the visitor attaches shows in both browsers.
    let png_base64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";
    let attach = format!(
        "const root = {WIDGET}; const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0)); \
         const dt = new DataTransfer(); dt.items.add(new File([bytes], 'photo.png', {{ type: 'image/png' }})); \
         const input = root.querySelector('.file'); input.files = dt.files; input.dispatchEvent(new Event('change'));"
    );
    visitor
        .client()
        .execute(&attach, vec![json!(png_base64)])
        .await
        .unwrap();
    console.wait_until( "[...document.querySelectorAll('#log .att img')].some(i => i.complete && i.naturalWidth === 1)").await;
    visitor.wait_until( &format!("[...{WIDGET}.querySelectorAll('.att img')].some(i => i.complete && i.naturalWidth === 1)")).await;

    // Markup from either side shows as text.
    for payload in XSS {
        widget_send(&visitor, payload).await;
    }
    let last = XSS[XSS.len() - 1];
    console
        .wait_until(&format!(
            "[...document.querySelectorAll('#log .body')].some(b => b.textContent === {})",
            json!(last)
        ))
        .await;
    console
        .fill("#reply-body", "<b>bold?</b><img src=x onerror=alert(6)>")
        .await;
    console
        .client()
        .execute(
            "document.getElementById('reply-form').requestSubmit()",
            vec![],
        )
        .await
        .unwrap();
    visitor
        .wait_until(&format!(
            "{WIDGET}.querySelector('.log').textContent.includes('<b>bold?</b>')"
        ))
        .await;

    let console_bodies = console
        .client()
        .execute(
            "return [...document.querySelectorAll('#log .body')].map(b => b.textContent)",
            vec![],
        )
        .await
        .unwrap();
    for payload in XSS {
        assert!(
            console_bodies
                .as_array()
                .unwrap()
                .iter()
                .any(|b| b == payload),
            "{payload} not shown as text"
        );
    }
    let console_markup = console
        .client()
        .execute("return document.querySelectorAll('#log .body *, #log .who *:not(.tag):not(time), #conversations .preview *').length", vec![])
        .await
        .unwrap();
    assert_eq!(console_markup, 0);
    let widget_markup = visitor
        .client()
        .execute(&format!("return {WIDGET}.querySelectorAll('.log .b *, .log script, .log svg, .log iframe').length"), vec![])
        .await
        .unwrap();
    assert_eq!(widget_markup, 0);
    assert_no_dialog(&console).await;
    assert_no_dialog(&visitor).await;
    visitor.screenshot("live-widget").await;
    console.screenshot("live-console").await;

    // After a reload (console too), everything is still there, still as text.
    visitor.client().refresh().await.unwrap();
    visitor
        .wait_until(&format!(
            "{WIDGET} && !{WIDGET}.querySelector('.launch').hidden"
        ))
        .await;
    crate::widget_browser::open_widget(&visitor).await;
    visitor
        .wait_until(&format!(
            "{WIDGET}.querySelector('.log').textContent.includes('在庫がございます')"
        ))
        .await;
    console.client().refresh().await.unwrap();
    console
        .wait_until(
            "document.querySelector('#log').textContent.includes('<img src=x onerror=alert(1)>')",
        )
        .await;
    assert_no_dialog(&console).await;
    assert_no_dialog(&visitor).await;
    console.screenshot("live-console-reloaded").await;

    visitor.close().await;
    console.close().await;
    app.stop().await;
}

/// The console's reply box gets Japanese input as iPhone Safari delivers it (compositionend, then the
/// Enter with keyCode 229 and isComposing false; UI Events, "Keyboard events and input method composition
/// events"): that Enter does not send half-typed text; the next plain Enter does.
#[tokio::test]
async fn the_enter_that_confirms_a_japanese_conversion_does_not_send_a_reply() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app
        .configure_widget(&owner, &[crate::ws::SHOP_ORIGIN])
        .await;
    let (mut widget, conversation) =
        crate::ws::visitor_writes(&app, &site, "送料はいくらですか？").await;
    let browser = Browser::owner(&app, "ja").await;
    browser
        .goto(&app.url(&format!("/inbox/{conversation}")))
        .await;
    browser.wait_for("#reply-body").await;
    browser
        .client()
        .execute(
            "const ta = document.getElementById('reply-body'); ta.focus(); ta.value = 'むりょう'; \
             ta.dispatchEvent(new CompositionEvent('compositionstart', {data: ''})); \
             ta.value = '無料'; \
             ta.dispatchEvent(new CompositionEvent('compositionend', {data: '無料'})); \
             ta.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', keyCode: 229, bubbles: true, cancelable: true}));",
            vec![],
        )
        .await
        .unwrap();
    let sent = widget.collect_type("message", Duration::from_secs(2)).await;
    assert!(sent.is_empty(), "the confirming Enter sent {sent:?}");
    let kept = browser
        .client()
        .execute("return document.getElementById('reply-body').value", vec![])
        .await
        .unwrap();
    assert_eq!(kept, json!("無料"));
    browser
        .client()
        .execute(
            "const ta = document.getElementById('reply-body'); ta.value = '送料は無料です。'; \
             ta.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', keyCode: 13, bubbles: true, cancelable: true}));",
            vec![],
        )
        .await
        .unwrap();
    let reply = widget.recv_type("message").await;
    assert_eq!(reply["message"]["body"], "送料は無料です。");
    browser.close().await;
    app.stop().await;
}

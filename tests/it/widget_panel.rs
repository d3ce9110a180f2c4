//! The widget in two parts, in Chromium: every shop page loads only the loader (launcher, page views, the
//! shop's `Sodan.*` calls, proactive-message conditions); the chat panel is fetched when the visitor first
//! opens it or when a proactive message is about to show, and the calls the shop queued before the loader
//! arrived still reach the customer's record.

use serde_json::json;

use crate::browser::Browser;
use crate::helpers::spawn_app;
use crate::shop;
use crate::triggers::save_trigger;
use crate::widget_browser::{open_widget, wait_widget, widget_js};
use crate::ws;

/// How many times the page fetched the panel (the browser's Resource Timing entries).
const PANEL_FETCHES: &str = "return performance.getEntriesByType('resource').filter(e => e.name.includes('/widget/panel.')).length";

/// A shop page that calls the JavaScript API before the loader has arrived (the stub queues the calls).
fn page_with_early_calls(stub: &str, sodan: &str, site: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Plans</title></head><body>\
         <h1>Plans</h1>{stub}\
         <script>Sodan.set({{plan: 'gold'}}); Sodan.track('compared_plans', {{count: 2}});</script>\
         <script src=\"{sodan}/widget.js\" data-site=\"{site}\" async></script></body></html>"
    )
}

#[tokio::test]
async fn the_panel_is_fetched_on_first_open_and_the_queued_calls_are_replayed() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[]).await;
    let stub = crate::customer_browser::api_stub(&app, &owner).await;
    let shop = shop::serve(page_with_early_calls(&stub, &app.address, &site)).await;
    app.configure_widget(&owner, &[&shop.origin]).await;

    let browser = Browser::launch().await;
    browser.goto(&format!("{}/plans", shop.origin)).await;
    // The launcher shows once the socket's welcome came: the loader is fully running.
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    let before = widget_js(
        &browser,
        &format!(
            "return [{}, !!root.querySelector('.panel')]",
            PANEL_FETCHES.trim_start_matches("return ")
        ),
    )
    .await;
    assert_eq!(
        before,
        json!([0, false]),
        "no panel before the visitor opens the chat"
    );

    open_widget(&browser).await;
    let fetched = widget_js(&browser, PANEL_FETCHES).await;
    assert_eq!(fetched, 1, "the panel is fetched once, on the first open");
    let greeting = widget_js(&browser, "return root.querySelector('.greet').textContent").await;
    assert_eq!(greeting, "Hello from the test shop");

    // Writing works through the panel; the customer's record has what the shop queued before the loader.
    let mut console = ws::console(&app, &owner).await;
    widget_js(
        &browser,
        "root.querySelector('textarea').value = 'Which plan has the API?'; root.querySelector('form').requestSubmit();",
    )
    .await;
    let conversation = console
        .recv_matching(|f| {
            f["type"] == "message" && f["message"]["body"] == "Which plan has the API?"
        })
        .await["message"]["conversation"]
        .as_u64()
        .unwrap();
    wait_widget(
        &browser,
        "root.querySelector('.log').textContent.includes('Which plan has the API?')",
    )
    .await;
    let inbox = app.page(&owner, &format!("/inbox/{conversation}")).await;
    let visitor = inbox
        .split("data-visitor=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the conversation names its customer")
        .to_owned();
    let customer = app.page(&owner, &format!("/customers/{visitor}")).await;
    assert!(customer.contains("gold"), "Sodan.set reached the customer");
    assert!(
        customer.contains("compared_plans"),
        "Sodan.track reached the customer"
    );

    // Closing and opening again uses the panel already there.
    widget_js(&browser, "root.querySelector('.x').click()").await;
    wait_widget(
        &browser,
        "!root.querySelector('.panel').classList.contains('on')",
    )
    .await;
    open_widget(&browser).await;
    assert_eq!(widget_js(&browser, PANEL_FETCHES).await, 1);
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_proactive_message_fetches_the_panel_when_its_conditions_hold() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = shop::open_shop(&app, &owner, "en").await;
    save_trigger(
        &app,
        &owner,
        &[
            ("name", "Idle on pricing"),
            ("url", "/pricing"),
            ("idle_secs", "2"),
            ("text_en", "Questions about the plans? Ask me."),
            ("every_days", "0"),
        ],
    )
    .await;

    let browser = Browser::launch().await;
    // On a page without a proactive message, the panel never comes.
    browser.goto(&format!("{}/about", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(
        widget_js(&browser, PANEL_FETCHES).await,
        0,
        "no panel on /about"
    );

    // On /pricing, once the visitor has been idle for 2 s, the panel arrives and shows the message.
    browser.goto(&format!("{}/pricing", shop.origin)).await;
    wait_widget(
        &browser,
        "root.querySelector('.tip') && !root.querySelector('.tip').hidden",
    )
    .await;
    let text = widget_js(
        &browser,
        "return root.querySelector('.tip .tx').textContent",
    )
    .await;
    assert_eq!(text, "Questions about the plans? Ask me.");
    assert_eq!(widget_js(&browser, PANEL_FETCHES).await, 1);
    // Taking it up opens the chat with the message in view.
    widget_js(&browser, "root.querySelector('.tip .tx').click()").await;
    wait_widget(
        &browser,
        "root.querySelector('.panel').classList.contains('on') && root.querySelector('.log').textContent.includes('Questions about the plans?')",
    )
    .await;
    browser.close().await;
    app.stop().await;
}

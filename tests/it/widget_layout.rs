//! The widget's forms laid out as a visitor sees them, on a desktop (1366 x 768) and a phone (390 x 844):
//! measured in a real browser, with screenshots under the test's output folder.

use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::{TestApp, spawn_app};
use crate::shop::{self, Shop};
use crate::widget_browser::{wait_widget, widget_js};
use crate::ws;

/// The sizes checked: (name, width, height).
pub const SIZES: [(&str, u32, u32); 2] = [("desktop", 1366, 768), ("phone", 390, 844)];

/// Opens the widget on the shop at `size`, sends `first` and returns the conversation's id.
pub async fn start_chat(
    browser: &Browser,
    shop: &Shop,
    console: &mut ws::Ws,
    (width, height): (u32, u32),
    first: &str,
) -> u64 {
    console
        .pump(async {
            browser.resize(width, height).await;
            browser.goto(&format!("{}/item/1", shop.origin)).await;
            wait_widget(browser, "!root.querySelector('.launch').hidden").await;
            crate::widget_browser::open_widget(browser).await;
            widget_js(
                browser,
                &format!(
                    "root.querySelector('textarea').value = {}; \
                     root.querySelector('form').requestSubmit();",
                    json!(first)
                ),
            )
            .await;
        })
        .await;
    console
        .recv_type_within("message", std::time::Duration::from_secs(120))
        .await["message"]["conversation"]
        .as_u64()
        .unwrap()
}

async fn resolve(app: &TestApp, owner: &reqwest::Client, conversation: u64) {
    let resolved = app
        .submit(
            owner,
            &format!("/inbox/{conversation}"),
            &format!("/inbox/{conversation}/status"),
            &[("status", "resolved")],
        )
        .await;
    assert!(resolved.status().is_redirection());
}

#[tokio::test]
async fn the_rating_form_keeps_its_stars_on_one_line_and_its_comment_box_wide() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = shop::open_shop(&app, &owner, "ja").await;
    let mut console = ws::console(&app, &owner).await;
    for (name, width, height) in SIZES {
        let browser = Browser::launch_in("ja").await;
        let conversation =
            start_chat(&browser, &shop, &mut console, (width, height), "届きました").await;
        resolve(&app, &owner, conversation).await;
        wait_widget(&browser, "!root.querySelector('.rate').hidden").await;
        let shape: Value = widget_js(
            &browser,
            "const form = root.querySelector('.rate'), box = form.querySelector('.rc'), \
             send = form.querySelector('.rs'), stars = [...form.querySelectorAll('.stars button')]; \
             const f = form.getBoundingClientRect(), b = box.getBoundingClientRect(), s = send.getBoundingClientRect(); \
             return { starTops: [...new Set(stars.map(x => Math.round(x.getBoundingClientRect().top)))].length, \
               stars: stars.length, formWidth: f.width, boxWidth: b.width, boxHeight: b.height, \
               sendHeight: s.height, sendLine: parseFloat(getComputedStyle(send).lineHeight) || 20, \
               sendRight: s.right, formRight: f.right };",
        )
        .await;
        let shot = browser.screenshot(&format!("widget-rating-{name}")).await;
        assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
        let n = |k: &str| shape[k].as_f64().unwrap();
        assert_eq!(
            (n("stars"), n("starTops")),
            (5.0, 1.0),
            "{name}: stars on one line: {shape}"
        );
        assert!(
            n("boxWidth") > 0.8 * n("formWidth"),
            "{name}: comment box wide: {shape}"
        );
        assert!(
            n("boxHeight") >= 40.0,
            "{name}: comment box tall enough: {shape}"
        );
        assert!(
            n("sendHeight") < 2.0 * n("sendLine") + 16.0,
            "{name}: button on one line: {shape}"
        );
        assert!(
            n("sendRight") <= n("formRight") + 0.5,
            "{name}: button inside the form: {shape}"
        );
        browser.close().await;
    }
    app.stop().await;
}

/// Whether the last message in the log is wholly in view, with its bottom edge and the log's: [top gap,
/// bottom gap] (both >= 0 when it is).
const LAST_IN_VIEW: &str = "const log = root.querySelector('.log').getBoundingClientRect(); \
     const items = root.querySelectorAll('.log li'); const r = items[items.length - 1].getBoundingClientRect(); \
     return [Math.round(r.top - log.top), Math.round(log.bottom - r.bottom)];";

#[tokio::test]
async fn an_identified_customer_is_not_asked_for_an_email_and_the_question_hides_no_reply() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = shop::open_shop(&app, &owner, "en").await;
    crate::autoreply::set_rules(&app, &owner, Some(1), false).await;
    let secret = crate::customers::identity_secret(&app, &owner).await;
    let mut console = ws::console(&app, &owner).await;
    for (name, width, height) in SIZES {
        // An anonymous visitor is asked after the automatic reply, and that reply stays in view.
        let browser = Browser::launch().await;
        start_chat(
            &browser,
            &shop,
            &mut console,
            (width, height),
            "Do you gift-wrap?",
        )
        .await;
        wait_widget(&browser, "!root.querySelector('.mail').hidden").await;
        let gaps = widget_js(&browser, LAST_IN_VIEW).await;
        let shot = browser
            .screenshot(&format!("widget-email-asked-{name}"))
            .await;
        assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
        let text = widget_js(
            &browser,
            "const i = root.querySelectorAll('.log li'); return i[i.length - 1].textContent",
        )
        .await;
        assert!(
            text.as_str()
                .unwrap()
                .contains("We usually answer within minutes."),
            "{text}"
        );
        assert!(
            gaps[0].as_i64().unwrap() >= 0 && gaps[1].as_i64().unwrap() >= 0,
            "{name}: the automatic reply is hidden: {gaps}"
        );
        browser.close().await;

        // A customer the shop identified with their address is not asked again.
        let browser = Browser::launch().await;
        browser.resize(width, height).await;
        browser.goto(&format!("{}/item/1", shop.origin)).await;
        wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
        let user = format!("cust-{name}");
        let hash = sodan::customers::identity::user_hash(&secret, &user);
        browser
            .client()
            .execute(
                &format!("Sodan.identify('{user}', {{name: 'Aiko', email: 'aiko-{name}@example.jp'}}, '{hash}')"),
                vec![],
            )
            .await
            .unwrap();
        crate::widget_browser::open_widget(&browser).await;
        widget_js(
            &browser,
            "root.querySelector('textarea').value = 'Do you gift-wrap?'; \
             root.querySelector('form').requestSubmit();",
        )
        .await;
        console
            .recv_type_within("message", std::time::Duration::from_secs(120))
            .await;
        wait_widget(
            &browser,
            "root.querySelector('.log').textContent.includes('We usually answer within minutes.')",
        )
        .await;
        // The widget asks in the same step that shows the automatic reply: it would be showing by now.
        let asked = widget_js(&browser, "return !root.querySelector('.mail').hidden").await;
        let shot = browser
            .screenshot(&format!("widget-email-known-{name}"))
            .await;
        assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
        assert_eq!(
            asked,
            json!(false),
            "{name}: the shop gave the address already"
        );
        browser.close().await;
    }
    app.stop().await;
}

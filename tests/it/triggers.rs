//! Proactive messages over the real server: which widgets are offered which, the limits, the counts, and
//! in a real browser the "on /pricing, idle 3 s" bubble from showing to a conversation.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::{Agent, OWNER_EMAIL, OWNER_PASSWORD, TestApp, spawn_app};
use crate::segments::save_segment;
use crate::shop;
use crate::widget_browser::{wait_widget, widget_js};
use crate::ws::{SHOP_ORIGIN, Ws, console, visitor};

/// Creates a proactive message in Settings → Proactive messages from `fields` (on, with the default limits
/// unless `fields` says otherwise); returns its id.
pub async fn save_trigger(app: &TestApp, admin: &Agent, fields: &[(&str, &str)]) -> u64 {
    let mut form: Vec<(&str, &str)> = vec![
        ("enabled", "on"),
        ("kind", "bubble"),
        ("every_days", "7"),
        ("quiet_in_conversation", "on"),
        ("stop_after_dismiss", "on"),
    ];
    for (k, v) in fields {
        form.retain(|(key, _)| key != k);
        if !v.is_empty() {
            form.push((k, v));
        }
    }
    let response = app
        .submit(admin, "/settings/triggers", "/settings/triggers", &form)
        .await;
    let status = response.status();
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let name = fields.iter().find(|(k, _)| *k == "name").unwrap().1;
    let page = app.page(admin, "/settings/triggers").await;
    let row = page
        .split("<tr data-trigger=\"")
        .skip(1)
        .find(|row| row.contains(&format!(">{name}</a>")))
        .expect("the proactive message is listed");
    row.split('"').next().unwrap().parse().unwrap()
}

/// The counts Settings → Proactive messages shows for `id`: shown, clicked, dismissed, conversations.
pub async fn counts(app: &TestApp, admin: &Agent, id: u64) -> [u64; 4] {
    let page = app.page(admin, "/settings/triggers").await;
    let row = page
        .split(&format!("<tr data-trigger=\"{id}\""))
        .nth(1)
        .expect("trigger row");
    let row = row.split("</tr>").next().unwrap();
    ["shown", "clicked", "dismissed", "conversations"].map(|class| {
        row.split(&format!("class=\"{class}\">"))
            .nth(1)
            .and_then(|cell| cell.split('<').next())
            .unwrap()
            .parse()
            .unwrap()
    })
}

/// Waits up to 10 s for the console to show `expected` counts for `id`.
async fn wait_counts(app: &TestApp, admin: &Agent, id: u64, expected: [u64; 4]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = counts(app, admin, id).await;
        if now == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "counts {now:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A visitor's socket that said hello on `page`; returns it with the welcome.
async fn hello_on(app: &TestApp, site: &str, token: Option<&str>, page: &str) -> (Ws, Value) {
    let mut ws = visitor(app, site).await;
    let mut hello = json!({"type": "hello", "site": site, "page": {"url": page, "title": "Shop"}});
    if let Some(token) = token {
        hello["token"] = token.into();
    }
    ws.send(hello).await;
    let welcome = ws.recv_type("welcome").await;
    (ws, welcome)
}

fn ids(frame: &Value) -> Vec<u64> {
    frame["triggers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect()
}

/// Sends a page frame and returns the `triggers` frame that answers it.
async fn visit(ws: &mut Ws, url: &str) -> Value {
    ws.send(json!({"type": "page", "url": url, "title": "Shop"}))
        .await;
    let frame = ws.recv_type("triggers").await;
    assert_eq!(frame["page"], url);
    frame
}

#[tokio::test]
async fn widgets_learn_only_the_triggers_that_apply_to_them_and_their_reactions_count() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let pricing = save_trigger(
        &app,
        &owner,
        &[
            ("name", "Pricing help"),
            ("url", "/pricing"),
            ("idle_secs", "3"),
            ("text_en", "Questions about <plans>?"),
            ("text_ja", "プランについてご質問は？"),
            ("every_days", "0"),
        ],
    )
    .await;
    let big_cart = save_trigger(
        &app,
        &owner,
        &[
            ("name", "Big cart"),
            ("min_cart_value", "10000"),
            ("kind", "answer"),
            ("text_en", "Free shipping over 10,000 yen."),
            ("link", "/help/shipping"),
        ],
    )
    .await;

    // On /pricing the widget is told about the pricing trigger, with its page conditions and texts as text.
    let (mut ws, _) = hello_on(&app, &site, None, "http://shop.test/pricing").await;
    let offered = ws.recv_type("triggers").await;
    assert_eq!(offered["page"], "http://shop.test/pricing");
    assert_eq!(ids(&offered), [pricing]);
    let t = &offered["triggers"][0];
    assert_eq!(t["kind"], "bubble");
    assert_eq!(t["idle_secs"], 3);
    assert_eq!(t["text_en"], "Questions about <plans>?");
    assert_eq!(t["text_ja"], "プランについてご質問は？");
    assert!(
        t.get("name").is_none(),
        "the trigger's internal name stays in the console: {t}"
    );

    // Elsewhere: an empty list replaces it. A cart over 10,000 brings the cart trigger, on any page.
    assert!(ids(&visit(&mut ws, "http://shop.test/about").await).is_empty());
    ws.send(json!({"type": "cart", "items": [{"sku": "A", "price": 6000, "quantity": 2}]}))
        .await;
    let with_cart = ws.recv_type("triggers").await;
    assert_eq!(ids(&with_cart), [big_cart]);
    assert_eq!(with_cart["triggers"][0]["link"], "/help/shipping");

    // Reactions count once per page, and only for what was offered here.
    ws.send(json!({"type": "trigger", "id": pricing, "reaction": "shown"}))
        .await;
    let refused = ws.recv_type("error").await;
    assert_eq!(
        refused["code"], "not_offered",
        "not in the current list: {refused}"
    );
    let back = visit(&mut ws, "http://shop.test/pricing").await;
    assert_eq!(ids(&back), [pricing, big_cart]);
    for _ in 0..2 {
        ws.send(json!({"type": "trigger", "id": pricing, "reaction": "shown"}))
            .await;
    }
    ws.send(json!({"type": "trigger", "id": 999, "reaction": "shown"}))
        .await;
    assert_eq!(ws.recv_type("error").await["code"], "not_offered");
    wait_counts(&app, &owner, pricing, [1, 0, 0, 0]).await;

    // Shown again on the next page view (every page), until dismissed: then never again for this visitor.
    let again = visit(&mut ws, "http://shop.test/pricing").await;
    assert_eq!(ids(&again), [pricing, big_cart]);
    ws.send(json!({"type": "trigger", "id": pricing, "reaction": "shown"}))
        .await;
    ws.send(json!({"type": "trigger", "id": pricing, "reaction": "dismissed"}))
        .await;
    wait_counts(&app, &owner, pricing, [2, 0, 1, 0]).await;
    assert_eq!(
        ids(&visit(&mut ws, "http://shop.test/pricing").await),
        [big_cart]
    );

    // Shown, then the visitor writes: the conversation is credited to the trigger. While it is open, no
    // trigger that keeps quiet during conversations is offered.
    ws.send(json!({"type": "trigger", "id": big_cart, "reaction": "shown"}))
        .await;
    ws.send(json!({"type": "message", "client_id": "m1", "body": "Is shipping free?"}))
        .await;
    ws.recv_type("ack").await;
    wait_counts(&app, &owner, big_cart, [1, 0, 0, 1]).await;
    let quiet = visit(&mut ws, "http://shop.test/pricing").await;
    assert!(ids(&quiet).is_empty(), "{quiet}");
    ws.close().await;

    // Its page in the console: the form filled in, and the before/after comparison waiting for a day.
    let edit = app
        .page(&owner, &format!("/settings/triggers/{pricing}"))
        .await;
    assert!(edit.contains("value=\"/pricing\""), "{edit}");
    assert!(
        edit.contains("Questions about &#60;plans&#62;?"),
        "escaped: {edit}"
    );
    assert!(edit.contains("The comparison starts once it has been on for a day."));

    // Only admins manage proactive messages.
    let invite = app.invite(&owner, "kenji@shop.example", "operator").await;
    let operator = app
        .accept_invite(&invite, "Kenji", "operator password 1")
        .await;
    for path in [
        "/settings/triggers",
        &format!("/settings/triggers/{pricing}"),
    ] {
        assert_eq!(
            app.get(&operator, path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_trigger_for_a_segment_reaches_the_widget_when_the_customer_enters_it() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let vip = save_segment(
        &app,
        &owner,
        None,
        "Big spenders",
        r#"events("purchase") >= 1"#,
        "",
        false,
    )
    .await;
    let segment = vip.to_string();
    let invite = save_trigger(
        &app,
        &owner,
        &[
            ("name", "Stylist"),
            ("segment", &segment),
            ("kind", "question"),
            ("text_en", "Can a stylist help me choose?"),
        ],
    )
    .await;
    // A segment that does not exist is refused with a message.
    let response = app
        .submit(
            &owner,
            "/settings/triggers",
            "/settings/triggers",
            &[
                ("name", "Ghost"),
                ("kind", "bubble"),
                ("segment", "4242"),
                ("text_en", "Hi"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("no such segment"));

    let (mut tab, welcome) = hello_on(&app, &site, None, "http://shop.test/").await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    let (mut other_tab, _) = hello_on(&app, &site, Some(&token), "http://shop.test/new").await;
    tab.send(json!({"type": "track", "name": "purchase", "properties": {}}))
        .await;
    // The tab that sent the purchase gets the new list with its answer; every tab of the customer is told
    // that the segments changed, and asks again.
    let offered = tab.recv_type("triggers").await;
    assert_eq!(ids(&offered), [invite]);
    assert_eq!(offered["triggers"][0]["kind"], "question");
    assert_eq!(
        offered["triggers"][0]["text_en"],
        "Can a stylist help me choose?"
    );
    other_tab.recv_type("triggers_changed").await;
    other_tab.send(json!({"type": "triggers"})).await;
    let asked = other_tab.recv_type("triggers").await;
    assert_eq!(asked["page"], "http://shop.test/new");
    assert_eq!(ids(&asked), [invite]);
    tab.close().await;
    other_tab.close().await;
    app.stop().await;
}

#[tokio::test]
async fn on_pricing_an_idle_visitor_gets_the_bubble_and_the_console_counts_what_happened() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = shop::open_shop(&app, &owner, "en").await;
    let id = save_trigger(
        &app,
        &owner,
        &[
            ("name", "Pricing help"),
            ("url", "/pricing"),
            ("idle_secs", "3"),
            ("text_en", "Not sure which plan fits? Ask me."),
            ("every_days", "0"),
        ],
    )
    .await;
    let browser = Browser::launch().await;
    let tip_shown = "!root.querySelector('.tip').hidden";

    // Not on another page, however long the visitor stays still.
    browser.goto(&format!("{}/about", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    let hidden = widget_js(
        &browser,
        "return !root.querySelector('.tip') || root.querySelector('.tip').hidden",
    )
    .await;
    assert_eq!(hidden, true, "no proactive message on /about");

    // On /pricing: not at once, but after 3 s without activity.
    browser.goto(&format!("{}/pricing", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    let loaded = Instant::now();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let early = widget_js(
        &browser,
        "return !root.querySelector('.tip') || root.querySelector('.tip').hidden",
    )
    .await;
    assert_eq!(early, true, "not before 3 s idle");
    wait_widget(&browser, tip_shown).await;
    assert!(loaded.elapsed() >= Duration::from_millis(2_500));
    let text = widget_js(
        &browser,
        "return root.querySelector('.tip .tx').textContent",
    )
    .await;
    assert_eq!(text, "Not sure which plan fits? Ask me.");
    let link = widget_js(
        &browser,
        "return getComputedStyle(root.querySelector('.tip .more')).display",
    )
    .await;
    assert_eq!(link, "none", "a bubble has no 'read more' link");
    let shot = browser.screenshot("trigger-bubble").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);

    // Dismissed: gone, and not shown again on the next visit to /pricing.
    widget_js(&browser, "root.querySelector('.tip .close').click()").await;
    wait_widget(&browser, "root.querySelector('.tip').hidden").await;
    wait_counts(&app, &owner, id, [1, 0, 1, 0]).await;
    browser.client().refresh().await.unwrap();
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    let after_dismiss = widget_js(
        &browser,
        "return !root.querySelector('.tip') || root.querySelector('.tip').hidden",
    )
    .await;
    assert_eq!(after_dismiss, true, "a dismissed message stays away");

    // A new visitor (after logout) gets it, clicks it: the chat opens with the message, and what they
    // write starts a conversation credited to the trigger.
    // (The console socket opens now: a test socket that is not read from would miss the server's pings.)
    let mut feed = console(&app, &owner).await;
    widget_js(&browser, "window.Sodan.reset()").await;
    browser.client().refresh().await.unwrap();
    wait_widget(&browser, tip_shown).await;
    widget_js(&browser, "root.querySelector('.tip .tx').click()").await;
    wait_widget(
        &browser,
        "root.querySelector('.panel').classList.contains('on') && root.querySelector('.log').textContent.includes('Not sure which plan fits?')",
    )
    .await;
    browser
        .client()
        .execute(
            "const root = document.getElementById('sodan-widget').shadowRoot; \
             root.querySelector('textarea').value = 'Which plan has the API?'; \
             root.querySelector('form').requestSubmit();",
            vec![],
        )
        .await
        .unwrap();
    let message = feed.recv_type("message").await;
    assert_eq!(message["message"]["body"], "Which plan has the API?");
    let conversation = message["message"]["conversation"].as_u64().unwrap();
    wait_counts(&app, &owner, id, [2, 1, 1, 1]).await;

    // The console shows the counts.
    browser.goto(&app.address).await;
    browser
        .sign_in(&app.address, OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    browser
        .goto(&format!("{}/settings/triggers", app.address))
        .await;
    let row = browser.text(&format!("tr[data-trigger='{id}']")).await;
    assert!(row.contains("Pricing help"), "{row}");
    assert_eq!(
        browser
            .text(&format!("tr[data-trigger='{id}'] .clicked"))
            .await,
        "1"
    );
    assert_eq!(
        browser
            .text(&format!("tr[data-trigger='{id}'] .conversations"))
            .await,
        "1"
    );
    let shot = browser.screenshot("trigger-settings").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);

    // The operator sees which proactive message started the conversation, and what it said.
    browser
        .goto(&format!("{}/inbox/{conversation}", app.address))
        .await;
    let started = browser.text("#started-by-trigger").await;
    assert!(
        started.contains("Pricing help") && started.contains("Not sure which plan fits?"),
        "{started}"
    );
    browser
        .client()
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .unwrap();
    let shot = browser.screenshot("trigger-conversation").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn answers_questions_and_exit_intent_show_when_their_page_conditions_hold() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    // A long page, so that scroll depth means something.
    let site = app.configure_widget(&owner, &[]).await;
    let html = shop::page_with_snippet(&app.address, &site, "Long page", "en").replace(
        "<p>Welcome",
        "<div style=\"height:4000px\"></div><p>Welcome",
    );
    let shop = shop::serve(html).await;
    app.configure_widget(&owner, &[&shop.origin]).await;
    let answer = save_trigger(
        &app,
        &owner,
        &[
            ("name", "Shipping answer"),
            ("url", "/items/*"),
            ("scroll_percent", "60"),
            ("kind", "answer"),
            ("text_en", "Free shipping over 10,000 yen."),
            ("link", "/help/shipping"),
        ],
    )
    .await;
    let leaving = save_trigger(
        &app,
        &owner,
        &[
            ("name", "Leaving the cart"),
            ("url", "/cart"),
            ("exit_intent", "on"),
            ("text_en", "Questions before you go?"),
        ],
    )
    .await;
    let question = save_trigger(
        &app,
        &owner,
        &[
            ("name", "Pay on delivery"),
            ("url", "/checkout"),
            ("time_on_page_secs", "1"),
            ("kind", "question"),
            ("text_en", "Can I pay on delivery?"),
        ],
    )
    .await;
    let browser = Browser::launch().await;
    let tip_hidden = "return !root.querySelector('.tip') || root.querySelector('.tip').hidden";

    // The answer waits for the visitor to scroll 60% down, then its link leads to the help page.
    browser.goto(&format!("{}/items/5", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        widget_js(&browser, tip_hidden).await,
        true,
        "not before scrolling"
    );
    browser
        .client()
        .execute("window.scrollTo(0, document.body.scrollHeight)", vec![])
        .await
        .unwrap();
    wait_widget(&browser, "!root.querySelector('.tip').hidden").await;
    let text = widget_js(
        &browser,
        "return root.querySelector('.tip .tx').textContent",
    )
    .await;
    assert_eq!(text, "Free shipping over 10,000 yen.");
    let shot = browser.screenshot("trigger-answer").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    widget_js(&browser, "root.querySelector('.tip .more').click()").await;
    browser
        .wait_until("location.pathname === '/help/shipping'")
        .await;
    wait_counts(&app, &owner, answer, [1, 1, 0, 0]).await;

    // Exit intent: the pointer leaving through the top of the window.
    browser.goto(&format!("{}/cart", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(
        widget_js(&browser, tip_hidden).await,
        true,
        "not while staying"
    );
    browser
        .client()
        .execute(
            "document.dispatchEvent(new MouseEvent('mouseout', {clientX: 300, clientY: -2, bubbles: true}))",
            vec![],
        )
        .await
        .unwrap();
    wait_widget(&browser, "!root.querySelector('.tip').hidden").await;
    widget_js(&browser, "root.querySelector('.tip .close').click()").await;
    wait_counts(&app, &owner, leaving, [1, 0, 1, 0]).await;

    // The question opens the chat with the text ready; sending it counts as taken up, and starts a
    // conversation credited to it. Closing the chat without sending would count as dismissed.
    browser.goto(&format!("{}/checkout", shop.origin)).await;
    wait_widget(
        &browser,
        "root.querySelector('.panel').classList.contains('on') && root.querySelector('textarea').value === 'Can I pay on delivery?'",
    )
    .await;
    let shot = browser.screenshot("trigger-question").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    widget_js(&browser, "root.querySelector('form').requestSubmit()").await;
    wait_widget(
        &browser,
        "[...root.querySelectorAll('.st')].some(e => e.textContent === 'Sent')",
    )
    .await;
    wait_counts(&app, &owner, question, [1, 1, 0, 1]).await;
    browser.close().await;
    app.stop().await;
}

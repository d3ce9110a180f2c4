//! What an owner or operator would otherwise trip over in the console, in a real browser: destructive
//! actions ask first.

use serde_json::json;

use crate::browser::Browser;
use crate::helpers::spawn_app;

/// Replaces `window.confirm` with one that answers `answer` and records the question.
async fn answer_confirm(browser: &Browser, answer: bool) {
    browser
        .client()
        .execute(
            &format!("window.asked = []; window.confirm = q => {{ window.asked.push(q); return {answer}; }};"),
            vec![],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn deleting_and_replacing_the_identity_secret_ask_first() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let saved = app
        .submit(
            &owner,
            "/settings/canned",
            "/settings/canned",
            &[("title", "Shipping"), ("body", "Two days.")],
        )
        .await;
    assert!(saved.status().is_redirection());
    let browser = Browser::owner(&app, "ja").await;

    browser.goto(&app.url("/settings/canned")).await;
    browser.wait_for("tr[data-canned]").await;
    answer_confirm(&browser, false).await;
    browser
        .click("tr[data-canned] form[data-confirm] button")
        .await;
    let asked = browser
        .client()
        .execute("return window.asked", vec![])
        .await
        .unwrap();
    assert_eq!(asked, json!(["完全に削除しますか？元に戻せません。"]));
    assert_eq!(browser.path().await, "/settings/canned");
    assert!(
        app.page(&owner, "/settings/canned")
            .await
            .contains("Shipping"),
        "kept when the answer is no"
    );
    answer_confirm(&browser, true).await;
    browser
        .click("tr[data-canned] form[data-confirm] button")
        .await;
    browser
        .wait_until("!document.querySelector('tr[data-canned]')")
        .await;
    assert!(
        !app.page(&owner, "/settings/canned")
            .await
            .contains("Shipping")
    );

    browser.goto(&app.url("/settings/widget")).await;
    let secret = browser.text("#identity-secret").await;
    answer_confirm(&browser, false).await;
    browser.click("#identity-secret-form button").await;
    let asked = browser
        .client()
        .execute("return window.asked.length", vec![])
        .await
        .unwrap();
    assert_eq!(asked, json!(1));
    assert_eq!(
        browser.text("#identity-secret").await,
        secret,
        "not replaced"
    );
    browser.close().await;
    app.stop().await;
}

/// Presses `key` as the page sees it (on `target`, a CSS selector, or the page itself).
async fn press(browser: &Browser, key: &str, target: Option<&str>) {
    let on = match target {
        Some(css) => format!("document.querySelector({})", json!(css)),
        None => "document.body".into(),
    };
    browser
        .client()
        .execute(
            &format!("{on}.dispatchEvent(new KeyboardEvent('keydown', {{key: {}, bubbles: true, cancelable: true}}))", json!(key)),
            vec![],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn one_click_actions_and_keyboard_shortcuts_change_a_conversation() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app
        .configure_widget(&owner, &[crate::ws::SHOP_ORIGIN])
        .await;
    let (_widget, conversation) = crate::ws::visitor_writes(&app, &site, "Hello").await;
    let browser = Browser::owner(&app, "en-US,en").await;
    browser
        .goto(&app.url(&format!("/inbox/{conversation}")))
        .await;

    // One click resolves; "e" reopens; "a" assigns to me; keys typed in the reply box stay there.
    browser.click("#quick-resolve").await;
    browser.wait_for("#quick-reopen").await;
    assert!(
        app.page(&owner, &format!("/inbox/{conversation}"))
            .await
            .contains("id=\"quick-reopen\"")
    );
    press(&browser, "e", None).await;
    browser.wait_for("#quick-resolve").await;
    press(&browser, "e", Some("#reply-body")).await;
    press(&browser, "a", None).await;
    browser
        .wait_until("!document.getElementById('quick-assign-me')")
        .await;
    let page = app.page(&owner, &format!("/inbox/{conversation}")).await;
    assert!(
        page.contains("id=\"quick-resolve\""),
        "typing e in the reply box changed nothing"
    );
    assert!(!page.contains("id=\"quick-assign-me\""), "assigned to me");

    // "?" lists the shortcuts, and closes the list again.
    press(&browser, "?", None).await;
    browser
        .wait_until("document.getElementById('shortcuts').open")
        .await;
    let list = browser.text("#shortcuts").await;
    assert!(
        list.contains("Resolve or reopen") && list.contains("Next conversation"),
        "{list}"
    );
    let shot = browser.screenshot("console-shortcuts").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    press(&browser, "?", None).await;
    browser
        .wait_until("!document.getElementById('shortcuts').open")
        .await;

    // "s" snoozes for a day.
    press(&browser, "s", None).await;
    browser
        .wait_until("!document.getElementById('quick-snooze')")
        .await;
    let page = app.page(&owner, &format!("/inbox/{conversation}")).await;
    assert!(
        page.contains("<option value=\"snoozed\" selected>"),
        "snoozed"
    );
    browser.close().await;
    app.stop().await;
}

/// Settings → Widget warns when the snippet points where visitors cannot (loopback) or should not (plain
/// HTTP) load the chat from; an HTTPS address gets no warning.
#[tokio::test]
async fn the_widget_settings_warn_about_a_loopback_or_plain_http_public_url() {
    for (public_url, warning) in [
        (None, Some("only this machine can reach")),
        (Some("http://chat.shop.example"), Some("plain HTTP")),
        (Some("https://chat.shop.example"), None),
    ] {
        let (app, _dir) = crate::helpers::spawn_app_with(|c| {
            c.public_url = public_url.map(str::to_owned);
        })
        .await;
        let owner = app.set_up_owner().await;
        let page = app.page(&owner, "/settings/widget").await;
        match warning {
            Some(text) => {
                let shown = page
                    .split("id=\"public-url-warning\"")
                    .nth(1)
                    .unwrap_or_else(|| panic!("{public_url:?}: no warning"));
                assert!(
                    shown.split("</p>").next().unwrap().contains(text),
                    "{public_url:?}: {shown}"
                );
            }
            None => assert!(!page.contains("public-url-warning"), "{public_url:?}"),
        }
        app.stop().await;
    }
}

/// The steps of the first-run checklist on the inbox and whether each is ticked; `None` when not shown.
fn checklist(page: &str) -> Option<Vec<bool>> {
    let list = page
        .split("id=\"first-run\"")
        .nth(1)?
        .split("</section>")
        .next()?;
    Some(
        list.split("<li")
            .skip(1)
            .map(|li| li.starts_with(" class=\"done\""))
            .collect(),
    )
}

/// A new shop's empty inbox says what to do next, ticks each step once done, and steps aside when the
/// first conversation arrives.
#[tokio::test]
async fn the_empty_inbox_shows_a_first_run_checklist_until_the_first_conversation() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    assert_eq!(
        checklist(&app.page(&owner, "/inbox").await),
        Some(vec![false, false, false])
    );
    let site = app
        .configure_widget(&owner, &[crate::ws::SHOP_ORIGIN])
        .await;
    app.invite(&owner, "kenji@shop.example", "operator").await;
    let page = app.page(&owner, "/inbox").await;
    assert_eq!(checklist(&page), Some(vec![true, true, false]), "{page}");
    assert!(page.contains("href=\"/settings/hours\""));
    crate::ws::visitor_writes(&app, &site, "Hello").await;
    assert_eq!(checklist(&app.page(&owner, "/inbox").await), None);
    app.stop().await;
}

/// Browsers keep a page's audio off until the user interacts with it (the autoplay policy): the console
/// says so, and its one button turns the new-message sound on.
#[tokio::test]
async fn the_console_says_the_sound_is_off_until_a_click_and_one_click_turns_it_on() {
    let (app, _dir) = spawn_app().await;
    app.set_up_owner().await;
    let browser = Browser::owner(&app, "en-US,en").await;
    browser.goto(&app.url("/inbox")).await;
    browser
        .wait_until("!document.getElementById('sound-blocked').hidden && !document.getElementById('notify-enable').hidden")
        .await;
    let shot = browser.screenshot("console-sound-blocked").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    browser.click("#notify-enable").await;
    browser
        .wait_until("document.getElementById('sound-blocked').hidden")
        .await;
    browser.close().await;
    app.stop().await;
}

/// Every time in the console reads in the shop's time zone (Asia/Tokyo here, on a browser and server
/// running in UTC): the live-formatted inbox row and the server-written "last seen" alike.
#[tokio::test]
async fn times_read_in_the_shops_time_zone_everywhere() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let hours = app
        .submit(
            &owner,
            "/settings/hours",
            "/settings/hours",
            &[
                ("enabled", "on"),
                ("zone", "Asia/Tokyo"),
                ("day0", "00:00-24:00"),
            ],
        )
        .await;
    assert!(hours.status().is_redirection(), "{}", hours.status());
    let site = app
        .configure_widget(&owner, &[crate::ws::SHOP_ORIGIN])
        .await;
    let (_widget, conversation) = crate::ws::visitor_writes(&app, &site, "Hello").await;
    let browser = Browser::owner(&app, "ja").await;
    browser
        .goto(&app.url(&format!("/inbox/{conversation}")))
        .await;
    browser.wait_for("#conversations time[data-ts]").await;
    let row: serde_json::Value = browser
        .client()
        .execute(
            "const t = document.querySelector('#conversations time[data-ts]'); return [t.getAttribute('data-ts'), t.textContent]",
            vec![],
        )
        .await
        .unwrap();
    let ms: u64 = row[0].as_str().unwrap().parse().unwrap();
    // Tokyo is UTC+9 all year.
    let minutes = (ms / 1000 / 60 + 9 * 60) % (24 * 60);
    let tokyo = format!("{}:{:02}", minutes / 60, minutes % 60);
    assert!(
        row[1].as_str().unwrap().contains(&tokyo),
        "row {row} should read {tokyo}"
    );
    let header = browser.text("#presence").await;
    assert!(header.contains("JST"), "{header}");
    browser.close().await;
    app.stop().await;
}

//! The console in a real browser: setup, sign-in, the console shell, sign-out.

use crate::browser::Browser;
use crate::helpers::{OWNER_EMAIL, OWNER_PASSWORD, spawn_app};

#[tokio::test]
async fn setup_then_sign_in_then_console_shell() {
    let (app, _dir) = spawn_app().await;
    let browser = Browser::launch().await;

    browser.goto(app.setup_url.as_deref().unwrap()).await;
    browser
        .fill("#setup-form input[name=email]", OWNER_EMAIL)
        .await;
    browser
        .fill("#setup-form input[name=name]", "Hana Owner")
        .await;
    browser
        .fill("#setup-form input[name=password]", OWNER_PASSWORD)
        .await;
    browser
        .fill("#setup-form input[name=password_confirm]", OWNER_PASSWORD)
        .await;
    browser.screenshot("setup-form").await;
    browser.click("#setup-form button[type=submit]").await;
    browser.wait_for("#inbox-empty").await;
    assert_eq!(browser.path().await, "/inbox");
    assert_eq!(browser.text("#me-name").await, "Hana Owner");

    browser.click("#sign-out").await;
    browser.wait_for("#login-form").await;
    assert_eq!(browser.path().await, "/login");

    browser
        .fill("#login-form input[name=email]", OWNER_EMAIL)
        .await;
    browser
        .fill("#login-form input[name=password]", "wrong password!")
        .await;
    browser.click("#login-form button[type=submit]").await;
    let error = browser.text("#login-form ~ p.error, p.error").await;
    assert!(error.contains("incorrect"), "{error}");

    browser
        .sign_in(&app.address, OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    let nav = browser.text("header nav").await;
    for item in ["Inbox", "Customers", "Settings"] {
        assert!(nav.contains(item), "{item} missing from navigation: {nav}");
    }
    // The stylesheet loaded (CSP allows our own assets): the top bar is dark.
    let background = browser
        .client()
        .execute(
            "return getComputedStyle(document.querySelector('.topbar')).backgroundColor",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(background, "rgb(13, 17, 23)");
    let shot = browser.screenshot("console-shell").await;
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 5_000,
        "a real screenshot"
    );

    browser.click("header nav a[href='/settings']").await;
    let team = browser.text("#team").await;
    assert!(team.contains(OWNER_EMAIL), "{team}");
    browser.screenshot("console-settings").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_japanese_browser_gets_the_japanese_console() {
    let (app, _dir) = spawn_app().await;
    app.set_up_owner().await;
    let browser = Browser::launch_in("ja,en").await;
    browser.goto(&app.url("/login")).await;
    assert_eq!(browser.text("h1").await, "Sodan にログイン");
    browser
        .sign_in(&app.address, OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    let nav = browser.text("header nav").await;
    assert!(
        nav.contains("受信箱") && nav.contains("顧客") && nav.contains("設定"),
        "{nav}"
    );
    let lang = browser
        .client()
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap();
    assert_eq!(lang, "ja");
    browser.screenshot("console-shell-ja").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_console_whose_operator_is_disabled_goes_to_sign_in() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let link = app.invite(&owner, "kenji@shop.example", "operator").await;
    app.accept_invite(&link, "Kenji Operator", "kenji's long password")
        .await;
    let browser = Browser::launch().await;
    browser
        .sign_in(&app.address, "kenji@shop.example", "kenji's long password")
        .await;

    let team = app.page(&owner, "/settings").await;
    let disable = team
        .split("action=\"")
        .find(|s| s.starts_with("/settings/operators/") && s.contains("/disable"))
        .and_then(|s| s.split('"').next())
        .expect("a disable button")
        .to_owned();
    app.submit(&owner, "/settings", &disable, &[]).await;

    // The server cuts the console's socket; the page sees its session is gone and shows sign-in.
    browser.wait_until("location.pathname === '/login'").await;
    browser.wait_for("#login-form").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn the_rule_builder_writes_the_rule_text_and_reads_it_back() {
    let (app, _dir) = spawn_app().await;
    app.set_up_owner().await;
    let browser = Browser::launch().await;
    browser
        .sign_in(&app.address, OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    browser
        .goto(&format!("{}/settings/segments", app.address))
        .await;
    browser.wait_for("#rule-builder .rule-group").await;
    let text = "document.getElementById('rule-text').value";
    browser
        .click("#rule-builder .rule-group > button:not(.secondary)")
        .await;
    browser
        .wait_until(&format!("{text} === 'all(visits >= 1)'"))
        .await;
    // An attribute condition: pick "attr.", type the key and the value.
    browser
        .wait_until(
            "(function () {
               var row = document.querySelector('#rule-builder .rule-row');
               var field = row.querySelector('select');
               field.value = 'attr.'; field.dispatchEvent(new Event('change'));
               return true;
             })()",
        )
        .await;
    browser.wait_for("#rule-builder .rule-key").await;
    browser
        .wait_until(
            "(function () {
               var key = document.querySelector('#rule-builder .rule-key');
               key.value = 'plan'; key.dispatchEvent(new Event('input'));
               var value = document.querySelector('#rule-builder .rule-value');
               value.value = 'gold'; value.dispatchEvent(new Event('input'));
               return true;
             })()",
        )
        .await;
    browser
        .wait_until(&format!("{text} === 'all(attr.plan = \"gold\")'"))
        .await;
    // A nested OR group with a page-view count.
    browser
        .click("#rule-builder .rule-group > button.secondary")
        .await;
    browser
        .click("#rule-builder .rule-group .rule-group > button:not(.secondary)")
        .await;
    browser
        .wait_until(
            "(function () {
               var inner = document.querySelector('#rule-builder .rule-group .rule-group');
               var field = inner.querySelector(':scope > ul > .rule-row > select');
               field.value = 'pages'; field.dispatchEvent(new Event('change'));
               return true;
             })()",
        )
        .await;
    let wanted = r#"all(attr.plan = \"gold\", any(pages(\"/*\", 30d) >= 1))"#;
    browser
        .wait_until(&format!("{text} === \"{wanted}\""))
        .await;
    browser
        .fill("#segment-form input[name=name]", "Gold browsers")
        .await;
    browser.screenshot("segment-builder").await;
    browser.click("#segment-form button[type=submit]").await;
    browser.wait_for("#segments tbody tr").await;
    let row = browser.text("#segments tbody tr").await;
    assert!(row.contains("Gold browsers"), "{row}");
    assert!(
        row.contains(r#"all(attr.plan = "gold", any(pages("/*", 30d) >= 1))"#),
        "{row}"
    );
    // Editing loads the rule back into the builder unchanged.
    browser.click("#segments tbody tr a").await;
    browser
        .wait_for("#rule-builder .rule-group .rule-group")
        .await;
    browser
        .wait_until(&format!("{text} === \"{wanted}\""))
        .await;
    browser.close().await;
    app.stop().await;
}

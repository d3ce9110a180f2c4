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

//! What an owner or operator would otherwise trip over in the console, in a real browser: destructive
//! actions ask first.

use serde_json::json;

use crate::browser::Browser;
use crate::helpers::{OWNER_EMAIL, OWNER_PASSWORD, spawn_app};

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
    let browser = Browser::launch_in("ja").await;
    browser
        .sign_in(&app.address, OWNER_EMAIL, OWNER_PASSWORD)
        .await;

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

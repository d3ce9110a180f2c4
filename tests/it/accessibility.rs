//! Accessibility (WCAG 2.2 AA) as axe-core (npm `axe-core`, installed into the build's temporary folder the
//! first time, injected into each page by the test) finds it: no critical or serious violation on every
//! console page, in both languages, at 1366x768 and 390x844.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::spawn_app;
use crate::ws::{SHOP_ORIGIN, visitor_writes};

/// The axe-core version the pages are held to.
const AXE: &str = "axe-core@4";

/// axe-core's browser build, installed once (tests run at the same time must not run two `npm install`s
/// into one folder: one would find the other's files half written).
fn axe_source() -> String {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("axe");
    let file = dir.join("node_modules/axe-core/axe.min.js");
    if !file.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&dir)
            .arg(AXE)
            .status()
            .expect("npm runs");
        assert!(status.success(), "npm install {AXE} failed");
    }
    std::fs::read_to_string(file).unwrap()
}

/// The critical and serious violations axe finds on the page open in `browser`: `rule: target (why)`.
pub async fn violations(browser: &Browser, axe: &str) -> Vec<String> {
    browser
        .client()
        .execute(&format!("{axe}\n;return true;"), vec![])
        .await
        .expect("axe loads");
    let found: Value = browser
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document).then(r => done(r.violations.filter(v => v.impact === 'critical' || v.impact === 'serious') \
               .flatMap(v => v.nodes.map(n => v.id + ': ' + n.target.join(' ') + ' (' + (n.failureSummary || '').split('\\n').slice(1, 2).join('') + ')')))) \
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe runs");
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The violations that remain on a settled page: a page still drawing its live parts on a busy machine
/// (the inbox filling in, a connection line) is checked again a moment later, and what is still there counts.
async fn settled_violations(browser: &Browser, axe: &str) -> Vec<String> {
    let first = violations(browser, axe).await;
    if first.is_empty() {
        return first;
    }
    eprintln!("axe, first look: {first:?}; looking again");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    violations(browser, axe).await
}

#[tokio::test]
async fn console_pages_have_no_serious_accessibility_violations() {
    let axe = tokio::task::spawn_blocking(axe_source).await.unwrap();
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (_w, conversation) = visitor_writes(&app, &site, "Hello").await;
    let inbox = app.page(&owner, &format!("/inbox/{conversation}")).await;
    let customer = inbox
        .split("data-visitor=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the customer")
        .to_owned();
    let pages = [
        format!("/customers/{customer}"),
        "/inbox".to_owned(),
        format!("/inbox/{conversation}"),
        "/customers".to_owned(),
        "/reports".to_owned(),
        "/settings".to_owned(),
        "/settings/widget".to_owned(),
        "/settings/hours".to_owned(),
        "/settings/canned".to_owned(),
        "/settings/faq".to_owned(),
        "/settings/segments".to_owned(),
        "/settings/triggers".to_owned(),
        "/settings/email".to_owned(),
        "/settings/email/mailbox".to_owned(),
        "/settings/line".to_owned(),
        "/settings/webhooks".to_owned(),
        "/settings/api".to_owned(),
        "/settings/ai".to_owned(),
        "/settings/privacy".to_owned(),
        "/settings/customers".to_owned(),
        "/settings/audit".to_owned(),
        "/customers/import".to_owned(),
        "/account".to_owned(),
        "/account/2fa".to_owned(),
        "/account/push".to_owned(),
    ];
    let mut all = Vec::new();
    for lang in ["en-US,en", "ja"] {
        let browser = Browser::owner(&app, lang).await;
        for (w, h) in [(1366, 768), (390, 844)] {
            browser.resize(w, h).await;
            for page in &pages {
                browser.goto(&app.url(page)).await;
                browser
                    .wait_until("document.readyState === 'complete'")
                    .await;
                for v in settled_violations(&browser, &axe).await {
                    all.push(format!("{lang} {w}x{h} {page}: {v}"));
                }
            }
        }
        browser.close().await;
    }
    let signed_out = Browser::launch().await;
    for page in ["/login", "/login/code", "/password/forgot"] {
        signed_out.goto(&app.url(page)).await;
        for v in violations(&signed_out, &axe).await {
            all.push(format!("signed out {page}: {v}"));
        }
    }
    signed_out.close().await;
    assert_eq!(all, Vec::<String>::new(), "{}", json!(all));
    app.stop().await;
}

#[tokio::test]
async fn the_widget_has_no_serious_accessibility_violations_closed_open_with_the_bot_and_rating() {
    use crate::widget_browser::{wait_widget, widget_js};
    let axe = tokio::task::spawn_blocking(axe_source).await.unwrap();
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    crate::faq::set_up_faq(&app, &owner, "always").await;
    let mut all = Vec::new();
    for lang in ["en", "ja"] {
        let (shop, _site) = crate::shop::open_shop(&app, &owner, lang).await;
        for (w, h) in [(1366, 768), (390, 844)] {
            let browser = Browser::launch_in(lang).await;
            browser.resize(w, h).await;
            browser.goto(&format!("{}/item/1", shop.origin)).await;
            wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
            let mut check = async |state: &str| {
                for v in violations(&browser, &axe).await {
                    all.push(format!("{lang} {w}x{h} {state}: {v}"));
                }
            };
            check("closed").await;
            crate::widget_browser::open_widget(&browser).await;
            wait_widget(&browser, "!root.querySelector('.bot').hidden").await;
            check("open, the bot's menu").await;
            // Opened just before the message it waits for (a console socket left unread is dropped).
            let mut feed = crate::ws::console(&app, &owner).await;
            widget_js(
                &browser,
                "root.querySelector('textarea').value = 'A question'; root.querySelector('form').requestSubmit();",
            )
            .await;
            wait_widget(
                &browser,
                "root.querySelector('.log').textContent.includes('A question')",
            )
            .await;
            check("open, a message").await;
            let conversation = feed
                .recv_matching(|f| f["type"] == "message" && f["message"]["body"] == "A question")
                .await["message"]["conversation"]
                .as_u64()
                .unwrap();
            let resolved = app
                .submit(
                    &owner,
                    &format!("/inbox/{conversation}"),
                    &format!("/inbox/{conversation}/status"),
                    &[("status", "resolved")],
                )
                .await;
            assert!(resolved.status().is_redirection());
            wait_widget(&browser, "!root.querySelector('.rate').hidden").await;
            for v in violations(&browser, &axe).await {
                all.push(format!("{lang} {w}x{h} rating: {v}"));
            }
            browser.close().await;
        }
    }
    assert_eq!(all, Vec::<String>::new(), "{}", json!(all));
    app.stop().await;
}

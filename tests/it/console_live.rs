//! The console kept live in a real browser: inbox rows that arrive or change show what a reloaded page
//! shows (the customer's name, the assignee), and the customer card's cart, visits and last seen follow
//! the visitor without a reload.

use serde_json::json;
use sodan::customers::identity::user_hash;

use crate::browser::Browser;
use crate::customers::identity_secret;
use crate::helpers::{OWNER_EMAIL, OWNER_PASSWORD, spawn_app};
use crate::shop;
use crate::widget_browser::{wait_widget, widget_js};
use crate::ws;

/// The parts of the inbox row of `conversation` (title | count | preview | meta; empty when not listed).
async fn row(browser: &Browser, conversation: u64) -> String {
    let text = browser
        .client()
        .execute(
            &format!(
                "const li = document.querySelector('#conversations li[data-id=\"{conversation}\"]'); \
                 return li ? [...li.querySelectorAll('span')].map(s => s.textContent.replace(/\\s+/g, ' ').trim()).join(' | ') : ''"
            ),
            vec![],
        )
        .await
        .unwrap();
    text.as_str().unwrap().to_owned()
}

/// The text of the card's `field` row.
async fn card_field(browser: &Browser, field: &str) -> String {
    let text = browser
        .client()
        .execute(
            &format!(
                "const d = document.querySelector('#customer-card [data-field=\"{field}\"] dd'); \
                 return d ? d.textContent.replace(/\\s+/g, ' ').trim() : ''"
            ),
            vec![],
        )
        .await
        .unwrap();
    text.as_str().unwrap().to_owned()
}

#[tokio::test]
async fn live_rows_and_card_fields_match_what_a_reload_shows() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = shop::open_shop(&app, &owner, "en").await;
    let secret = identity_secret(&app, &owner).await;
    let invite = app.invite(&owner, "kenji@shop.example", "operator").await;
    app.accept_invite(&invite, "Kenji Sato", "a long enough password")
        .await;
    let mut feed = ws::console(&app, &owner).await;

    let (operator, customer) = feed
        .pump(async {
            let operator = Browser::launch().await;
            operator
                .sign_in(&app.address, OWNER_EMAIL, OWNER_PASSWORD)
                .await;
            operator.goto(&app.url("/inbox?view=all")).await;
            operator.wait_for("#conversations").await;
            // A verified customer writes: the new row carries their name, not "Visitor #N".
            let customer = Browser::launch().await;
            customer.goto(&format!("{}/item/1", shop.origin)).await;
            wait_widget(&customer, "!root.querySelector('.launch').hidden").await;
            (operator, customer)
        })
        .await;
    let hash = user_hash(&secret, "cust-7");
    customer
        .client()
        .execute(
            &format!("Sodan.identify('cust-7', {{name: 'Aiko Tanaka'}}, '{hash}')"),
            vec![],
        )
        .await
        .unwrap();
    crate::widget_browser::open_widget(&customer).await;
    widget_js(
        &customer,
        "root.querySelector('textarea').value = 'Is the tea in stock?'; \
         root.querySelector('form').requestSubmit();",
    )
    .await;
    let conversation = feed
        .recv_type_within("message", std::time::Duration::from_secs(120))
        .await["message"]["conversation"]
        .as_u64()
        .unwrap();
    let selector = format!("#conversations li[data-id=\"{conversation}\"]");
    operator
        .wait_until(&format!(
            "!!document.querySelector('{}')",
            selector.replace('\'', "\\'")
        ))
        .await;
    let live = row(&operator, conversation).await;
    assert!(live.contains("Aiko Tanaka"), "{live}");
    assert!(!live.contains("Visitor #"), "{live}");

    // Assigned elsewhere (another tab, another operator): the row names the assignee, as a reload does.
    let kenji = app
        .page(&owner, "/settings")
        .await
        .split("data-operator=\"")
        .skip(1)
        .find(|s| s.contains("Kenji Sato"))
        .and_then(|s| s.split('"').next().map(str::to_owned));
    let kenji = kenji.expect("Kenji is listed in Settings");
    let assigned = app
        .submit(
            &owner,
            &format!("/inbox/{conversation}"),
            &format!("/inbox/{conversation}/assign"),
            &[("operator", kenji.as_str())],
        )
        .await;
    assert!(assigned.status().is_redirection());
    operator
        .wait_until(&format!(
            "(document.querySelector('{}') || {{textContent: ''}}).textContent.includes('Kenji Sato')",
            selector.replace('\'', "\\'")
        ))
        .await;
    let live = row(&operator, conversation).await;
    operator.client().refresh().await.unwrap();
    operator.wait_for("#conversations").await;
    let reloaded = row(&operator, conversation).await;
    assert_eq!(live, reloaded, "a live row reads like a reloaded one");

    // The card follows the visitor: cart, visits (with page views) and last seen change without a reload,
    // to what a reload shows.
    operator
        .goto(&app.url(&format!("/inbox/{conversation}")))
        .await;
    operator.wait_for("#customer-card").await;
    let visits_before = card_field(&operator, "visits").await;
    assert_eq!(card_field(&operator, "cart").await, "—");
    customer
        .client()
        .execute(
            "Sodan.setCart([{sku: 'TEA-1', name: 'Sencha', price: 3800, quantity: 2}])",
            vec![],
        )
        .await
        .unwrap();
    operator
        .wait_until("(document.querySelector('#customer-card [data-field=\"cart\"] dd') || {textContent: ''}).textContent.includes('Sencha')")
        .await;
    customer.goto(&format!("{}/item/2", shop.origin)).await;
    operator
        .wait_until(&format!(
            "(document.querySelector('#customer-card [data-field=\"visits\"] dd') || {{textContent: ''}}).textContent.replace(/\\s+/g, ' ').trim() !== {}",
            json!(visits_before)
        ))
        .await;
    let fields = ["cart", "visits", "last_seen", "current_page"];
    let mut live = Vec::new();
    for field in fields {
        live.push(card_field(&operator, field).await);
    }
    assert!(live[0].contains("Sencha × 2"), "{live:?}");
    assert!(
        live[3].contains("/item/2") || live[3].contains("Test Shop"),
        "{live:?}"
    );
    operator.client().refresh().await.unwrap();
    operator.wait_for("#customer-card").await;
    let mut reloaded = Vec::new();
    for field in fields {
        reloaded.push(card_field(&operator, field).await);
    }
    assert_eq!(live, reloaded, "the live card reads like a reloaded one");
    let shot = operator.screenshot("console-live-card").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    customer.close().await;
    operator.close().await;
    app.stop().await;
}

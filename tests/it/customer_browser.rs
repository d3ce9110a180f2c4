//! The customer card end to end in real browsers: a shop page identifies its signed-in customer, sets an
//! attribute, tracks a viewed item and fills the cart, the customer opens a chat, and the operator sees the
//! card in the order the admin chose; a note by one operator is seen by another.

use reqwest::StatusCode;
use serde_json::json;
use sodan::customers::identity::user_hash;

use crate::browser::Browser;
use crate::customers::identity_secret;
use crate::helpers::{OWNER_EMAIL, OWNER_PASSWORD, spawn_app};
use crate::shop;
use crate::widget_browser::{wait_widget, widget_js};
use crate::ws;

/// Reverses the HTML escaping of a text shown in a page.
fn unescape(html: &str) -> String {
    html.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&lt;", "<")
        .replace("&#62;", ">")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The API stub Settings → Widget gives the admin to paste before the snippet.
pub async fn api_stub(app: &crate::helpers::TestApp, owner: &crate::helpers::Agent) -> String {
    let settings = app.page(owner, "/settings/widget").await;
    unescape(
        settings
            .split("<textarea id=\"api-stub\"")
            .nth(1)
            .and_then(|s| s.split_once('>'))
            .and_then(|(_, s)| s.split("</textarea>").next())
            .expect("the API stub is shown"),
    )
}

/// A shop page that uses the JavaScript API before the widget has loaded (through the stub the admin
/// copies from Settings → Widget).
fn shop_page(stub: &str, sodan: &str, site: &str, hash: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Shop</title></head><body>\
         <h1>Tea shop</h1>\
         <script>var titles = {{'/item/tea': 'Sencha Green Tea', '/cart': 'Your cart'}};\
         document.title = titles[location.pathname] || 'Tea shop';</script>\
         {stub}\
         <script>\
         Sodan.identify('cust-42', {{name: 'Aiko Tanaka', email: 'aiko@example.jp'}}, '{hash}');\
         Sodan.set({{plan: 'gold', tag: '<img src=x onerror=alert(1)>'}});\
         if (location.pathname === '/item/tea') Sodan.track('view_item', {{sku: 'TEA-1', name: 'Sencha Green Tea', price: 1200}});\
         if (location.pathname === '/cart') Sodan.setCart([{{sku: 'TEA-1', name: 'Sencha Green Tea', price: 1200, quantity: 2}}]);\
         </script>\
         <script src=\"{sodan}/widget.js\" data-site=\"{site}\" async></script></body></html>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_sees_the_customer_card_in_the_admins_order_and_shared_notes() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[]).await;
    let secret = identity_secret(&app, &owner).await;
    let stub = api_stub(&app, &owner).await;
    let shop = shop::serve(shop_page(
        &stub,
        &app.address,
        &site,
        &user_hash(&secret, "cust-42"),
    ))
    .await;
    app.configure_widget(&owner, &[&shop.origin]).await;

    // The admin declares "plan" and chooses the card: name, plan, current page, previous pages, cart, device.
    let declared = app
        .submit(
            &owner,
            "/settings/customers",
            "/settings/customers/attributes",
            &[("key", "plan"), ("label", "Plan"), ("kind", "text")],
        )
        .await;
    assert_eq!(declared.status(), StatusCode::OK);
    let order = [
        "name",
        "attr:plan",
        "current_page",
        "recent_pages",
        "cart",
        "device",
        "attributes",
    ];
    let mut form: Vec<(String, String)> = Vec::new();
    for (i, field) in order.iter().enumerate() {
        form.push(("show".into(), (*field).into()));
        form.push((format!("order_{field}"), (i + 1).to_string()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = app
        .submit(
            &owner,
            "/settings/customers",
            "/settings/customers/card",
            &form,
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);

    // The customer browses two pages, then writes.
    let mut console = ws::console(&app, &owner).await;
    let customer = Browser::launch().await;
    customer.goto(&format!("{}/item/tea", shop.origin)).await;
    wait_widget(&customer, "!root.querySelector('.launch').hidden").await;
    customer.goto(&format!("{}/cart", shop.origin)).await;
    wait_widget(&customer, "!root.querySelector('.launch').hidden").await;
    crate::widget_browser::open_widget(&customer).await;
    widget_js(
        &customer,
        "root.querySelector('textarea').value = 'Where is my order?'; root.querySelector('form').requestSubmit();",
    )
    .await;
    let message = console.recv_type("message").await;
    let conversation = message["message"]["conversation"].as_u64().unwrap();

    // The operator opens the conversation: the card, in the chosen order.
    let operator = Browser::launch().await;
    operator
        .sign_in(&app.address, OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    operator
        .goto(&app.url(&format!("/inbox/{conversation}")))
        .await;
    operator.wait_for("#customer-card").await;
    let fields = operator
        .client()
        .execute(
            "return [...document.querySelectorAll('#customer-card .card-field')].map(e => e.dataset.field)",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fields, json!(order));
    let row = |field: &str| {
        let css = format!("#customer-card [data-field='{field}'] dd");
        let operator = &operator;
        async move { operator.text(&css).await }
    };
    assert_eq!(row("name").await, "Aiko Tanaka");
    assert_eq!(row("attr:plan").await, "gold");
    assert_eq!(row("current_page").await, "Your cart");
    let pages = row("recent_pages").await;
    assert!(
        pages.contains("Your cart") && pages.contains("Sencha Green Tea"),
        "{pages}"
    );
    let cart = row("cart").await;
    assert!(
        cart.contains("Sencha Green Tea × 2 — ¥2,400") && cart.contains("¥2,400"),
        "{cart}"
    );
    let device = row("device").await;
    assert!(device.contains("Linux"), "{device}");
    // Markup sent by a shop page stays text on the card.
    let other = row("attributes").await;
    assert!(
        other.contains("tag: <img src=x onerror=alert(1)>"),
        "{other}"
    );
    let images = operator
        .client()
        .execute(
            "return document.querySelectorAll('#customer-card img').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(images, json!(0));
    let label = operator
        .text("#customer-card [data-field='attr:plan'] dt")
        .await;
    // (Labels are shown in capitals by the stylesheet.)
    assert_eq!(label.to_lowercase(), "plan", "the admin's label");

    // A note by this operator is seen by another.
    operator
        .fill("#note-body", "Prefers delivery on weekends")
        .await;
    operator.click("#note-form button[type=submit]").await;
    operator
        .wait_until("document.querySelector('#customer-notes').textContent.includes('Prefers delivery on weekends')")
        .await;
    let shot = operator.screenshot("customer-card").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    let link = app.invite(&owner, "kenji@shop.example", "operator").await;
    let kenji = app
        .accept_invite(&link, "Kenji", "kenji's long password")
        .await;
    let page = app.page(&kenji, &format!("/inbox/{conversation}")).await;
    assert!(page.contains("Prefers delivery on weekends"), "{page}");

    // The customer page shows the timeline with the tracked event.
    let customer_id = operator
        .client()
        .execute(
            "return document.getElementById('customer-card').dataset.customer",
            vec![],
        )
        .await
        .unwrap();
    let timeline = app
        .page(
            &kenji,
            &format!("/customers/{}", customer_id.as_str().unwrap()),
        )
        .await;
    assert!(timeline.contains("view_item"), "{timeline}");
    assert!(timeline.contains("Where is my order?"), "{timeline}");
    let list = app.page(&kenji, "/customers?q=plan:gold").await;
    assert!(list.contains("Aiko Tanaka"), "{list}");
    customer.close().await;
    operator.close().await;
    app.stop().await;
}

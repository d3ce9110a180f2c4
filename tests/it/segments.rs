//! Segments over the real server: live entry on an event and exit when its window passes, routing of new
//! conversations, and the back-fill of 10,000 customers while chat goes on.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Agent, TestApp, hidden_field, spawn_app};
use crate::ws::{SHOP_ORIGIN, Ws, console, visitor_hello};

/// Creates (or, with `id`, changes) a segment in Settings → Segments; returns its id.
pub async fn save_segment(
    app: &TestApp,
    admin: &Agent,
    id: Option<u64>,
    name: &str,
    rule: &str,
    route_to: &str,
    priority: bool,
) -> u64 {
    let id_text = id.map(|i| i.to_string()).unwrap_or_default();
    let mut form = vec![
        ("id", id_text.as_str()),
        ("name", name),
        ("rule", rule),
        ("route_to", route_to),
    ];
    if priority {
        form.push(("priority", "on"));
    }
    let response = app
        .submit(admin, "/settings/segments", "/settings/segments", &form)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "segment saved");
    let page = app.page(admin, "/settings/segments").await;
    let row = page
        .split("<tr data-segment=\"")
        .skip(1)
        .find(|row| row.contains(&format!(">{name}</a>")))
        .expect("the segment is listed");
    row.split('"').next().unwrap().parse().unwrap()
}

/// The member count shown in Settings → Segments, once no back-fill is running.
pub async fn members(app: &TestApp, admin: &Agent, id: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let page = app.page(admin, "/settings/segments").await;
        if !page.contains("id=\"backfill\"") {
            let row = page
                .split(&format!("<tr data-segment=\"{id}\""))
                .nth(1)
                .expect("segment row");
            let cell = row.split("class=\"members\">").nth(1).unwrap();
            let count = cell.split('>').nth(1).unwrap().split('<').next().unwrap();
            return count.parse().unwrap();
        }
        assert!(Instant::now() < deadline, "the back-fill finishes");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for the console's next `segments` frame about `visitor`.
async fn segments_frame(console: &mut Ws, visitor: u64) -> Value {
    loop {
        let frame = console.recv_type("segments").await;
        if frame["visitor_id"] == visitor {
            return frame;
        }
    }
}

fn names(frame: &Value) -> Vec<String> {
    frame["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_event_puts_a_customer_in_a_segment_live_and_leaving_its_window_takes_them_out() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let buyers = save_segment(
        &app,
        &owner,
        None,
        "Recent buyers",
        r#"events("purchase", 3s, total > 10000) >= 1"#,
        "",
        false,
    )
    .await;
    let mut feed = console(&app, &owner).await;
    let (mut widget, welcome) = visitor_hello(&app, &site, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();

    // A small purchase does not qualify; a large one does, and the console hears of it at once.
    widget
        .send(json!({"type": "track", "name": "purchase", "properties": {"total": 500}}))
        .await;
    widget
        .send(json!({"type": "track", "name": "purchase", "properties": {"total": 12000}}))
        .await;
    let bought = Instant::now();
    let entered = feed.recv_type("segments").await;
    assert_eq!(names(&entered), ["Recent buyers"]);
    let visitor = entered["visitor_id"].as_u64().unwrap();
    assert_eq!(members(&app, &owner, buyers).await, 1);
    let list = app
        .page(&owner, &format!("/customers?segment={buyers}"))
        .await;
    assert!(
        list.contains(&format!("<tr data-id=\"{visitor}\">")),
        "{list}"
    );

    // Three seconds after the purchase it is out of the window: the customer leaves, without new data.
    let left = segments_frame(&mut feed, visitor).await;
    let after = bought.elapsed();
    assert!(names(&left).is_empty(), "{left}");
    assert!(
        after >= Duration::from_millis(2_900),
        "not before the window ends: {after:?}"
    );
    assert_eq!(members(&app, &owner, buyers).await, 0);
    widget.close().await;

    // The card shows segments: back in after another purchase, seen on the customer's page.
    let (mut widget, _) = visitor_hello(&app, &site, Some(&token)).await;
    widget
        .send(json!({"type": "track", "name": "purchase", "properties": {"total": 20000}}))
        .await;
    assert_eq!(
        names(&segments_frame(&mut feed, visitor).await),
        ["Recent buyers"]
    );
    let page = app.page(&owner, &format!("/customers/{visitor}")).await;
    let card = page.split("data-field=\"segments\"").nth(1).unwrap();
    let card = card.split("</div>").next().unwrap();
    assert!(card.contains("Recent buyers"), "{card}");
}

#[tokio::test]
async fn new_conversations_of_a_routed_segment_go_to_its_operator_and_come_first() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let invite = app.invite(&owner, "stylist@example.jp", "operator").await;
    let _stylist = app
        .accept_invite(&invite, "Yui Stylist", "a long enough password")
        .await;
    let settings = app.page(&owner, "/settings/segments").await;
    let stylist_id = settings
        .split("<option value=\"")
        .skip(1)
        .find(|o| o.contains(">Yui Stylist<"))
        .and_then(|o| o.split('"').next())
        .expect("the operator can be chosen")
        .to_owned();
    let vip = save_segment(
        &app,
        &owner,
        None,
        "VIP",
        r#"any(attr.plan = "gold", cart.value >= 50000)"#,
        &stylist_id,
        true,
    )
    .await;
    let mut feed = console(&app, &owner).await;

    // A VIP writes first, then an ordinary visitor.
    let (mut vip_widget, _) = visitor_hello(&app, &site, None).await;
    vip_widget
        .send(json!({"type": "set", "attributes": {"plan": "Gold"}}))
        .await;
    let joined = feed.recv_type("segments").await;
    assert_eq!(names(&joined), ["VIP"]);
    vip_widget
        .send(json!({"type": "message", "client_id": "v1", "body": "Which size fits me?"}))
        .await;
    vip_widget.recv_type("ack").await;
    let routed = feed.recv_type("conversation").await;
    assert_eq!(
        routed["conversation"]["assignee"].to_string(),
        stylist_id,
        "{routed}"
    );
    let (mut other, _) = visitor_hello(&app, &site, None).await;
    other
        .send(json!({"type": "message", "client_id": "o1", "body": "Do you ship abroad?"}))
        .await;
    other.recv_type("ack").await;
    let plain = loop {
        let frame = feed.recv_type("conversation").await;
        if frame["conversation"]["id"] != routed["conversation"]["id"] {
            break frame;
        }
    };
    assert_eq!(plain["conversation"]["assignee"], Value::Null);

    // The inbox lists the VIP's conversation first although the other is newer, marked as priority.
    let inbox = app.page(&owner, "/inbox").await;
    let first = inbox.split("<li data-id=\"").nth(1).unwrap();
    assert!(
        first.starts_with(&format!("{}\" class=\"", routed["conversation"]["id"])),
        "{first}"
    );
    assert!(first.split('>').next().unwrap().contains("priority"));
    // Filtered on the segment, only the VIP's conversation is listed.
    let filtered = app.page(&owner, &format!("/inbox?segment={vip}")).await;
    assert_eq!(filtered.matches("<li data-id=\"").count(), 1, "{filtered}");
}

#[tokio::test]
async fn editing_a_segment_back_fills_ten_thousand_customers_while_chat_goes_on() {
    // One visitor keeps writing while the back-fill runs: beyond a visitor's budget.
    let (app, _dir) =
        crate::helpers::spawn_app_with(|c| c.budgets = sodan::budgets::Budgets::unbounded()).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let mut csv = String::from("id,name,rank\n");
    for i in 0..10_000 {
        let rank = if i % 4 == 0 { "gold" } else { "silver" };
        csv.push_str(&format!("c-{i},Customer {i},{rank}\n"));
    }
    let preview = app
        .submit(
            &owner,
            "/customers/import",
            "/customers/import/preview",
            &[("csv", &csv)],
        )
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let csrf = hidden_field(&preview.text().await.unwrap(), "csrf").unwrap();
    let form = [
        ("csrf", csrf.as_str()),
        ("csv", csv.as_str()),
        ("map_0", "external_id"),
        ("map_1", "name"),
        ("map_2", "attr:rank"),
    ];
    let report = app.post(&owner, "/customers/import", &form).await;
    assert_eq!(report.status(), StatusCode::OK);
    assert!(
        report
            .text()
            .await
            .unwrap()
            .contains("id=\"import-created\">10000<")
    );

    let (mut widget, _) = visitor_hello(&app, &site, None).await;
    let mut latencies = Vec::new();
    let mut during = 0;
    let mut segment = None;
    for (round, rule) in [r#"attr.rank = "gold""#, r#"attr.rank = "silver""#]
        .into_iter()
        .enumerate()
    {
        let id = save_segment(&app, &owner, segment, "Ranked", rule, "", false).await;
        segment = Some(id);
        // Chat goes on while the back-fill runs: each message is acknowledged promptly.
        for n in 0..20 {
            let sent = Instant::now();
            widget
                .send(json!({"type": "message", "client_id": format!("m{round}-{n}"), "body": "still there?"}))
                .await;
            widget.recv_type("ack").await;
            latencies.push(sent.elapsed());
            let page = app.page(&owner, "/settings/segments").await;
            if !page.contains("id=\"backfill\"") {
                break;
            }
            during += 1;
        }
        // On a busy machine the back-fill may outlast those messages: wait for it to finish.
        let deadline = Instant::now() + Duration::from_secs(180);
        while app
            .page(&owner, "/settings/segments")
            .await
            .contains("id=\"backfill\"")
        {
            assert!(
                Instant::now() < deadline,
                "the back-fill of {rule} did not finish within 180 s"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let expected = if round == 0 { 2_500 } else { 7_500 };
        assert_eq!(members(&app, &owner, id).await, expected, "{rule}");
    }
    let slowest = latencies.iter().max().unwrap();
    assert!(
        during >= 1,
        "at least one message was acknowledged while a back-fill ran"
    );
    // How long they waited is the benchmark's to measure (`cargo bench --bench load -- segments`).
    println!("the slowest acknowledgement during the back-fill took {slowest:?}");
    let list = app
        .page(&owner, &format!("/customers?segment={}", segment.unwrap()))
        .await;
    assert!(list.contains("Customer 9999") && !list.contains("Customer 9996<"));
}

#[tokio::test]
async fn an_inbox_filtered_by_segment_adds_new_conversations_of_members_live() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let gold = save_segment(
        &app,
        &owner,
        None,
        "Gold",
        r#"attr.plan = "gold""#,
        "",
        false,
    )
    .await;
    let browser = crate::browser::Browser::launch().await;
    browser
        .sign_in(
            &app.address,
            crate::helpers::OWNER_EMAIL,
            crate::helpers::OWNER_PASSWORD,
        )
        .await;
    browser
        .goto(&format!("{}/inbox?segment={gold}", app.address))
        .await;
    browser.wait_for("#inbox[data-segment]").await;
    // Give the console's socket a moment to connect.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let (mut outsider, _) = visitor_hello(&app, &site, None).await;
    outsider
        .send(json!({"type": "message", "client_id": "o1", "body": "Not gold"}))
        .await;
    let outsider_conversation = outsider.recv_type("ack").await["conversation"].clone();
    let (mut member, _) = visitor_hello(&app, &site, None).await;
    member
        .send(json!({"type": "set", "attributes": {"plan": "gold"}}))
        .await;
    member
        .send(json!({"type": "message", "client_id": "g1", "body": "Gold question"}))
        .await;
    let conversation = member.recv_type("ack").await["conversation"].clone();
    browser
        .wait_until(&format!(
            "!!document.querySelector('#conversations li[data-id=\"{conversation}\"]')"
        ))
        .await;
    let outsider_listed = browser
        .client()
        .execute(
            &format!(
                "return !!document.querySelector('#conversations li[data-id=\"{outsider_conversation}\"]')"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        outsider_listed, false,
        "a non-member's conversation stays out"
    );
    browser.close().await;
    app.stop().await;
}

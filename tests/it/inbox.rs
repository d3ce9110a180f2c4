//! The console inbox over HTTP: replies and notes from forms, statuses and views, assignment, labels,
//! search, reopening, and paging through messages.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Agent, TestApp, location, spawn_app};
use crate::ws::{self, SHOP_ORIGIN, Ws};

async fn conversation_with(app: &TestApp, site: &str, text: &str) -> (Ws, u64) {
    let (mut visitor, _) = ws::visitor_hello(app, site, None).await;
    visitor
        .send(json!({ "type": "message", "client_id": "first", "body": text }))
        .await;
    let conversation = visitor.recv_type("ack").await["conversation"]
        .as_u64()
        .unwrap();
    (visitor, conversation)
}

async fn act(
    app: &TestApp,
    agent: &Agent,
    conversation: u64,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = format!("/inbox/{conversation}");
    app.submit(
        agent,
        &page,
        &format!("/inbox/{conversation}/{action}"),
        fields,
    )
    .await
}

#[tokio::test]
async fn replies_and_notes_from_the_form_reach_the_right_people() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (mut visitor, conversation) =
        conversation_with(&app, &site, "Where is my order #123?").await;

    let list = app.page(&owner, "/inbox").await;
    assert!(
        list.contains("Where is my order #123?"),
        "the inbox lists it"
    );
    assert!(list.contains("class=\"count\">1<"), "one unread message");
    let view = app.page(&owner, &format!("/inbox/{conversation}")).await;
    assert!(view.contains("Where is my order #123?"));
    assert!(
        view.contains("http://shop.test/item/1"),
        "where the visitor is"
    );
    // Loading the page changes nothing (no state change on GET: a cross-site link could load it)...
    assert!(
        visitor
            .collect_type("read", std::time::Duration::from_secs(1))
            .await
            .is_empty(),
        "a GET sends no read receipt"
    );
    // ...the console says it read the conversation over its socket.
    let mut console = ws::console(&app, &owner).await;
    console
        .send(json!({"type": "read", "conversation": conversation, "up_to_seq": 1}))
        .await;
    assert_eq!(
        visitor.recv_type("read").await["up_to_seq"],
        1,
        "reading it marks it read for the visitor"
    );

    let response = act(
        &app,
        &owner,
        conversation,
        "messages",
        &[
            ("body", "Shipped yesterday!"),
            ("back", "view=all&status=open"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response),
        format!("/inbox/{conversation}?view=all&status=open")
    );
    loop {
        let frame = visitor.recv_type("message").await;
        if frame["message"]["author"]["kind"] == "operator" {
            assert_eq!(frame["message"]["body"], "Shipped yesterday!");
            break;
        }
    }
    act(
        &app,
        &owner,
        conversation,
        "messages",
        &[("body", "customer seems upset"), ("note", "on")],
    )
    .await;
    assert!(
        visitor
            .collect_type("message", std::time::Duration::from_millis(500))
            .await
            .is_empty(),
        "notes stay in the team"
    );
    let view = app.page(&owner, &format!("/inbox/{conversation}")).await;
    assert!(
        view.contains("msg team note"),
        "the note is marked as a note"
    );

    let empty = act(&app, &owner, conversation, "messages", &[("body", "  ")]).await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    assert!(empty.text().await.unwrap().contains("empty"));
    app.stop().await;
}

#[tokio::test]
async fn statuses_views_assignment_labels_and_search_filter_the_inbox() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (_a, first) = conversation_with(&app, &site, "refund for the blue scarf").await;
    let (mut b, second) = conversation_with(&app, &site, "gift wrapping?").await;

    act(&app, &owner, first, "status", &[("status", "resolved")]).await;
    let open = app.page(&owner, "/inbox?status=open").await;
    assert!(!open.contains("blue scarf") && open.contains("gift wrapping"));
    let resolved = app.page(&owner, "/inbox?status=resolved").await;
    assert!(resolved.contains("blue scarf"));

    act(&app, &owner, second, "assign", &[("operator", "1")]).await;
    assert!(
        app.page(&owner, "/inbox?view=mine")
            .await
            .contains("gift wrapping")
    );
    assert!(
        !app.page(&owner, "/inbox?view=unassigned")
            .await
            .contains("gift wrapping")
    );
    let bad = act(&app, &owner, second, "assign", &[("operator", "999")]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    act(
        &app,
        &owner,
        second,
        "labels",
        &[("labels", "gift, VIP, gift")],
    )
    .await;
    let view = app.page(&owner, &format!("/inbox/{second}")).await;
    assert!(
        view.contains("value=\"gift, VIP\""),
        "labels kept once each"
    );

    let snooze = act(
        &app,
        &owner,
        second,
        "status",
        &[("status", "snoozed"), ("snooze_hours", "0")],
    )
    .await;
    assert_eq!(snooze.status(), StatusCode::BAD_REQUEST);
    act(
        &app,
        &owner,
        second,
        "status",
        &[("status", "snoozed"), ("snooze_hours", "4")],
    )
    .await;
    assert!(
        app.page(&owner, "/inbox?status=snoozed")
            .await
            .contains("gift wrapping")
    );

    let found = app.page(&owner, "/inbox?q=SCARF").await;
    assert!(
        found.contains("blue scarf") && !found.contains("gift wrapping"),
        "search is case-insensitive over messages"
    );
    assert!(
        app.page(&owner, "/inbox?q=nothing-like-this")
            .await
            .contains("No conversation matches")
    );

    // A new visitor message reopens a snoozed or resolved conversation.
    b.send(json!({ "type": "message", "client_id": "again", "body": "hello again" }))
        .await;
    b.recv_type("ack").await;
    assert!(
        app.page(&owner, "/inbox?status=open")
            .await
            .contains("hello again")
    );
    app.stop().await;
}

#[tokio::test]
async fn messages_page_back_and_catch_up_by_sequence() {
    // One visitor writes hundreds of messages as fast as the test can: beyond any visitor's budget.
    let (app, _dir) =
        crate::helpers::spawn_app_with(|c| c.budgets = sodan::budgets::Budgets::unbounded()).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (mut visitor, conversation) = conversation_with(&app, &site, "message 1").await;
    for i in 2..=60 {
        visitor.send(json!({ "type": "message", "client_id": format!("m{i}"), "body": format!("message {i}") })).await;
        visitor.recv_type("ack").await;
    }
    let view = app.page(&owner, &format!("/inbox/{conversation}")).await;
    assert!(
        view.contains("message 60") && !view.contains(">message 10<"),
        "the latest 50 first"
    );
    assert!(view.contains("id=\"load-earlier\""));

    let earlier: Vec<Value> = owner
        .get(app.url(&format!("/inbox/{conversation}/messages?before=11")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seqs: Vec<u64> = earlier.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=10).collect::<Vec<_>>());
    let missed: Vec<Value> = owner
        .get(app.url(&format!("/inbox/{conversation}/messages?after=58")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        missed
            .iter()
            .map(|m| m["seq"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [59, 60]
    );
    let anonymous = app
        .get(&app.client(), &format!("/inbox/{conversation}/messages"))
        .await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&owner, "/inbox/9999").await.status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

/// The console's form (no JavaScript) takes a reply as long as a message may be: 5,000 Japanese characters
/// are 45 KB once percent-encoded.
#[tokio::test]
async fn the_plain_reply_form_takes_a_reply_of_the_longest_message() {
    let (app, _dir) = crate::helpers::spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app
        .configure_widget(&owner, &[crate::ws::SHOP_ORIGIN])
        .await;
    let (mut ws, _) = crate::ws::visitor_hello(&app, &site, None).await;
    ws.send(
        serde_json::json!({"type": "message", "client_id": "m1", "body": "長い説明をお願いします"}),
    )
    .await;
    let conversation = ws.recv_type("ack").await["conversation"].as_u64().unwrap();
    let long = "説".repeat(sodan::conversations::MAX_BODY_CHARS);
    let page = format!("/inbox/{conversation}");
    let response = app
        .submit(
            &owner,
            &page,
            &format!("{page}/messages"),
            &[("body", &long)],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    let reply = ws.recv_type("message").await;
    assert_eq!(
        reply["message"]["body"].as_str().unwrap().chars().count(),
        sodan::conversations::MAX_BODY_CHARS
    );
    app.stop().await;
}

//! The customer's right to their data: the export holds everything about the customer and nothing about
//! anyone else, from the console (admins) and from the API.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sodan::customers::identity::user_hash;

use crate::customer_api::{api_token, call};
use crate::customers::identity_secret;
use crate::helpers::{TestApp, spawn_app};
use crate::ws::{SHOP_ORIGIN, visitor_hello};

/// A customer who identifies as `user`, visits a page, tracks an event and writes `said`; returns their id.
async fn customer(
    app: &TestApp,
    site: &str,
    secret: &str,
    user: &str,
    email: &str,
    said: &str,
) -> u64 {
    let (mut ws, _) = visitor_hello(app, site, None).await;
    ws.send(
        json!({"type": "identify", "user_id": user, "user_hash": user_hash(secret, user),
        "traits": {"name": format!("Name of {user}"), "email": email, "plan": "gold"}}),
    )
    .await;
    ws.recv_type("identified").await;
    ws.send(
        json!({"type": "page", "url": format!("http://shop.test/items/{user}"), "title": "Item"}),
    )
    .await;
    ws.send(
        json!({"type": "track", "name": format!("viewed_{user}"), "properties": {"sku": user}}),
    )
    .await;
    ws.send(json!({"type": "message", "client_id": "m1", "body": said}))
        .await;
    let ack = ws.recv_type("ack").await;
    ws.close().await;
    ack["conversation"].as_u64().unwrap()
}

#[tokio::test]
async fn the_export_holds_everything_about_the_customer_and_nothing_about_others() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let secret = identity_secret(&app, &owner).await;
    let a = customer(
        &app,
        &site,
        &secret,
        "aiko",
        "aiko@example.jp",
        "Aiko asks about sizes",
    )
    .await;
    customer(
        &app,
        &site,
        &secret,
        "ben",
        "ben@example.com",
        "Ben asks about returns",
    )
    .await;
    // The team's note and reply on Aiko's conversation.
    let conversation = app.page(&owner, &format!("/inbox/{a}")).await;
    let customer_id: u64 = conversation
        .split("data-customer=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("the card names the customer");
    let response = app
        .submit(
            &owner,
            &format!("/customers/{customer_id}"),
            &format!("/customers/{customer_id}/notes"),
            &[("body", "Prefers e-mail")],
        )
        .await;
    assert!(response.status().is_redirection(), "{}", response.status());

    let token = api_token(&app, &owner, &["customers:read"]).await;
    let (status, export) = call(
        &app,
        Method::GET,
        "/api/v1/customers/aiko/export",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(export["customer"]["email"], "aiko@example.jp");
    assert_eq!(export["customer"]["attributes"]["plan"], "gold");
    let text = export.to_string();
    for about_aiko in [
        "Aiko asks about sizes",
        "viewed_aiko",
        "http://shop.test/items/aiko",
        "Prefers e-mail",
        "Name of aiko",
    ] {
        assert!(
            text.contains(about_aiko),
            "the export has {about_aiko:?}: {text}"
        );
    }
    for about_ben in [
        "ben@example.com",
        "Ben asks about returns",
        "viewed_ben",
        "items/ben",
        "Name of ben",
    ] {
        assert!(
            !text.contains(about_ben),
            "nothing about others: {about_ben:?}"
        );
    }
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/v1/customers/nobody/export",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // From the console: admins download it; operators may not.
    let download = app
        .get(&owner, &format!("/customers/{customer_id}/export"))
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    let disposition = download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let body: serde_json::Value = download.json().await.unwrap();
    assert_eq!(body["customer"]["email"], "aiko@example.jp");
    let invite = app.invite(&owner, "kenji@shop.example", "operator").await;
    let operator = app
        .accept_invite(&invite, "Kenji", "operator password 1")
        .await;
    let refused = app
        .get(&operator, &format!("/customers/{customer_id}/export"))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // Both exports are in the audit log, naming who and which customer, not their data.
    let audit = app.page(&owner, "/settings/audit").await;
    assert_eq!(audit.matches("customer.export").count(), 2, "{audit}");
    assert!(audit.contains("API token") && audit.contains("Hana Owner"));
    assert!(audit.contains(&format!("customer {customer_id}")));
    assert!(
        !audit.contains("aiko@example.jp"),
        "no personal data in the log"
    );
    assert!(audit.contains("api_token.create"));
    // Every admin form is recorded: the widget settings saved at the start, the invitation.
    for action in ["settings.widget", "operator.invite"] {
        assert!(audit.contains(action), "{action} in {audit}");
    }
    assert!(!audit.contains("kenji@shop.example"));
    // An operator's own actions (a personal canned reply) are not admin actions.
    let saved = app
        .submit(
            &operator,
            "/settings/canned",
            "/settings/canned",
            &[
                ("shortcut", "thanks"),
                ("title", "Thanks"),
                ("body", "Thank you!"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert!(
        !app.page(&owner, "/settings/audit")
            .await
            .contains("settings.canned")
    );
    assert_eq!(
        app.get(&operator, "/settings/audit").await.status(),
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}

/// "Conversations started" in the report of the last 365 days.
async fn reported_total(app: &TestApp, owner: &crate::helpers::Agent) -> String {
    // Back to a year ago: the aged conversations are that old.
    let now = sodan::clock::now();
    let range = format!(
        "from={}&to={}",
        sodan::clock::date(now - 365 * 86_400),
        sodan::clock::date(now)
    );
    let page = app.page(owner, &format!("/reports?{range}")).await;
    page.split("data-table=\"summary\"")
        .nth(1)
        .and_then(|s| s.split("<td>").nth(1))
        .and_then(|s| s.split('<').next())
        .expect("the report's summary")
        .to_owned()
}

/// Deletes customer `customer` from their page as `owner` would, keeping their conversations as
/// anonymised shells or removing them (`mode`: "shells" or "remove"); the form's answer.
pub(crate) async fn delete_customer(
    app: &TestApp,
    owner: &crate::helpers::Agent,
    customer: impl std::fmt::Display,
    mode: &str,
) -> reqwest::Response {
    let page = format!("/customers/{customer}");
    app.submit(
        owner,
        &page,
        &format!("{page}/delete"),
        &[("conversations", mode)],
    )
    .await
}

/// The customer id the conversation's card names.
pub(crate) async fn customer_of(
    app: &TestApp,
    owner: &crate::helpers::Agent,
    conversation: u64,
) -> u64 {
    app.page(owner, &format!("/inbox/{conversation}"))
        .await
        .split("data-customer=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("the card names the customer")
}

#[tokio::test]
async fn deleting_a_customer_leaves_no_trace_of_their_personal_data_in_the_store() {
    let (app, dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let secret = identity_secret(&app, &owner).await;
    // Webhook deliveries carry customer data too (the receiver is down, so they stay queued).
    let response = app
        .submit(
            &owner,
            "/settings/webhooks",
            "/settings/webhooks",
            &[
                ("url", "http://127.0.0.1:9/hook"),
                ("event", "customer.updated"),
                ("event", "message.created"),
                ("event", "conversation.created"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let (mut aiko, welcome) = visitor_hello(&app, &site, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    aiko.send(json!({"type": "identify", "user_id": "u-4471", "user_hash": user_hash(&secret, "u-4471"),
        "traits": {"name": "Aiko Tanaka", "email": "aiko.tanaka@example.jp", "phone": "090-1234-5678",
                   "plan": "gold"}}))
        .await;
    aiko.recv_type("identified").await;
    aiko.send(json!({"type": "page", "url": "http://shop.test/checkout?email=aiko.tanaka@example.jp", "title": "Checkout"}))
        .await;
    aiko.send(json!({"type": "track", "name": "purchase", "properties": {"total": 4200, "ship_to": "Aiko Tanaka, Shibuya"}}))
        .await;
    aiko.send(json!({"type": "message", "client_id": "a1", "body": "I am Aiko Tanaka, my parcel did not arrive"}))
        .await;
    let a = aiko.recv_type("ack").await["conversation"]
        .as_u64()
        .unwrap();
    let upload = crate::attachments::upload(
        &app,
        &site,
        &token,
        "aiko-tanaka-receipt.png",
        crate::attachments::PNG.to_vec(),
    )
    .await;
    assert_eq!(upload.status(), StatusCode::CREATED);
    let b = customer(
        &app,
        &site,
        &secret,
        "ben",
        "ben@example.com",
        "Ben asks about returns",
    )
    .await;
    let mut console = crate::ws::console(&app, &owner).await;
    console
        .send(
            json!({"type": "message", "conversation": a, "client_id": "r1",
        "body": "Sorry Aiko Tanaka, we will resend it"}),
        )
        .await;
    console.recv_type("ack").await;
    let aiko_id = customer_of(&app, &owner, a).await;
    let response = app
        .submit(
            &owner,
            &format!("/customers/{aiko_id}"),
            &format!("/customers/{aiko_id}/notes"),
            &[("body", "Aiko Tanaka prefers e-mail")],
        )
        .await;
    assert!(response.status().is_redirection());
    let uploads = dir.path().join("uploads");
    assert_eq!(std::fs::read_dir(&uploads).unwrap().count(), 1);
    let before = crate::aging::every_table(dir.path()).await;
    let traces = [
        "Aiko Tanaka",
        "aiko.tanaka@example.jp",
        "090-1234-5678",
        "u-4471",
    ];
    for trace in traces {
        assert!(before.contains(trace), "the scan sees {trace:?} before");
    }

    // Operators may not delete; a form without the choice is refused with a reason.
    let invite = app.invite(&owner, "kenji@shop.example", "operator").await;
    let operator = app
        .accept_invite(&invite, "Kenji", "operator password 1")
        .await;
    let page = format!("/customers/{aiko_id}");
    let action = format!("/customers/{aiko_id}/delete");
    let refused = app
        .submit(&operator, "/inbox", &action, &[("conversations", "shells")])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let unclear = app.submit(&owner, &page, &action, &[]).await;
    assert_eq!(unclear.status(), StatusCode::BAD_REQUEST);
    assert!(unclear.text().await.unwrap().contains("shells or remove"));

    let deleted = app
        .submit(&owner, &page, &action, &[("conversations", "shells")])
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert!(aiko.closed_within(std::time::Duration::from_secs(5)).await);

    let after = crate::aging::every_table(dir.path()).await;
    for trace in traces.into_iter().chain([
        "parcel did not arrive",
        "we will resend it",
        "prefers e-mail",
        "Shibuya",
        "aiko-tanaka-receipt",
        "Checkout",
    ]) {
        assert!(!after.contains(trace), "{trace:?} is gone from the store");
    }
    assert_eq!(
        std::fs::read_dir(&uploads).unwrap().count(),
        0,
        "the attachment's file is gone"
    );
    // Ben is untouched (so the scan does read what is there), and Aiko's conversation is an empty shell.
    assert!(after.contains("ben@example.com") && after.contains("Ben asks about returns"));
    let shell = app.page(&owner, &format!("/inbox/{a}")).await;
    assert!(!shell.contains("Aiko"));
    assert_eq!(
        app.get(&owner, &format!("/customers/{aiko_id}/export"))
            .await
            .status(),
        StatusCode::OK,
        "the shell's owner is an empty record"
    );
    let customers = app.page(&owner, "/customers").await;
    assert!(!customers.contains("Aiko") && customers.contains("Name of ben"));

    // The audit log names the deletion by id only.
    let audit = app.page(&owner, "/settings/audit").await;
    assert!(audit.contains("customer.delete"), "{audit}");
    assert!(audit.contains(&format!(
        "customer {aiko_id} (conversations kept as anonymised shells)"
    )));
    assert!(!audit.contains("Aiko"));

    // Removing entirely takes the conversation too.
    let ben_id = customer_of(&app, &owner, b).await;
    let removed = app
        .submit(
            &owner,
            &format!("/customers/{ben_id}"),
            &format!("/customers/{ben_id}/delete"),
            &[("conversations", "remove")],
        )
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&owner, &format!("/inbox/{b}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let last = crate::aging::every_table(dir.path()).await;
    assert!(!last.contains("ben@example.com") && !last.contains("Ben asks"));
    assert!(
        last.contains(&format!(
            "{{\"k\":{a},\"t\":\"conversation_id_conversation\""
        )),
        "the shell stays"
    );
    assert!(!last.contains(&format!(
        "{{\"k\":{b},\"t\":\"conversation_id_conversation\""
    )));
    app.stop().await;
}

#[tokio::test]
async fn retention_removes_old_history_and_resolved_conversations_and_the_counts_still_add_up() {
    use crate::aging::{DAY_MS, restored_with, shift};
    let (app, dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let secret = identity_secret(&app, &owner).await;
    // Mika browses an old page and a new one, tracks an old and a new event, and chats (old, resolved).
    let (mut mika, _) = visitor_hello(&app, &site, None).await;
    mika.send(
        json!({"type": "identify", "user_id": "mika", "user_hash": user_hash(&secret, "mika"),
        "traits": {"name": "Mika"}}),
    )
    .await;
    mika.recv_type("identified").await;
    for page in ["old-page", "new-page"] {
        mika.send(json!({"type": "page", "url": format!("http://shop.test/{page}")}))
            .await;
        mika.send(json!({"type": "track", "name": page.replace("-page", "_event")}))
            .await;
    }
    mika.send(json!({"type": "message", "client_id": "m1", "body": "old question"}))
        .await;
    let old_resolved = mika.recv_type("ack").await["conversation"]
        .as_u64()
        .unwrap();
    mika.close().await;
    let old_open = customer(&app, &site, &secret, "nao", "nao@example.jp", "still open").await;
    let new_resolved = customer(&app, &site, &secret, "rui", "rui@example.jp", "recent").await;
    for c in [old_resolved, new_resolved] {
        let response = app
            .submit(
                &owner,
                &format!("/inbox/{c}"),
                &format!("/inbox/{c}/status"),
                &[("status", "resolved")],
            )
            .await;
        assert!(response.status().is_redirection());
    }
    let mika_id = customer_of(&app, &owner, old_resolved).await;
    let before = app
        .get(&owner, &format!("/customers/{mika_id}/export"))
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert!(before["page_views"].to_string().contains("old-page"));

    // A year later for the old rows.
    let year = 365 * DAY_MS;
    let aged = restored_with(dir.path(), move |table, key, value| match table {
        "visitorid_n_pageview" if value["url"].as_str().unwrap().contains("old-page") => {
            shift(value, "at", year)
        }
        "visitorid_n_event" if value["name"] == "old_event" => shift(value, "at", year),
        "conversation_id_conversation" | "conversation_id_fact"
            if [old_resolved, old_open].contains(&key.as_u64().unwrap()) =>
        {
            shift(value, "last_activity_at", year);
            shift(value, "created_at", year);
        }
        "activityms_conversationid" | "startedms_conversationid"
            if [old_resolved, old_open].contains(&key[1].as_u64().unwrap()) =>
        {
            key[0] = json!(key[0].as_u64().unwrap() - year);
        }
        _ => {}
    })
    .await;
    app.stop().await;
    let app = crate::helpers::spawn_app_in(aged.path()).await;
    let owner = app.client();
    app.login(
        &owner,
        crate::helpers::OWNER_EMAIL,
        crate::helpers::OWNER_PASSWORD,
    )
    .await;

    let started_before = reported_total(&app, &owner).await;
    assert_eq!(started_before, "3");
    let refused = app
        .submit(
            &owner,
            "/settings/privacy",
            "/settings/privacy",
            &[("history_days", "-3")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("whole number"));
    let saved = app
        .submit(
            &owner,
            "/settings/privacy",
            "/settings/privacy",
            &[("history_days", "90"), ("conversation_months", "6")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let after = loop {
        let export = app
            .get(&owner, &format!("/customers/{mika_id}/export"))
            .await
            .json::<serde_json::Value>()
            .await
            .unwrap();
        if export["conversations"].as_array().unwrap().is_empty() {
            break export;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "retention ran: {export}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let text = after.to_string();
    assert!(
        text.contains("new-page") && text.contains("new_event"),
        "{text}"
    );
    assert!(
        !text.contains("old-page") && !text.contains("old_event"),
        "{text}"
    );
    // The lifetime counts still count what was removed.
    assert_eq!(after["customer"]["counts"], before["customer"]["counts"]);
    assert!(
        after["page_views"].as_array().unwrap().len()
            < before["page_views"].as_array().unwrap().len()
    );
    assert_eq!(
        app.get(&owner, &format!("/inbox/{old_resolved}"))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "the old resolved conversation is gone"
    );
    for kept in [old_open, new_resolved] {
        assert_eq!(
            app.get(&owner, &format!("/inbox/{kept}")).await.status(),
            StatusCode::OK,
            "an open or recent conversation stays"
        );
    }
    let page = app.page(&owner, "/settings/privacy").await;
    assert!(page.contains("value=\"90\"") && page.contains("value=\"6\""));
    assert_eq!(
        reported_total(&app, &owner).await,
        started_before,
        "reports still count the removed conversation"
    );
    app.stop().await;
}

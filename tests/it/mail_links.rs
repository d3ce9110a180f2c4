//! Links in mails are capabilities with limits: a forged one costs the server no write, a conversation
//! link stops working after its lifetime (the expiry is part of what is signed), and deleting a customer
//! ends their links, even to the anonymised conversation left behind.

use std::time::Duration;

use reqwest::StatusCode;

use crate::email::{customer, link, reply, set_smtp, wait_connections};
use crate::helpers::{spawn_app_in, writes_total};
use crate::smtp::Smtp;
use crate::ws::{SHOP_ORIGIN, console};

/// The secret that signs mail links, read from the store through `sodan backup -`.
async fn mail_secret(data: &std::path::Path) -> String {
    crate::aging::every_table(data)
        .await
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|row| row["t"] == "name_setting" && row["k"] == "mail_secret")
        .and_then(|row| row["v"].as_str().map(str::to_owned))
        .expect("the mail secret row")
}

#[tokio::test]
async fn mail_links_cost_nothing_when_forged_expire_and_end_with_the_customer() {
    let smtp = Smtp::start().await;
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path()).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    set_smtp(&app, &owner, smtp.port, 1).await;
    let mut feed = console(&app, &owner).await;
    let (ws, conversation) = customer(&app, &owner, &site, "yuki@example.jp", "ja-JP").await;
    ws.close().await;
    wait_connections(&app, &owner, 1).await;
    reply(&mut feed, conversation, "r1", "明日お届けします。").await;
    let digest = smtp
        .wait_for(1, Duration::from_secs(60))
        .await
        .into_iter()
        .find(|m| m["to"] == "yuki@example.jp")
        .expect("the digest");
    let url = link(digest["body"].as_str().unwrap(), "/c/");
    assert_eq!(
        app.get(&app.client(), &url.replace(&app.address, ""))
            .await
            .status(),
        StatusCode::OK
    );

    // Forged links: refused, and not one write.
    let before = writes_total(&app).await;
    for forged in [
        "/c/1.99999999999.deadbeef",
        "/c/garbage",
        "/unsubscribe/7.deadbeef",
    ] {
        let response = app.get(&app.client(), forged).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{forged}");
    }
    assert_eq!(
        writes_total(&app).await,
        before,
        "forged links cost no commit"
    );

    // The expiry is signed: a link past it is refused, one before it opens.
    let secret = mail_secret(dir.path()).await;
    let now = sodan::clock::now();
    let expired = sodan::mail::conversation_token(&secret, conversation, now - 1);
    let current = sodan::mail::conversation_token(&secret, conversation, now + 3_600);
    assert_eq!(
        app.get(&app.client(), &format!("/c/{expired}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&app.client(), &format!("/c/{current}"))
            .await
            .status(),
        StatusCode::OK
    );

    // Deleting the customer (keeping anonymised conversations) ends their links.
    let card = app.page(&owner, &format!("/inbox/{conversation}")).await;
    let customer_id = card
        .split("/customers/")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .expect("a link to the customer page")
        .to_owned();
    let deleted = crate::privacy::delete_customer(&app, &owner, customer_id, "shells").await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&app.client(), &format!("/c/{current}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

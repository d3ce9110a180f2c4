//! Attacks the server must shrug off: socket floods from one address, pages without their security
//! headers, planted session cookies, path tricks.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{
    OWNER_EMAIL, OWNER_PASSWORD, location, set_cookies, spawn_app, spawn_app_with,
};
use crate::ws::{self, SHOP_ORIGIN};

#[tokio::test]
async fn one_address_cannot_hold_more_widget_sockets_than_the_cap() {
    let (app, _dir) = spawn_app_with(|c| c.max_sockets_per_ip = 3).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let path = format!("/widget/ws?site={site}");
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(
            ws::connect(&app, &path, &[("origin", SHOP_ORIGIN)])
                .await
                .expect("under the cap"),
        );
    }
    let refused = ws::connect(&app, &path, &[("origin", SHOP_ORIGIN)]).await;
    assert_eq!(refused.err(), Some(429));
    open.pop().unwrap().close().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match ws::connect(&app, &path, &[("origin", SHOP_ORIGIN)]).await {
            Ok(_) => break,
            Err(429) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(status) => panic!("a freed slot is usable again, got {status}"),
        }
    }
    app.stop().await;
}

/// Every console page an admin can open, with `conversation` open in the inbox (its visitor is customer 1).
fn console_pages(conversation: u64) -> Vec<String> {
    [
        "/inbox",
        &format!("/inbox/{conversation}"),
        "/customers",
        "/customers/1",
        "/customers/import",
        "/settings",
        "/settings/widget",
        "/settings/customers",
        "/settings/segments",
        "/settings/triggers",
        "/settings/hours",
        "/settings/canned",
        "/settings/faq",
        "/settings/email",
        "/settings/webhooks",
        "/settings/line",
        "/settings/audit",
        "/settings/privacy",
        "/reports",
        "/settings/api",
        "/account",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[tokio::test]
async fn every_console_page_carries_the_security_headers() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (mut visitor, _) = ws::visitor_hello(&app, &site, None).await;
    visitor
        .send(serde_json::json!({ "type": "message", "client_id": "h1", "body": "hi" }))
        .await;
    let conversation = visitor.recv_type("ack").await["conversation"]
        .as_u64()
        .unwrap();
    let pages = console_pages(conversation);
    let anonymous = app.client();
    for page in pages
        .iter()
        .map(String::as_str)
        .chain(["/healthz", "/login"])
    {
        let agent = if page == "/login" { &anonymous } else { &owner };
        let response = app.get(agent, page).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline")
                && csp.contains("frame-ancestors 'none'"),
            "{page}: {csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{page}");
        assert_eq!(headers["x-frame-options"], "DENY", "{page}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{page}");
        if page != "/healthz" {
            assert_eq!(
                headers["cache-control"], "no-store",
                "{page}: console pages are never cached"
            );
            let body = response.text().await.unwrap();
            assert!(
                !body.contains("<script>") && !body.contains(" onclick="),
                "{page}: no inline scripts"
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_planted_session_cookie_is_replaced_at_sign_in() {
    let (app, _dir) = spawn_app().await;
    app.set_up_owner().await;
    let victim = app.client();
    let planted = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let response = victim
        .get(app.url("/inbox"))
        .header("cookie", format!("sodan_session={planted}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&response),
        "/login",
        "an unknown session is no session"
    );

    let page = app.page(&victim, "/login").await;
    let csrf = crate::helpers::hidden_field(&page, "csrf").unwrap();
    let login = victim
        .post(app.url("/login"))
        .header(
            "cookie",
            format!("sodan_session={planted}; sodan_csrf={csrf}"),
        )
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", OWNER_EMAIL),
            ("password", OWNER_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&login), "/inbox");
    let issued = set_cookies(&login)
        .into_iter()
        .find(|c| c.starts_with("sodan_session="))
        .unwrap();
    assert!(
        !issued.contains(planted),
        "sign-in issues a fresh session token"
    );
    let attacker = app.client();
    let reuse = attacker
        .get(app.url("/inbox"))
        .header("cookie", format!("sodan_session={planted}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&reuse),
        "/login",
        "the planted token never becomes a session"
    );
    app.stop().await;
}

#[tokio::test]
async fn path_tricks_find_nothing() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    for path in [
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/Cargo.toml",
        "/assets/..%2fsrc%2fmain.rs",
        "/inbox/1/uploads/..%2f..%2fsodan.redb",
        "/inbox/..%2f..%2fetc/passwd",
        "/widget/uploads/..%2fsodan.redb",
    ] {
        let status = app.get(&owner, path).await.status();
        assert!(
            status == StatusCode::NOT_FOUND
                || status == StatusCode::BAD_REQUEST
                || status == StatusCode::FORBIDDEN,
            "{path}: {status}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn every_form_on_every_page_refuses_a_post_without_its_token() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    app.invite(&owner, "kenji@shop.example", "operator").await;
    let (mut visitor, _) = ws::visitor_hello(&app, &site, None).await;
    visitor
        .send(serde_json::json!({ "type": "message", "client_id": "f1", "body": "hi" }))
        .await;
    let conversation = visitor.recv_type("ack").await["conversation"]
        .as_u64()
        .unwrap();

    let mut actions = std::collections::BTreeSet::new();
    for page in &console_pages(conversation) {
        let page = page.as_str();
        let html = app.page(&owner, page).await;
        for form in html.split("<form").skip(1) {
            let tag = &form[..form.find('>').unwrap()];
            if !tag.contains("method=\"post\"") {
                continue;
            }
            let action = tag
                .split("action=\"")
                .nth(1)
                .and_then(|a| a.split('"').next())
                .map(str::to_owned)
                .unwrap_or_else(|| page.to_owned());
            assert!(
                form.contains("name=\"csrf\""),
                "{page}: form to {action} has no CSRF field"
            );
            actions.insert(action);
        }
    }
    assert!(actions.len() >= 10, "found the forms: {actions:?}");
    for action in &actions {
        let response = app
            .post(
                &owner,
                action,
                &[("csrf", "wrong"), ("body", "x"), ("status", "open")],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{action} accepted a forged token"
        );
    }
    assert_eq!(
        app.get(&owner, "/inbox").await.status(),
        StatusCode::OK,
        "and nothing signed the owner out"
    );
    app.stop().await;
}

//! Settings → E-mail → Incoming mailbox against a real IMAP server (Debian's Dovecot, started by the test):
//! "test connection" shows what the server answered at each step (greeting, LOGIN, SELECT; RFC 3501), the
//! password is kept and never shown again.

use reqwest::StatusCode;

use crate::dovecot::{self, Dovecot};
use crate::helpers::{Agent, TestApp, spawn_app};

async fn save(app: &TestApp, owner: &Agent, port: u16, password: &str) -> reqwest::Response {
    let port = port.to_string();
    app.submit(
        owner,
        "/settings/email/mailbox",
        "/settings/email/mailbox",
        &[
            ("enabled", "on"),
            ("host", "127.0.0.1"),
            ("port", port.as_str()),
            ("security", "none"),
            ("username", dovecot::USER),
            ("password", password),
            ("folder", "INBOX"),
        ],
    )
    .await
}

async fn test_connection(app: &TestApp, owner: &Agent) -> String {
    let response = app
        .submit(
            owner,
            "/settings/email/mailbox",
            "/settings/email/mailbox/test",
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    page.split("id=\"mailbox-probe\"")
        .nth(1)
        .unwrap_or_else(|| panic!("the answer is shown: {page}"))
        .split("</div>")
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn test_connection_shows_each_step_of_a_real_imap_server() {
    let imap = Dovecot::start().await;
    imap.deliver(b"From: Taro <taro@example.com>\r\nTo: support@shop.example\r\nSubject: hello\r\nMessage-ID: <m1@example.com>\r\n\r\nHello.\r\n")
        .await;
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;

    let saved = save(&app, &owner, imap.port, "wrong").await;
    assert_eq!(saved.status(), StatusCode::OK);
    let probe = test_connection(&app, &owner).await;
    assert!(
        probe.contains("Dovecot") && probe.contains("LOGIN:"),
        "{probe}\n{}",
        imap.log()
    );
    assert!(!probe.contains("SELECT INBOX: OK"), "{probe}");

    let saved = save(&app, &owner, imap.port, dovecot::PASSWORD).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let page = saved.text().await.unwrap();
    assert!(
        !page.contains(dovecot::PASSWORD),
        "the password is never shown again"
    );
    // Saving again without the password keeps it.
    save(&app, &owner, imap.port, "").await;
    let probe = test_connection(&app, &owner).await;
    assert!(probe.contains("LOGIN: OK"), "{probe}\n{}", imap.log());
    assert!(probe.contains("SELECT INBOX: OK, 1 messages"), "{probe}");

    let refused = app
        .submit(
            &owner,
            "/settings/email/mailbox",
            "/settings/email/mailbox",
            &[
                ("host", ""),
                ("port", "993"),
                ("username", "x"),
                ("folder", "INBOX"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

//! Operators who forgot their password: a signed link by e-mail (delivered to a real SMTP server,
//! aiosmtpd), good for an hour and once, that ends every session; and `sodan admin reset-password` from
//! the shell.

use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;

use crate::cli::sodan;
use crate::email::set_smtp;
use crate::helpers::{
    OWNER_EMAIL, OWNER_PASSWORD, OutputWithStdin, hidden_field, location, spawn_app, spawn_app_in,
};
use crate::smtp::Smtp;

const NEW_PASSWORD: &str = "a brand new password";

#[tokio::test]
async fn a_mailed_link_sets_a_new_password_once_and_ends_every_session() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let smtp = Smtp::start().await;
    set_smtp(&app, &owner, smtp.port, 0).await;

    // Someone asks for the owner's address and for an address without an account: the same answer.
    let stranger = app.client();
    let mut answers = Vec::new();
    for address in [OWNER_EMAIL, "nobody@shop.example"] {
        let response = app
            .submit(
                &stranger,
                "/password/forgot",
                "/password/forgot",
                &[("email", address)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let page = response.text().await.unwrap();
        answers.push(
            page.split("id=\"forgot-notice\"")
                .nth(1)
                .unwrap()
                .split("</p>")
                .next()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(
        answers[0], answers[1],
        "the answer does not tell which addresses exist"
    );

    let mails = smtp.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 1, "one mail, to the account: {mails:?}");
    let mail = &mails[0];
    assert!(mail["to"].to_string().contains(OWNER_EMAIL), "{mail}");
    let text = mail["body"].as_str().unwrap();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/password/reset?token="))
        .unwrap_or_else(|| panic!("a link in {text}"));
    let path = &link[link.find("/password/reset").unwrap()..];

    // The link opens the form; a new password signs out every session (the owner's too).
    let page = app.page(&stranger, path).await;
    let token = hidden_field(&page, "token").expect("the form carries the token");
    let csrf = hidden_field(&page, "csrf").unwrap();
    let short = app
        .post(
            &stranger,
            "/password/reset",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let done = app
        .post(
            &stranger,
            "/password/reset",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/login?reset=done");
    let inbox = app.get(&owner, "/inbox").await;
    assert!(
        inbox.status().is_redirection(),
        "the old session ended: {}",
        inbox.status()
    );

    // Used once: the same link is dead; the old password is gone, the new one works.
    let again = app.get(&stranger, path).await;
    assert_eq!(again.status(), StatusCode::GONE);
    let old = app.login(&app.client(), OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_ne!(location(&old), "/inbox");
    let new = app.login(&app.client(), OWNER_EMAIL, NEW_PASSWORD).await;
    assert_eq!(location(&new), "/inbox");
    app.stop().await;
}

#[tokio::test]
async fn without_a_mail_server_the_page_says_to_ask_the_owner() {
    let (app, _dir) = spawn_app().await;
    app.set_up_owner().await;
    let response = app
        .submit(
            &app.client(),
            "/password/forgot",
            "/password/forgot",
            &[("email", OWNER_EMAIL)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("sodan admin reset-password")
    );
    app.stop().await;
}

#[tokio::test]
async fn admin_reset_password_sets_a_new_password_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path()).await;
    app.set_up_owner().await;
    app.stop().await;

    let output = crate::helpers::with_engine_of(&mut sodan(), dir.path())
        .args([
            "admin",
            "reset-password",
            "--email",
            OWNER_EMAIL,
            "--data-dir",
        ])
        .arg(dir.path())
        .stdin(Stdio::piped())
        .output_with_stdin(format!("{NEW_PASSWORD}\n").as_bytes());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("new password set"));
    let unknown = crate::helpers::with_engine_of(&mut sodan(), dir.path())
        .args([
            "admin",
            "reset-password",
            "--email",
            "nobody@shop.example",
            "--data-dir",
        ])
        .arg(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("no account uses nobody@shop.example")
    );

    let app = spawn_app_in(dir.path()).await;
    let new = app.login(&app.client(), OWNER_EMAIL, NEW_PASSWORD).await;
    assert_eq!(location(&new), "/inbox");
    app.stop().await;
}

//! Stored credentials go only where they were entered for: changing the SMTP server (or its user) or the
//! LINE API address needs the password or token typed again, so another admin cannot send the owner's
//! stored secrets to a server of their own; the LINE address is a base URL only.

use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn moving_a_stored_secret_to_another_server_needs_it_typed_again() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let smtp = |host: &'static str, password: &'static str| {
        vec![
            ("host", host),
            ("port", "587"),
            ("security", "starttls"),
            ("username", "shop"),
            ("password", password),
            ("from", "Shop <support@shop.test>"),
            ("grace_secs", "120"),
        ]
    };
    let saved = app
        .submit(
            &owner,
            "/settings/email",
            "/settings/email",
            &smtp("smtp.shop.test", "s3cret"),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let same = app
        .submit(
            &owner,
            "/settings/email",
            "/settings/email",
            &smtp("smtp.shop.test", ""),
        )
        .await;
    assert_eq!(
        same.status(),
        StatusCode::SEE_OTHER,
        "same server: the password is kept"
    );
    let moved = app
        .submit(
            &owner,
            "/settings/email",
            "/settings/email",
            &smtp("mail.evil.test", ""),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        moved
            .text()
            .await
            .unwrap()
            .contains("enter the password again")
    );

    let line = |base: &'static str, token: &'static str| {
        vec![
            ("channel_secret", "secret"),
            ("access_token", token),
            ("api_base", base),
        ]
    };
    let saved = app
        .submit(
            &owner,
            "/settings/line",
            "/settings/line",
            &line("https://api.line.me", "tok"),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let moved = app
        .submit(
            &owner,
            "/settings/line",
            "/settings/line",
            &line("https://evil.test", ""),
        )
        .await;
    // Refused saves answer 422 with the form and the message, like every settings form (not a bare
    // text/plain 400 that loses what was typed).
    assert_eq!(moved.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = moved.text().await.unwrap();
    assert!(page.contains("id=\"line-form\""), "{page}");
    assert!(
        page.contains("enter it again for another API address"),
        "{page}"
    );
    assert!(page.contains("value=\"https://evil.test\""), "{page}");
    let with_path = app
        .submit(
            &owner,
            "/settings/line",
            "/settings/line",
            &line("https://evil.test/collect", "tok"),
        )
        .await;
    assert_eq!(
        with_path.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a base URL only"
    );
    assert!(
        with_path.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = with_path.text().await.unwrap();
    assert!(
        page.contains("without a path") && page.contains("https://evil.test/collect"),
        "{page}"
    );
    app.stop().await;
}

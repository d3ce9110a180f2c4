//! Operator accounts over HTTP: setup, sign-in, sign-out, rate limits, CSRF, invitations, disabling.

use reqwest::StatusCode;

use crate::helpers::{
    Agent, OWNER_EMAIL, OWNER_PASSWORD, TestApp, location, set_cookies, spawn_app,
};

const OPERATOR_PASSWORD: &str = "operator pass 123";

async fn invite_operator(app: &TestApp, owner: &Agent, email: &str) -> Agent {
    let link = app.invite(owner, email, "operator").await;
    app.accept_invite(&link, "Kenji Operator", OPERATOR_PASSWORD)
        .await
}

#[tokio::test]
async fn setup_link_creates_the_owner_once_and_then_closes() {
    let (app, _dir) = spawn_app().await;
    let anonymous = app.client();
    let home = app.page(&anonymous, "/").await;
    assert!(
        home.contains("setup link printed in the server log"),
        "{home}"
    );
    assert!(
        app.data_dir.join("setup-url").exists(),
        "setup link written for the install script"
    );

    let wrong = app.get(&anonymous, "/setup?token=not-the-token").await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("setup link is not valid")
    );

    let owner = app.set_up_owner().await;
    let inbox = app.page(&owner, "/inbox").await;
    assert!(inbox.contains("Hana Owner"), "{inbox}");
    assert!(
        !app.data_dir.join("setup-url").exists(),
        "setup link removed once used"
    );

    let setup_path = app
        .setup_url
        .as_deref()
        .unwrap()
        .strip_prefix(&app.address)
        .unwrap();
    let again = app.get(&app.client(), setup_path).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&again), "/login");
    assert_eq!(location(&app.get(&anonymous, "/").await), "/inbox");
    app.stop().await;
}

#[tokio::test]
async fn setup_rejects_a_bad_password_with_a_clear_message() {
    let (app, _dir) = spawn_app().await;
    let client = app.client();
    let path = app
        .setup_url
        .as_deref()
        .unwrap()
        .strip_prefix(&app.address)
        .unwrap()
        .to_owned();
    let token = path.split("token=").nth(1).unwrap().to_owned();
    let response = app
        .submit(
            &client,
            &path,
            "/setup",
            &[
                ("token", &token),
                ("email", OWNER_EMAIL),
                ("name", "Hana"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("at least 10 characters")
    );
    assert!(
        app.page(&client, &path).await.contains("setup-form"),
        "setup still open"
    );
    app.stop().await;
}

#[tokio::test]
async fn sign_in_sets_a_protected_cookie_and_sign_out_ends_the_session() {
    let (app, _dir) = spawn_app().await;
    app.set_up_owner().await;
    let client = app.client();
    assert_eq!(location(&app.get(&client, "/inbox").await), "/login");

    let response = app.login(&client, OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/inbox");
    let cookie = set_cookies(&response)
        .into_iter()
        .find(|c| c.starts_with("sodan_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http on loopback: {cookie}"
    );
    assert!(app.page(&client, "/inbox").await.contains("Hana Owner"));

    let response = app.submit(&client, "/inbox", "/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login");
    assert_eq!(location(&app.get(&client, "/inbox").await), "/login");
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_password_gets_a_clear_message_and_no_session() {
    let (app, _dir) = spawn_app().await;
    app.set_up_owner().await;
    let client = app.client();
    let response = app.login(&client, OWNER_EMAIL, "not the password").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        !set_cookies(&response)
            .iter()
            .any(|c| c.starts_with("sodan_session="))
    );
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("e-mail address or password is incorrect")
    );
    let unknown = app
        .login(&client, "nobody@shop.example", "not the password")
        .await;
    assert_eq!(
        unknown.status(),
        StatusCode::UNAUTHORIZED,
        "unknown accounts look the same"
    );
    assert_eq!(location(&app.get(&client, "/inbox").await), "/login");
    app.stop().await;
}

#[tokio::test]
async fn repeated_failures_are_rate_limited_even_for_the_right_password() {
    let (app, _dir) = spawn_app().await;
    app.set_up_owner().await;
    let client = app.client();
    for _ in 0..5 {
        let response = app.login(&client, OWNER_EMAIL, "guess guess guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = app.login(&client, OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Too many failed sign-ins")
    );
    assert_eq!(location(&app.get(&client, "/inbox").await), "/login");

    // The per-address limit also stops guessing across many accounts.
    let mut last = StatusCode::OK;
    for i in 0..25 {
        last = app
            .login(
                &client,
                &format!("user{i}@shop.example"),
                "guess guess guess",
            )
            .await
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

#[tokio::test]
async fn forms_without_a_matching_csrf_token_are_refused() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let anonymous = app.client();
    app.page(&anonymous, "/login").await;

    let missing = app
        .post(
            &anonymous,
            "/login",
            &[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)],
        )
        .await;
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert!(missing.text().await.unwrap().contains("security token"));
    let forged = app
        .post(
            &anonymous,
            "/login",
            &[
                ("csrf", "forged"),
                ("email", OWNER_EMAIL),
                ("password", OWNER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    for action in [
        "/settings/invites",
        "/logout",
        "/account/language",
        "/account/password",
    ] {
        let response = app
            .post(
                &owner,
                action,
                &[("email", "x@shop.example"), ("role", "operator")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{action}");
    }
    assert!(
        app.page(&owner, "/inbox").await.contains("Hana Owner"),
        "still signed in"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_invited_operator_joins_once_and_cannot_manage_the_team() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let link = app.invite(&owner, "kenji@shop.example", "operator").await;
    let settings = app.page(&owner, "/settings").await;
    assert!(
        settings.contains("kenji@shop.example"),
        "open invitation listed"
    );

    let operator = app
        .accept_invite(&link, "Kenji Operator", OPERATOR_PASSWORD)
        .await;
    assert!(
        app.page(&operator, "/inbox")
            .await
            .contains("Kenji Operator")
    );
    let forbidden = app.get(&operator, "/settings").await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    assert!(
        !app.page(&operator, "/inbox")
            .await
            .contains("href=\"/settings\"")
    );

    let reused = app.get(&app.client(), &link).await;
    assert_eq!(reused.status(), StatusCode::NOT_FOUND);
    assert!(
        reused
            .text()
            .await
            .unwrap()
            .contains("expired or was already used")
    );

    let fresh = app.client();
    let response = app
        .login(&fresh, "kenji@shop.example", OPERATOR_PASSWORD)
        .await;
    assert_eq!(location(&response), "/inbox");
    let team = app.page(&owner, "/settings").await;
    assert!(
        team.contains("Kenji Operator") && team.contains("Operator"),
        "{team}"
    );

    let taken = app
        .submit(
            &owner,
            "/settings",
            "/settings/invites",
            &[("email", "kenji@shop.example"), ("role", "operator")],
        )
        .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    app.stop().await;
}

#[tokio::test]
async fn a_revoked_invitation_no_longer_works() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let link = app.invite(&owner, "mika@shop.example", "admin").await;
    let settings = app.page(&owner, "/settings").await;
    let revoke = settings
        .split("action=\"")
        .find(|s| s.starts_with("/settings/invites/") && s.contains("/revoke"))
        .and_then(|s| s.split('"').next())
        .expect("a revoke button");
    let response = app.submit(&owner, "/settings", revoke, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&app.client(), &link).await.status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn disabling_an_operator_ends_their_sessions_at_once() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let operator = invite_operator(&app, &owner, "kenji@shop.example").await;
    assert_eq!(app.get(&operator, "/inbox").await.status(), StatusCode::OK);

    let team = app.page(&owner, "/settings").await;
    let disable = team
        .split("action=\"")
        .find(|s| s.starts_with("/settings/operators/") && s.contains("/disable"))
        .and_then(|s| s.split('"').next())
        .expect("a disable button for the operator")
        .to_owned();
    let response = app.submit(&owner, "/settings", &disable, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let rejected = app.get(&operator, "/inbox").await;
    assert_eq!(rejected.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&rejected), "/login");
    let again = app
        .login(&app.client(), "kenji@shop.example", OPERATOR_PASSWORD)
        .await;
    assert_eq!(again.status(), StatusCode::FORBIDDEN);
    assert!(again.text().await.unwrap().contains("account is disabled"));

    let enable = disable.replace("/disable", "/enable");
    app.submit(&owner, "/settings", &enable, &[]).await;
    let back = app
        .login(&app.client(), "kenji@shop.example", OPERATOR_PASSWORD)
        .await;
    assert_eq!(location(&back), "/inbox");
    app.stop().await;
}

#[tokio::test]
async fn operators_cannot_disable_anyone_and_the_owner_cannot_be_disabled() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let operator = invite_operator(&app, &owner, "kenji@shop.example").await;
    let csrf_page = app.page(&operator, "/inbox").await;
    let csrf = crate::helpers::hidden_field(&csrf_page, "csrf").unwrap();
    let response = app
        .post(
            &operator,
            "/settings/operators/1/disable",
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let owner_csrf =
        crate::helpers::hidden_field(&app.page(&owner, "/inbox").await, "csrf").unwrap();
    let response = app
        .post(
            &owner,
            "/settings/operators/1/disable",
            &[("csrf", &owner_csrf)],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "nobody disables the owner"
    );
    assert_eq!(app.get(&owner, "/inbox").await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn changing_the_password_signs_out_every_other_session() {
    let (app, _dir) = spawn_app().await;
    let first = app.set_up_owner().await;
    let second = app.client();
    app.login(&second, OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(app.get(&second, "/inbox").await.status(), StatusCode::OK);

    let new_password = "a brand new password";
    let response = app
        .submit(
            &first,
            "/account",
            "/account/password",
            &[
                ("current_password", OWNER_PASSWORD),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("Password changed"));
    assert_eq!(
        app.get(&first, "/inbox").await.status(),
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        location(&app.get(&second, "/inbox").await),
        "/login",
        "other session ended"
    );
    assert_eq!(
        app.login(&app.client(), OWNER_EMAIL, OWNER_PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        location(&app.login(&app.client(), OWNER_EMAIL, new_password).await),
        "/inbox"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_console_speaks_the_browsers_language_or_the_operators_choice() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let japanese = app
        .client()
        .get(app.url("/login"))
        .header("accept-language", "ja-JP,ja;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        japanese.contains("lang=\"ja\"") && japanese.contains("Sodan にログイン"),
        "{japanese}"
    );

    assert!(app.page(&owner, "/inbox").await.contains("Inbox"));
    let response = app
        .submit(&owner, "/account", "/account/language", &[("lang", "ja")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let inbox = app.page(&owner, "/inbox").await;
    assert!(
        inbox.contains("受信箱") && inbox.contains("lang=\"ja\""),
        "{inbox}"
    );
    app.stop().await;
}

#[tokio::test]
async fn names_are_shown_as_text_not_markup() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let link = app.invite(&owner, "mallory@shop.example", "operator").await;
    app.accept_invite(&link, "<img src=x onerror=alert(1)>", OPERATOR_PASSWORD)
        .await;
    let team = app.page(&owner, "/settings").await;
    assert!(!team.contains("<img src=x"), "markup must be escaped");
    assert!(
        team.contains("&#60;img src=x onerror=alert(1)&#62;"),
        "{team}"
    );
    app.stop().await;
}

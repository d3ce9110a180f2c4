//! Two-factor sign-in over the real server: enrolment from My account with a QR code and the key, sign-in
//! with a code the test computes (TOTP, RFC 6238; the RFC's test vectors are checked in the unit tests), a
//! recovery code that works once, wrong codes limited like passwords, "require 2FA" forcing enrolment, and
//! the owner's reset ending the other operator's sessions.

use reqwest::StatusCode;
use sodan::auth::two_factor::code_at;

use crate::helpers::{
    Agent, OWNER_EMAIL, OWNER_PASSWORD, TestApp, location, spawn_app, spawn_app_in,
};

/// Turns on 2FA for the signed-in `agent`; returns the key and the recovery codes shown.
async fn enrol(app: &TestApp, agent: &Agent) -> (String, Vec<String>) {
    let started = app
        .submit(agent, "/account/2fa", "/account/2fa/start", &[])
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let page = app.page(agent, "/account/2fa").await;
    assert!(page.contains("<svg"), "the QR code is drawn: {page}");
    let key = page
        .split("id=\"tf-key\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the key as text")
        .to_owned();
    let wrong = app
        .submit(
            agent,
            "/account/2fa",
            "/account/2fa/confirm",
            &[("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = code_at(&key, sodan::clock::now());
    let confirmed = app
        .submit(
            agent,
            "/account/2fa",
            "/account/2fa/confirm",
            &[("code", &code)],
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let page = confirmed.text().await.unwrap();
    let codes: Vec<String> = page
        .split("<li><code>")
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .map(str::to_owned)
        .collect();
    assert_eq!(codes.len(), 10, "ten recovery codes, once: {page}");
    assert!(!app.page(agent, "/account/2fa").await.contains(&codes[0]));
    (key, codes)
}

/// Signs out `agent`.
async fn sign_out(app: &TestApp, agent: &Agent) {
    let out = app.submit(agent, "/account", "/logout", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
}

/// Enters the password; returns where it leads.
async fn password(app: &TestApp, agent: &Agent, email: &str, password: &str) -> String {
    let response = app.login(agent, email, password).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    location(&response)
}

/// Enters a code on the code step.
async fn code(app: &TestApp, agent: &Agent, code: &str) -> reqwest::Response {
    app.submit(agent, "/login/code", "/login/code", &[("code", code)])
        .await
}

#[tokio::test]
async fn a_second_factor_is_asked_after_the_password_and_recovery_codes_work_once() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (key, recovery) = enrol(&app, &owner).await;
    sign_out(&app, &owner).await;

    // The password alone opens nothing.
    assert_eq!(
        password(&app, &owner, OWNER_EMAIL, OWNER_PASSWORD).await,
        "/login/code"
    );
    assert_eq!(location(&app.get(&owner, "/inbox").await), "/login");
    // The code of the next step (the current one was used to confirm): accepted, once.
    let next = code_at(&key, sodan::clock::now() + 30);
    let signed = code(&app, &owner, &next).await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&signed), "/inbox");
    assert_eq!(app.get(&owner, "/inbox").await.status(), StatusCode::OK);
    sign_out(&app, &owner).await;
    password(&app, &owner, OWNER_EMAIL, OWNER_PASSWORD).await;
    let replayed = code(&app, &owner, &next).await;
    assert_eq!(
        replayed.status(),
        StatusCode::UNAUTHORIZED,
        "a code works once"
    );

    // A recovery code signs in once.
    let first = code(&app, &owner, &recovery[0]).await;
    assert_eq!(location(&first), "/inbox");
    sign_out(&app, &owner).await;
    password(&app, &owner, OWNER_EMAIL, OWNER_PASSWORD).await;
    let again = code(&app, &owner, &recovery[0]).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    let why = again.text().await.unwrap();
    assert!(
        why.contains("id=\"code-error\""),
        "the refusal says why: {why}"
    );

    // Guessing is limited like passwords: the right code is refused too once the limit is reached.
    let mut limited = false;
    for _ in 0..12 {
        if code(&app, &owner, "123456").await.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "wrong codes are limited");
    let right = code_at(&key, sodan::clock::now());
    assert_eq!(
        code(&app, &owner, &right).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.stop().await;
}

#[tokio::test]
async fn a_shop_can_require_it_and_the_owner_can_reset_it() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    enrol(&app, &owner).await;
    let invite = app.invite(&owner, "kenji@shop.example", "operator").await;
    let kenji = app
        .accept_invite(&invite, "Kenji", "operator password 1")
        .await;
    assert_eq!(app.get(&kenji, "/inbox").await.status(), StatusCode::OK);

    // Required for everyone: Kenji's console sends him to set it up, and only that (and signing out) opens.
    let set = app
        .submit(
            &owner,
            "/settings",
            "/settings/two-factor",
            &[("required", "everyone")],
        )
        .await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    let inbox = app.get(&kenji, "/inbox").await;
    assert_eq!(inbox.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&inbox), "/account/2fa");
    let page = app.page(&kenji, "/account/2fa").await;
    assert!(page.contains("id=\"tf-required\""), "{page}");
    let (key, _) = enrol(&app, &kenji).await;
    assert_eq!(app.get(&kenji, "/inbox").await.status(), StatusCode::OK);
    // Required: it cannot be turned off.
    let off = app
        .submit(
            &kenji,
            "/account/2fa",
            "/account/2fa/disable",
            &[("code", &code_at(&key, sodan::clock::now() + 30))],
        )
        .await;
    assert_eq!(off.status(), StatusCode::FORBIDDEN);

    // Only the owner resets someone's 2FA; it ends their sessions.
    let page = app.page(&owner, "/settings").await;
    let kenji_id = page
        .split("data-operator=\"")
        .skip(1)
        .find(|row| row.contains("kenji@shop.example"))
        .and_then(|row| row.split('"').next())
        .expect("Kenji's row")
        .to_owned();
    let reset = format!("/settings/operators/{kenji_id}/2fa/reset");
    let refused = app.submit(&kenji, "/account", &reset, &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "not an admin");
    assert_eq!(app.get(&kenji, "/inbox").await.status(), StatusCode::OK);
    let done = app.submit(&owner, "/settings", &reset, &[]).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let after = app.get(&kenji, "/inbox").await;
    assert_eq!(location(&after), "/login", "Kenji's session ended");
    // Signing in again, he must enrol anew.
    assert_eq!(
        password(&app, &kenji, "kenji@shop.example", "operator password 1").await,
        "/inbox"
    );
    assert_eq!(location(&app.get(&kenji, "/inbox").await), "/account/2fa");
    app.stop().await;
}

#[tokio::test]
async fn sodan_admin_reset_2fa_removes_it_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path()).await;
    let owner = app.set_up_owner().await;
    enrol(&app, &owner).await;
    app.stop().await;
    let mut sodan = std::process::Command::new(env!("CARGO_BIN_EXE_sodan"));
    let out = crate::helpers::with_engine_of(&mut sodan, dir.path())
        .args(["admin", "reset-2fa", "--email", OWNER_EMAIL, "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("two-factor sign-in removed"));
    let app = spawn_app_in(dir.path()).await;
    let agent = app.client();
    assert_eq!(
        password(&app, &agent, OWNER_EMAIL, OWNER_PASSWORD).await,
        "/inbox",
        "the password alone signs in again"
    );
    app.stop().await;
}

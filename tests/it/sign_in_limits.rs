//! Sign-in limits that hold under concurrency (OWASP Authentication Cheat Sheet, "Protect against
//! automated attacks"): an attempt is counted before its password is checked, so a burst of guesses gets
//! no more checks than the limit, and password hashing runs a bounded number at once, so a burst cannot
//! exhaust memory.

use futures_util::future::join_all;
use reqwest::StatusCode;

use crate::cli::start_server;
use crate::helpers::{OWNER_EMAIL, OWNER_PASSWORD, hidden_field, spawn_app_in};

/// A fresh browser-like client that has the sign-in form's CSRF token: `(client, token)`.
async fn at_the_form(base: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&page, "csrf").expect("the form has a CSRF token");
    (client, csrf)
}

async fn sign_in(base: &str, form: (reqwest::Client, String), email: &str, password: &str) -> u16 {
    let (client, csrf) = form;
    client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn password_checks(base: &str) -> u64 {
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("sodan_password_checks_total "))
        .expect("the metric is published")
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_simultaneous_guesses_get_five_password_checks_and_the_right_password_stays_locked()
{
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path()).await;
    app.set_up_owner().await;
    let base = app.address.clone();
    let before = password_checks(&base).await;
    let mut forms = Vec::new();
    for _ in 0..30 {
        forms.push(at_the_form(&base).await);
    }
    let answers = join_all(
        forms
            .into_iter()
            .map(|form| sign_in(&base, form, OWNER_EMAIL, "wrong password guess")),
    )
    .await;
    let checked = password_checks(&base).await - before;
    assert!(checked <= 5, "{checked} passwords checked: {answers:?}");
    assert_eq!(
        answers.iter().filter(|s| **s == 401).count() as u64,
        checked
    );
    assert!(
        answers.iter().all(|s| *s == 401 || *s == 429),
        "{answers:?}"
    );

    let right = sign_in(&base, at_the_form(&base).await, OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(
        right,
        StatusCode::TOO_MANY_REQUESTS.as_u16(),
        "the lock holds"
    );
    app.stop().await;
}

/// Peak resident memory of a process, from `/proc/PID/status` (`VmHWM`), in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmHWM in /proc/PID/status");
    kb * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_simultaneous_sign_ins_from_one_address_keep_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path()).await;
    app.set_up_owner().await;
    app.stop().await;
    let (mut child, address, _) = start_server(dir.path());
    let base = address.clone();
    let mut forms = Vec::new();
    for _ in 0..60 {
        forms.push(at_the_form(&base).await);
    }
    let emails: Vec<String> = (0..60).map(|i| format!("guess{i}@shop.example")).collect();
    let answers = join_all(
        forms
            .into_iter()
            .zip(&emails)
            .map(|(form, email)| sign_in(&base, form, email, "wrong password guess")),
    )
    .await;
    assert!(
        answers.iter().all(|s| *s == 401 || *s == 429),
        "{answers:?}"
    );
    let peak = peak_rss(child.id());
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "peak RSS during 60 simultaneous sign-ins: {} MB",
        peak >> 20
    );
    assert!(peak < 200 << 20, "peak RSS {} MB", peak >> 20);
}

/// Behind a proxy, the address the limits count is the one the proxy appended to X-Forwarded-For (RFC 7239
/// section 8.1 warns that what a client sends there itself is untrustworthy): spoofed entries further left
/// and a client-sent `Forwarded` header change nothing.
#[tokio::test]
async fn spoofed_forwarding_headers_do_not_change_the_address_the_limits_see() {
    let (app, _dir) = crate::helpers::spawn_app_with(|c| c.behind_proxy = true).await;
    app.set_up_owner().await;
    let base = app.address.clone();
    let mut statuses = Vec::new();
    for i in 0..21 {
        let (client, csrf) = at_the_form(&base).await;
        let email = format!("nobody{i}@shop.example");
        let status = client
            .post(format!("{base}/login"))
            .header("x-forwarded-for", format!("10.9.{i}.1, 198.51.100.9"))
            .header("forwarded", format!("for=10.8.{i}.1"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", &email),
                ("password", "wrong guess"),
            ])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        statuses.push(status);
    }
    assert!(statuses[..20].iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(
        statuses[20], 429,
        "the 21st from 198.51.100.9 is refused: {statuses:?}"
    );
    // Another client behind the same proxy is not.
    let (client, csrf) = at_the_form(&base).await;
    let other = client
        .post(format!("{base}/login"))
        .header("x-forwarded-for", "198.51.100.10")
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "x@shop.example"),
            ("password", "guess"),
        ])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(other, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

/// OWASP's device cookies: guesses from elsewhere lock the account, but not for the browser its owner
/// signed in with before, which is counted on its own; the lock says when it ends.
#[tokio::test]
async fn a_locked_account_stays_open_to_the_browser_its_owner_used_before() {
    let (app, _dir) = crate::helpers::spawn_app().await;
    app.set_up_owner().await;
    let base = app.address.clone();
    let (owner_browser, csrf) = at_the_form(&base).await;
    let first = sign_in(
        &base,
        (owner_browser.clone(), csrf),
        OWNER_EMAIL,
        OWNER_PASSWORD,
    )
    .await;
    assert_eq!(first, 303, "signed in once: the browser is known");
    let inbox = owner_browser
        .get(format!("{base}/inbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&inbox, "csrf").expect("the console has a CSRF token");
    let out = owner_browser
        .post(format!("{base}/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER, "signed out");

    for _ in 0..5 {
        let guess = sign_in(&base, at_the_form(&base).await, OWNER_EMAIL, "wrong guess").await;
        assert_eq!(guess, 401);
    }
    let (stranger, csrf) = at_the_form(&base).await;
    let locked = stranger
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", OWNER_EMAIL),
            ("password", OWNER_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        locked.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked for everyone else"
    );
    let page = locked.text().await.unwrap();
    assert!(
        page.contains("more minutes"),
        "says when the lock ends: {page}"
    );

    let page = owner_browser
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&page, "csrf").unwrap();
    let back = sign_in(&base, (owner_browser, csrf), OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(back, 303, "the owner's browser signs in");
    app.stop().await;
}

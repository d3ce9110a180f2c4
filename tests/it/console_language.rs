//! A Japanese console shows no English validation message: every settings form is sent bad input by an
//! operator whose console speaks Japanese, and each refusal is checked against the same refusal in English.

use reqwest::StatusCode;

use crate::helpers::{Agent, OWNER_PASSWORD, TestApp, spawn_app};

/// The text of the page's `<p class="error">`, if any.
fn error_text(page: &str) -> Option<String> {
    let start = page.find("class=\"error\"")?;
    let after = &page[start..];
    let text = &after[after.find('>')? + 1..];
    Some(text[..text.find("</p>")?].trim().to_owned())
}

/// Japanese text: kana or kanji.
fn has_japanese(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

/// Three plain English words in a row ("is not a", "at most 5"): what a leaked English sentence has and a
/// Japanese one quoting code (`attr.plan`, `https://shop.example`) does not.
fn english_run(text: &str) -> Option<String> {
    let plain = |w: &&str| w.len() >= 2 && w.chars().all(|c| c.is_ascii_lowercase());
    text.split(|c: char| !c.is_ascii()).find_map(|stretch| {
        let words: Vec<&str> = stretch.split_whitespace().collect();
        words
            .windows(3)
            .find(|w| w.iter().all(plain))
            .map(|w| w.join(" "))
    })
}

/// A form's page, its action and the fields sent.
type Form<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

/// The message shown when `form` is refused; `Err` says what happened instead.
async fn refusal(app: &TestApp, agent: &Agent, form: &Form<'_>) -> Result<String, String> {
    let (page, action, fields) = form;
    let response = app.submit(agent, page, action, fields).await;
    let status = response.status();
    let body = response.text().await.unwrap();
    if status != StatusCode::UNPROCESSABLE_ENTITY {
        return Err(format!("{action} {fields:?}: {status}, not 422"));
    }
    error_text(&body).ok_or_else(|| format!("{action} {fields:?}: no error shown"))
}

#[tokio::test]
async fn every_settings_form_refuses_bad_input_in_the_consoles_language() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let forms: Vec<Form> = vec![
        (
            "/settings",
            "/settings/invites",
            vec![("email", "not an address"), ("role", "operator")],
        ),
        (
            "/settings/widget",
            "/settings/widget",
            vec![("origins", "shop dot example"), ("color", "#2255aa")],
        ),
        (
            "/settings/widget",
            "/settings/widget",
            vec![("origins", "https://shop.example"), ("color", "blue-ish")],
        ),
        (
            "/settings/widget",
            "/settings/widget",
            vec![
                ("origins", "https://shop.example"),
                ("color", "#2255aa"),
                ("currency", "yen!"),
            ],
        ),
        (
            "/settings/hours",
            "/settings/hours",
            vec![
                ("enabled", "on"),
                ("zone", "Asia/Tokyo"),
                ("day0", "18:00-09:00"),
            ],
        ),
        (
            "/settings/hours",
            "/settings/hours",
            vec![("enabled", "on"), ("zone", "Mars/Olympus")],
        ),
        (
            "/settings/hours",
            "/settings/hours",
            vec![
                ("enabled", "on"),
                ("zone", "Asia/Tokyo"),
                ("holidays", "someday"),
            ],
        ),
        (
            "/settings/hours",
            "/settings/hours/autoreply",
            vec![("wait_secs", "0")],
        ),
        (
            "/settings/canned",
            "/settings/canned",
            vec![("title", "T"), ("body", "{{customer.nmae}} 様")],
        ),
        (
            "/settings/canned",
            "/settings/canned",
            vec![("title", ""), ("body", "x")],
        ),
        (
            "/settings/canned",
            "/settings/canned",
            vec![("title", "T"), ("shortcut", "two words"), ("body", "x")],
        ),
        (
            "/settings/segments",
            "/settings/segments",
            vec![("name", "Big"), ("rule", "visits >> 3")],
        ),
        (
            "/settings/segments",
            "/settings/segments",
            vec![("name", "Big"), ("rule", "colour = \"red\"")],
        ),
        (
            "/settings/segments",
            "/settings/segments",
            vec![("name", ""), ("rule", "visits > 3")],
        ),
        (
            "/settings/segments",
            "/settings/segments/score",
            vec![("rules", "five visits > 3")],
        ),
        (
            "/settings/segments",
            "/settings/segments/score",
            vec![("rules", "+5 intent > 3")],
        ),
        (
            "/settings/triggers",
            "/settings/triggers",
            vec![("name", ""), ("kind", "bubble"), ("text_en", "Hi")],
        ),
        (
            "/settings/triggers",
            "/settings/triggers",
            vec![
                ("name", "T"),
                ("kind", "bubble"),
                ("text_en", "Hi"),
                ("scroll_percent", "150"),
            ],
        ),
        (
            "/settings/triggers",
            "/settings/triggers",
            vec![
                ("name", "T"),
                ("kind", "bubble"),
                ("text_en", "Hi"),
                ("idle_secs", "soon"),
            ],
        ),
        (
            "/settings/faq",
            "/settings/faq/articles",
            vec![("title", "Returns"), ("body", "")],
        ),
        (
            "/settings/faq",
            "/settings/faq/bot",
            vec![("mode", "menu"), ("menu", "Returns -> article 99")],
        ),
        (
            "/settings/customers",
            "/settings/customers/attributes",
            vec![("key", "bad key"), ("label", "Plan"), ("kind", "text")],
        ),
        (
            "/settings/email",
            "/settings/email",
            vec![
                ("host", "smtp example"),
                ("port", "587"),
                ("from", "shop@shop.example"),
            ],
        ),
        (
            "/settings/email",
            "/settings/email",
            vec![
                ("host", "smtp.example.com"),
                ("port", "587"),
                ("from", "nobody"),
            ],
        ),
        (
            "/settings/line",
            "/settings/line",
            vec![("api_base", "https://api.line.me/v2/bot")],
        ),
        (
            "/settings/webhooks",
            "/settings/webhooks",
            vec![("url", "ftp://hooks.example"), ("event", "message.created")],
        ),
        (
            "/settings/webhooks",
            "/settings/webhooks",
            vec![("url", "https://hooks.example")],
        ),
        (
            "/settings/ai",
            "/settings/ai",
            vec![
                ("base_url", "ftp://models.example"),
                ("timeout_secs", "5"),
                ("max_tokens", "256"),
            ],
        ),
        (
            "/settings/ai",
            "/settings/ai",
            vec![
                ("enabled", "on"),
                ("timeout_secs", "5"),
                ("max_tokens", "256"),
            ],
        ),
        (
            "/settings/privacy",
            "/settings/privacy",
            vec![("history_days", "-3")],
        ),
        ("/settings/api", "/settings/api", vec![("name", "")]),
        (
            "/account",
            "/account/password",
            vec![
                ("current_password", OWNER_PASSWORD),
                ("password", "long enough 1"),
                ("password_confirm", "long enough 2"),
            ],
        ),
    ];
    let mut english = Vec::new();
    let mut problems = Vec::new();
    for form in &forms {
        english.push(refusal(&app, &owner, form).await.unwrap_or_else(|e| {
            problems.push(e);
            String::new()
        }));
    }
    app.submit(&owner, "/account", "/account/language", &[("lang", "ja")])
        .await;
    for (form, en) in forms.iter().zip(&english) {
        let ja = match refusal(&app, &owner, form).await {
            Ok(ja) => ja,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        if !has_japanese(&ja) || ja == *en {
            problems.push(format!("{} {:?}: {ja:?} (English: {en:?})", form.1, form.2));
        } else if let Some(run) = english_run(&ja) {
            problems.push(format!(
                "{} {:?}: English words {run:?} in {ja:?}",
                form.1, form.2
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    app.stop().await;
}

/// Settings tabs in Japanese break between tabs, never inside a label (チー/ム, 顧/客), on a desktop and on
/// a phone.
#[tokio::test]
async fn japanese_settings_tabs_never_break_inside_a_label() {
    let (app, _dir) = spawn_app().await;
    app.set_up_owner().await;
    for (name, width, height) in crate::widget_layout::SIZES {
        let browser = crate::browser::Browser::owner(&app, "ja").await;
        browser.resize(width, height).await;
        browser.goto(&app.url("/settings")).await;
        browser.wait_for("nav.subnav").await;
        let broken = browser
            .client()
            .execute(
                // A label broken across lines has its text on more than one line box (a tall touch
                // target with one line of text is not broken).
                "return [...document.querySelectorAll('nav.subnav a, .topbar nav a')].filter(a => { \
                   const r = document.createRange(); r.selectNodeContents(a); \
                   return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1; }).map(a => a.textContent)",
                vec![],
            )
            .await
            .unwrap();
        let labels = browser
            .client()
            .execute(
                "return [...document.querySelectorAll('nav.subnav a')].map(a => a.textContent)",
                vec![],
            )
            .await
            .unwrap();
        let shot = browser
            .screenshot(&format!("settings-tabs-ja-{name}"))
            .await;
        assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
        assert!(
            labels.to_string().contains("チーム"),
            "a Japanese console: {labels}"
        );
        assert_eq!(
            broken,
            serde_json::json!([]),
            "{name}: labels broken across lines"
        );
        browser.close().await;
    }
    app.stop().await;
}

/// Settings → LINE refuses an API address with a path like every settings form: the page again, with the
/// message in the console's language and the address as typed (not a bare text/plain 400).
#[tokio::test]
async fn the_line_settings_refuse_a_bad_address_with_the_form_in_japanese() {
    let (app, _dir) = spawn_app().await;
    app.set_up_owner().await;
    let browser = crate::browser::Browser::owner(&app, "ja").await;
    browser.goto(&app.url("/settings/line")).await;
    browser
        .client()
        .execute(
            "const f = document.getElementById('line-form'); \
             f.querySelector('[name=api_base]').type = 'text'; \
             f.querySelector('[name=api_base]').value = 'https://api.line.me/v2/bot'; f.submit();",
            vec![],
        )
        .await
        .unwrap();
    browser.wait_for(".error").await;
    let error = browser.text(".error").await;
    let typed = browser
        .client()
        .execute(
            "return document.querySelector('#line-form [name=api_base]').value",
            vec![],
        )
        .await
        .unwrap();
    let shot = browser.screenshot("line-settings-refused-ja").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    assert!(error.contains("パスを付けず"), "{error}");
    assert_eq!(typed, serde_json::json!("https://api.line.me/v2/bot"));
    browser.close().await;
    app.stop().await;
}

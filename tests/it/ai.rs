//! Settings → AI: the connection to an OpenAI-compatible endpoint (here a local stub that records each
//! request): off by default, the API key kept and never shown, and "test connection" shows the endpoint's
//! exact answer (`GET /v1/models`, as OpenAI's API reference defines it).

use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app};
use crate::http_stub::Stub;

async fn save(
    app: &TestApp,
    owner: &reqwest::Client,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.submit(owner, "/settings/ai", "/settings/ai", fields)
        .await
}

#[tokio::test]
async fn the_connection_is_off_by_default_keeps_its_key_and_shows_the_endpoints_answer() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let page = app.page(&owner, "/settings/ai").await;
    assert!(page.contains("name=\"enabled\">"), "off by default: {page}");
    assert!(
        page.contains("http://127.0.0.1:11434/v1"),
        "the Ollama preset"
    );

    let models = r#"{"object":"list","data":[{"id":"qwen2.5:7b","object":"model"}]}"#;
    let endpoint = Stub::start(0, move |r| {
        if r.path == "/v1/models" {
            (200, models.to_owned())
        } else {
            (404, "{}".to_owned())
        }
    })
    .await;
    let base = format!("{}/v1", endpoint.base);
    let fields = [
        ("enabled", "on"),
        ("base_url", base.as_str()),
        ("chat_model", "qwen2.5:7b"),
        ("api_key", "sk-secret-123"),
        ("mode", "suggest"),
        ("timeout_secs", "5"),
        ("max_tokens", "256"),
    ];
    let saved = save(&app, &owner, &fields).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let page = app.page(&owner, "/settings/ai").await;
    assert!(
        !page.contains("sk-secret-123"),
        "the key is never shown again"
    );
    assert!(page.contains("qwen2.5:7b"));

    let tested = app
        .submit(&owner, "/settings/ai", "/settings/ai/test", &[])
        .await;
    assert_eq!(tested.status(), StatusCode::OK);
    let page = tested.text().await.unwrap();
    let probe = page
        .split("id=\"ai-probe\"")
        .nth(1)
        .expect("the answer is shown");
    assert!(probe.contains("<strong>200</strong>"), "{probe}");
    assert!(
        probe.contains("qwen2.5:7b") && probe.contains("&#34;data&#34;"),
        "{probe}"
    );
    let seen = endpoint.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/v1/models");
    assert_eq!(seen[0].headers["authorization"], "Bearer sk-secret-123");

    // The saved key goes only to the endpoint it was saved for.
    let mut moved = fields.to_vec();
    moved[1] = ("base_url", "https://api.openai.com/v1");
    moved[3] = ("api_key", "");
    let refused = save(&app, &owner, &moved).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("enter it again for another endpoint")
    );
    app.stop().await;
}

#[tokio::test]
async fn test_connection_shows_an_error_answer_and_an_endpoint_that_is_down() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let endpoint = Stub::start(0, |_| (500, r#"{"error":"model not loaded"}"#.to_owned())).await;
    let base = format!("{}/v1", endpoint.base);
    for (url, status, text) in [
        (base.as_str(), "<strong>500</strong>", "model not loaded"),
        (
            "http://127.0.0.1:9/v1",
            "<strong>no answer</strong>",
            "error sending request",
        ),
    ] {
        let saved = save(
            &app,
            &owner,
            &[
                ("base_url", url),
                ("timeout_secs", "5"),
                ("max_tokens", "256"),
            ],
        )
        .await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let page = app
            .submit(&owner, "/settings/ai", "/settings/ai/test", &[])
            .await
            .text()
            .await
            .unwrap();
        let probe = page
            .split("id=\"ai-probe\"")
            .nth(1)
            .expect("the answer is shown");
        assert!(
            probe.contains(status) && probe.contains(text),
            "{url}: {probe}"
        );
    }
    app.stop().await;
}

/// Turns the AI on against `endpoint` (a stub's base URL).
async fn enable(app: &TestApp, owner: &reqwest::Client, endpoint: &str) {
    let base = format!("{endpoint}/v1");
    let saved = save(
        app,
        owner,
        &[
            ("enabled", "on"),
            ("base_url", base.as_str()),
            ("chat_model", "qwen2.5:7b"),
            ("mode", "suggest"),
            ("timeout_secs", "3"),
            ("max_tokens", "256"),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
}

/// Asks for a draft of `conversation` as `owner`.
async fn draft(
    app: &TestApp,
    owner: &reqwest::Client,
    conversation: u64,
) -> (StatusCode, serde_json::Value) {
    let page = app.page(owner, &format!("/inbox/{conversation}")).await;
    let csrf = crate::helpers::hidden_field(&page, "csrf").unwrap();
    let response = owner
        .post(app.url(&format!("/inbox/{conversation}/draft")))
        .header("X-CSRF-Token", csrf)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

/// "Draft a reply" (OpenAI's chat completions API): the model gets the conversation and the FAQ passage
/// that answers the customer's question, and no customer-card field until one is ticked (then only that
/// one); the draft comes back with its source, and a Chromium console puts it in the reply box without
/// sending it.
#[tokio::test]
async fn a_draft_comes_from_the_conversation_the_faq_and_only_the_ticked_card_fields() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let saved = app
        .submit(
            &owner,
            "/settings/faq",
            "/settings/faq/articles",
            &[
                ("title", "送料について"),
                (
                    "body",
                    "送料は全国一律500円です。5,000円以上のご注文で無料になります。",
                ),
                ("language", "ja"),
                ("keywords", "送料, 配送料"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let completion = r#"{"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"送料は全国一律500円です。5,000円以上で無料になります。"},"finish_reason":"stop"}],"usage":{"prompt_tokens":30,"completion_tokens":12,"total_tokens":42}}"#;
    let endpoint = Stub::start(0, move |r| {
        if r.path == "/v1/chat/completions" {
            (200, completion.to_owned())
        } else {
            (404, "{}".to_owned())
        }
    })
    .await;
    enable(&app, &owner, &endpoint.base).await;
    let site = app
        .configure_widget(&owner, &[crate::ws::SHOP_ORIGIN])
        .await;
    let (mut widget, _) = crate::ws::visitor_hello(&app, &site, None).await;
    widget
        .send(serde_json::json!({"type": "identify", "user_id": "c-1",
            "traits": {"name": "Aiko", "email": "aiko@example.jp"}}))
        .await;
    widget.recv_type("identified").await;
    widget
        .send(serde_json::json!({"type": "message", "client_id": "m1", "body": "送料はいくらですか？"}))
        .await;
    let conversation = widget.recv_type("ack").await["conversation"]
        .as_u64()
        .unwrap();

    let (status, answer) = draft(&app, &owner, conversation).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer["draft"],
        "送料は全国一律500円です。5,000円以上で無料になります。"
    );
    assert_eq!(answer["sources"][0]["title"], "送料について");
    let seen = endpoint.seen.lock().unwrap().clone();
    let request: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(request["model"], "qwen2.5:7b");
    assert_eq!(request["max_tokens"], 256);
    let sent = request["messages"].to_string();
    assert!(
        sent.contains("全国一律500円") && sent.contains("送料はいくらですか"),
        "{sent}"
    );
    assert!(
        !sent.contains("aiko@example.jp") && !sent.contains("Aiko"),
        "no card field: {sent}"
    );
    let metrics = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("sodan_ai_requests_total 1\n")
            && metrics.contains("sodan_ai_tokens_total 42\n"),
        "{metrics}"
    );

    // Ticking the name in Settings → AI sends the name, and still not the e-mail address.
    let base = format!("{}/v1", endpoint.base);
    let ticked = save(
        &app,
        &owner,
        &[
            ("enabled", "on"),
            ("base_url", base.as_str()),
            ("chat_model", "qwen2.5:7b"),
            ("timeout_secs", "3"),
            ("max_tokens", "256"),
            ("card_field", "name"),
            ("card_field", "password_hash"),
        ],
    )
    .await;
    assert_eq!(ticked.status(), StatusCode::SEE_OTHER);
    assert!(
        app.page(&owner, "/settings/ai")
            .await
            .contains("value=\"name\" checked")
    );
    assert_eq!(draft(&app, &owner, conversation).await.0, StatusCode::OK);
    let second = endpoint.seen.lock().unwrap()[1].body.clone();
    assert!(
        second.contains("name: Aiko") && !second.contains("aiko@example.jp"),
        "{second}"
    );

    // In the console: the draft lands in the reply box, with its source; nothing is sent.
    let browser = crate::browser::Browser::owner(&app, "ja").await;
    browser
        .goto(&app.url(&format!("/inbox/{conversation}")))
        .await;
    browser.click("#ai-draft").await;
    browser
        .wait_until("document.getElementById('reply-body').value.includes('全国一律500円')")
        .await;
    assert!(browser.text("#ai-sources").await.contains("送料について"));
    let shot = browser.screenshot("console-ai-draft").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    let replies = widget
        .collect_type("message", std::time::Duration::from_millis(500))
        .await;
    assert!(
        replies.is_empty(),
        "a draft is never sent by itself: {replies:?}"
    );
    browser.close().await;
    app.stop().await;
}

/// A model that answers 500 or is off leaves the operator to write: a clear 503, counted as a failure.
#[tokio::test]
async fn a_failed_or_switched_off_model_says_so() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app
        .configure_widget(&owner, &[crate::ws::SHOP_ORIGIN])
        .await;
    let (_widget, conversation) = crate::ws::visitor_writes(&app, &site, "Hello").await;
    let (status, answer) = draft(&app, &owner, conversation).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        answer["error"].as_str().unwrap().contains("Settings → AI"),
        "{answer}"
    );
    let endpoint = Stub::start(0, |_| (500, r#"{"error":"out of memory"}"#.to_owned())).await;
    enable(&app, &owner, &endpoint.base).await;
    let (status, answer) = draft(&app, &owner, conversation).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        answer["error"].as_str().unwrap().contains("out of memory"),
        "{answer}"
    );
    let metrics = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("sodan_ai_failures_total 1\n"), "{metrics}");
    app.stop().await;
}

/// A chat completion whose answer is `text`.
fn completion(text: &str) -> String {
    serde_json::json!({"object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"total_tokens": 10}})
    .to_string()
}

/// "Summarise" leaves the model's summary as a private note (never sent to the visitor); "Translate" turns
/// a visitor's message into the console's language, shown under it in Chromium.
#[tokio::test]
async fn summaries_are_private_notes_and_translations_show_under_the_message() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let endpoint = Stub::start(0, |r| {
        let answer = if r.body.contains("Summarise") {
            "お客様は送料を知りたい。まだ回答していない。"
        } else if r.body.contains("Translate") {
            "How much is shipping?"
        } else {
            "…"
        };
        (200, completion(answer))
    })
    .await;
    enable(&app, &owner, &endpoint.base).await;
    let site = app
        .configure_widget(&owner, &[crate::ws::SHOP_ORIGIN])
        .await;
    let (mut widget, conversation) =
        crate::ws::visitor_writes(&app, &site, "送料はいくらですか？").await;

    let browser = crate::browser::Browser::owner(&app, "en-US,en").await;
    browser
        .goto(&app.url(&format!("/inbox/{conversation}")))
        .await;
    browser.click("#log li.msg.visitor .ai-translate").await;
    browser
        .wait_until("!!document.querySelector('#log li.msg.visitor .translation')")
        .await;
    assert_eq!(
        browser.text("#log li.msg.visitor .translation").await,
        "How much is shipping?"
    );
    browser.click("#ai-summary").await;
    browser
        .wait_until("[...document.querySelectorAll('#log li.note')].some(l => l.textContent.includes('送料を知りたい'))")
        .await;
    let shot = browser.screenshot("console-ai-summary-translation").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    let sent = widget
        .collect_type("message", std::time::Duration::from_millis(500))
        .await;
    assert!(sent.is_empty(), "a summary is a private note: {sent:?}");
    let asked: Vec<String> = endpoint
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.body.clone())
        .collect();
    assert!(
        asked.iter().any(|b| b.contains("into English")),
        "{asked:?}"
    );
    browser.close().await;
    app.stop().await;
}

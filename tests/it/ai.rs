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

//! What the AI learns beyond the FAQ, against a local OpenAI-compatible endpoint that records each
//! request: questions the team answered (only when an admin opts in, without personal data), and passage
//! vectors from an embeddings model (OpenAI's `/v1/embeddings`), computed once and kept in the data file.

use std::time::Duration;

use serde_json::{Value, json};

use crate::ai_bot::{ask, choice_ids, japanese_visitor, save_ai, set_up};
use crate::fake_openai::{FakeOpenAi, Reply};
use crate::helpers::{Agent, TestApp, spawn_app};
use crate::ws::SHOP_ORIGIN;

async fn set_status(app: &TestApp, owner: &Agent, conversation: u64, status: &str) {
    let page = format!("/inbox/{conversation}");
    let action = format!("/inbox/{conversation}/status");
    let response = app
        .submit(owner, &page, &action, &[("status", status)])
        .await;
    assert!(response.status().is_redirection() || response.status().is_success());
}

#[tokio::test]
async fn answered_questions_join_the_search_only_when_the_admin_opts_in_and_without_personal_data()
{
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let endpoint = FakeOpenAi::start(|_| {
        Reply::Answer(vec!["店の裏に3台分ございます。".into()], Duration::ZERO)
    })
    .await;
    set_up(&app, &owner, &endpoint, "20").await;

    // A question no article answers goes to the team, who answer it.
    let mut first = japanese_visitor(&app, &site).await;
    let (_, done) = ask(
        &mut first,
        "駐車場はありますか？連絡は taro@example.com 090-1234-5678 まで",
        1,
    )
    .await;
    assert!(
        done["text_ja"]
            .as_str()
            .unwrap()
            .contains("見つかりませんでした")
    );
    first.send(json!({"type": "bot", "choice": "person"})).await;
    first.recv_type("bot").await;
    let response = app
        .submit(
            &owner,
            "/inbox/1",
            "/inbox/1/messages",
            &[("body", "店の裏に3台分の駐車場がございます。")],
        )
        .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    set_status(&app, &owner, 1, "resolved").await;

    // Not opted in: the answer is not searched.
    let mut second = japanese_visitor(&app, &site).await;
    let (_, done) = ask(&mut second, "ちゅうしゃじょうはありますか", 1).await;
    assert!(
        done["text_ja"]
            .as_str()
            .unwrap()
            .contains("見つかりませんでした"),
        "{done}"
    );
    assert!(endpoint.chats().is_empty());

    // Opted in, the conversation resolved again: the answer is found and given to the model, scrubbed.
    save_ai(&app, &owner, &endpoint, "20", true).await;
    set_status(&app, &owner, 1, "open").await;
    set_status(&app, &owner, 1, "resolved").await;
    let (_, done) = ask(&mut second, "ちゅうしゃじょうはありますか", 2).await;
    assert!(
        choice_ids(&done).iter().any(|c| c.starts_with("rate:up:")),
        "{done}"
    );
    let chats = endpoint.chats();
    assert_eq!(chats.len(), 1);
    let system = chats[0]["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("店の裏に3台分の駐車場がございます。"),
        "{system}"
    );
    assert!(
        !system.contains("taro@example.com") && !system.contains("1234-5678"),
        "personal data stays out: {system}"
    );
}

/// The texts of each embeddings request so far.
fn embedded(endpoint: &FakeOpenAi) -> Vec<Vec<String>> {
    endpoint
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path.ends_with("/embeddings"))
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            body["input"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn with_an_embeddings_model_passages_are_embedded_once_and_kept_in_the_data_file() {
    let dir = tempfile::tempdir().unwrap();
    let app = crate::helpers::spawn_app_in(dir.path()).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let endpoint = FakeOpenAi::start(|_| {
        Reply::Answer(vec!["送料は全国一律500円です。".into()], Duration::ZERO)
    })
    .await;
    set_up(&app, &owner, &endpoint, "20").await;
    let response = app
        .submit(
            &owner,
            "/settings/ai",
            "/settings/ai",
            &[
                ("enabled", "on"),
                ("base_url", endpoint.base.as_str()),
                ("chat_model", "qwen2.5:7b"),
                ("embed_model", "bge-m3"),
                ("mode", "always"),
                ("timeout_secs", "20"),
                ("max_tokens", "256"),
            ],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);

    let mut ws = japanese_visitor(&app, &site).await;
    let (_, done) = ask(&mut ws, "送料はいくらですか？", 1).await;
    assert_eq!(choice_ids(&done)[0], "a:1", "{done}");
    let (_, done) = ask(&mut ws, "送料は無料になりますか？", 2).await;
    assert_eq!(choice_ids(&done)[0], "a:1", "{done}");
    let calls = embedded(&endpoint);
    // OpenAI's embeddings API: `input` is the list of texts, one vector back per text.
    assert_eq!(calls[0].len(), 2, "both passages, once: {calls:?}");
    assert!(calls[0][0].starts_with("送料について\n"), "{calls:?}");
    assert_eq!(calls[1], ["送料はいくらですか？"]);
    assert_eq!(
        calls[2],
        ["送料は無料になりますか？"],
        "passages are not embedded again"
    );
    app.stop().await;

    // After a restart the vectors come from the data file.
    let app = crate::helpers::spawn_app_in(dir.path()).await;
    let mut ws = japanese_visitor(&app, &site).await;
    let (_, done) = ask(&mut ws, "送料はいくらですか？", 1).await;
    assert_eq!(choice_ids(&done)[0], "a:1", "{done}");
    let calls = embedded(&endpoint);
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert_eq!(calls[3], ["送料はいくらですか？"]);
    app.stop().await;
}

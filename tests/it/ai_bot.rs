//! The bot answering visitors with the model, against a local OpenAI-compatible endpoint that records
//! each request (streamed answers are server-sent events as OpenAI's API reference defines them): answers
//! from the retrieved passages with their sources, hand-over when nothing is retrieved or the model does
//! not know, the keyword answer when the endpoint fails or hangs, ratings, and the weekly figures.

use std::time::Duration;

use serde_json::{Value, json};

use crate::fake_openai::{FakeOpenAi, Reply};
pub use crate::faq::choice_ids;
use crate::helpers::{Agent, TestApp, spawn_app};
use crate::ws::{SHOP_ORIGIN, Ws, console, visitor};

/// The shop's FAQ (the bot itself stays off: the AI's mode decides when it answers).
pub async fn set_up(app: &TestApp, owner: &Agent, endpoint: &FakeOpenAi, timeout: &str) {
    set_up_with(app, owner, endpoint, timeout, false).await;
}

pub async fn set_up_with(
    app: &TestApp,
    owner: &Agent,
    endpoint: &FakeOpenAi,
    timeout: &str,
    learn: bool,
) {
    for (title, body, keywords) in [
        (
            "送料について",
            "送料は全国一律500円です。1万円以上のご注文で無料になります。",
            "配送料",
        ),
        (
            "返品・交換",
            "商品到着後7日以内であれば返品できます。",
            "返金",
        ),
    ] {
        let response = app
            .submit(
                owner,
                "/settings/faq",
                "/settings/faq/articles",
                &[
                    ("title", title),
                    ("body", body),
                    ("language", "ja"),
                    ("keywords", keywords),
                ],
            )
            .await;
        assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    }
    save_ai(app, owner, endpoint, timeout, learn).await;
}

pub async fn save_ai(
    app: &TestApp,
    owner: &Agent,
    endpoint: &FakeOpenAi,
    timeout: &str,
    learn: bool,
) {
    let mut fields = vec![
        ("enabled", "on"),
        ("base_url", endpoint.base.as_str()),
        ("chat_model", "qwen2.5:7b"),
        ("mode", "always"),
        ("timeout_secs", timeout),
        ("max_tokens", "256"),
    ];
    if learn {
        fields.push(("learn_from_answers", "on"));
    }
    let response = app
        .submit(owner, "/settings/ai", "/settings/ai", &fields)
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
}

pub async fn japanese_visitor(app: &TestApp, site: &str) -> Ws {
    let mut ws = visitor(app, site).await;
    ws.send(
        json!({"type": "hello", "site": site, "page": {"url": "http://shop.test/help"},
        "env": {"language": "ja-JP"}}),
    )
    .await;
    ws.recv_type("welcome").await;
    let greeting = ws.recv_type("bot").await;
    assert_eq!(
        choice_ids(&greeting),
        ["person"],
        "with the FAQ bot off, the AI greets: {greeting}"
    );
    ws
}

/// Sends a question; returns the answer's pieces as streamed and the `bot` frame that ends it.
pub async fn ask(ws: &mut Ws, question: &str, n: u32) -> (Vec<String>, Value) {
    ws.send(json!({"type": "message", "client_id": format!("q{n}"), "body": question}))
        .await;
    let mut pieces = Vec::new();
    let mut seen = Vec::new();
    loop {
        let frame = ws
            .try_recv(Duration::from_secs(60))
            .await
            .unwrap_or_else(|| panic!("no bot frame for {question}; saw {seen:?}"));
        match frame["type"].as_str() {
            Some("bot_delta") => pieces.push(frame["text"].as_str().unwrap().to_owned()),
            Some("bot") => return (pieces, frame),
            _ => seen.push(frame["type"].clone()),
        }
    }
}

#[tokio::test]
async fn the_bot_answers_from_the_passages_streamed_with_sources_and_can_be_rated() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let endpoint = FakeOpenAi::start(|chat| {
        let question = chat["messages"][1]["content"].as_str().unwrap_or_default();
        if question.contains("返品") && question.contains("送料") {
            // The passages do not say who pays return shipping: the model says it does not know.
            Reply::Answer(
                vec!["NO_".into(), "ANSWER".into()],
                Duration::from_millis(50),
            )
        } else {
            let pieces = [
                "送料は全国一律",
                "500円です。",
                "1万円以上のご注文で無料になります。",
            ];
            Reply::Answer(
                pieces.iter().map(|p| p.to_string()).collect(),
                Duration::from_millis(100),
            )
        }
    })
    .await;
    set_up(&app, &owner, &endpoint, "20").await;
    let mut feed = console(&app, &owner).await;
    let mut ws = japanese_visitor(&app, &site).await;

    let (pieces, done) = ask(&mut ws, "送料はいくらですか？", 1).await;
    assert!(
        pieces.len() >= 2,
        "the answer arrives in pieces: {pieces:?}"
    );
    assert_eq!(
        pieces.concat(),
        "送料は全国一律500円です。1万円以上のご注文で無料になります。"
    );
    let ids = choice_ids(&done);
    assert_eq!(ids[0], "a:1", "the article it used is offered: {ids:?}");
    assert!(ids.iter().any(|i| i.starts_with("rate:up:")), "{ids:?}");
    assert!(
        ids.contains(&"person".to_owned()),
        "a person is one tap away"
    );

    // What the model was given: the question, and the passage that answers it; no card field.
    let chats = endpoint.chats();
    assert_eq!(chats.len(), 1);
    assert_eq!(chats[0]["stream"], true);
    let system = chats[0]["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("全国一律500円") && system.contains("NO_ANSWER"),
        "{system}"
    );
    assert!(!system.contains("About the customer"), "{system}");
    assert_eq!(chats[0]["messages"][1]["content"], "送料はいくらですか？");

    // The answer is stored with its source and shown to the team as the bot's.
    let stored = feed
        .recv_matching(|f| f["type"] == "message" && f["message"]["author"]["kind"] == "bot")
        .await;
    let body = stored["message"]["body"].as_str().unwrap();
    assert!(body.contains("\n\n参考: 送料について http://"), "{body}");
    assert!(
        body.ends_with("/help/ja/1"),
        "the source links to the help center: {body}"
    );

    // A rating counts once.
    let rate = ids
        .iter()
        .find(|i| i.starts_with("rate:up:"))
        .unwrap()
        .clone();
    for _ in 0..2 {
        ws.send(json!({"type": "bot", "choice": rate})).await;
        let thanks = ws.recv_type("bot").await;
        assert_eq!(thanks["text_ja"], "ご回答ありがとうございます。");
    }

    // The model says it does not know: the bot offers a person, and the marker never reaches the visitor.
    let (pieces, done) = ask(&mut ws, "返品するときの送料は誰が払いますか", 2).await;
    assert!(pieces.is_empty(), "{pieces:?}");
    assert!(
        done["text_ja"]
            .as_str()
            .unwrap()
            .contains("スタッフにおつなぎしましょうか"),
        "{done}"
    );

    let page = app.page(&owner, "/settings/ai").await;
    let this_week = page
        .split("<tbody>")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap()
        .to_owned();
    assert!(this_week.contains("class=\"answered\">1<"), "{this_week}");
    assert!(
        this_week.contains("class=\"ratings\">1 / 0<"),
        "{this_week}"
    );
    assert!(
        page.contains("<li>返品するときの送料は誰が払いますか</li>"),
        "the gap is listed: {page}"
    );
}

#[tokio::test]
async fn a_question_nothing_answers_is_handed_over_without_asking_the_model() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let endpoint =
        FakeOpenAi::start(|_| Reply::Answer(vec!["紅茶は1,200円です。".into()], Duration::ZERO))
            .await;
    set_up(&app, &owner, &endpoint, "20").await;
    let mut ws = japanese_visitor(&app, &site).await;

    let (pieces, done) = ask(&mut ws, "紅茶は売っていますか", 1).await;
    assert!(pieces.is_empty(), "{pieces:?}");
    assert!(
        done["text_ja"]
            .as_str()
            .unwrap()
            .contains("見つかりませんでした"),
        "{done}"
    );
    assert_eq!(choice_ids(&done), ["person", "menu"]);
    assert!(
        endpoint.chats().is_empty(),
        "with no passage the model is not asked, so it cannot invent a price"
    );
    ws.send(json!({"type": "bot", "choice": "person"})).await;
    ws.recv_type("bot").await;
    let page = app.page(&owner, "/settings/ai").await;
    assert!(page.contains("<li>紅茶は売っていますか</li>"), "{page}");
    assert!(page.contains("class=\"hand-overs\">1<"), "{page}");
}

#[tokio::test]
async fn a_failing_or_hanging_endpoint_falls_back_to_the_keyword_answer_and_the_team_sees_why() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let endpoint = FakeOpenAi::start(|chat| {
        let question = chat["messages"][1]["content"].as_str().unwrap_or_default();
        if question.contains("返品") {
            Reply::Hang
        } else {
            Reply::Status(500, r#"{"error":{"message":"model crashed"}}"#.into())
        }
    })
    .await;
    set_up(&app, &owner, &endpoint, "2").await;
    let mut feed = console(&app, &owner).await;
    let mut ws = japanese_visitor(&app, &site).await;

    for (n, question) in ["送料はいくらですか？", "返品できますか"]
        .into_iter()
        .enumerate()
    {
        let (pieces, done) = ask(&mut ws, question, n as u32).await;
        assert!(pieces.is_empty(), "{pieces:?}");
        assert_eq!(
            done["text_en"], "Here is what I found:",
            "{question}: {done}"
        );
        assert!(choice_ids(&done)[0].starts_with("a:"), "{done}");
        let note = feed
            .recv_matching(|f| f["type"] == "message" && f["message"]["note"] == true)
            .await;
        let text = note["message"]["body"].as_str().unwrap();
        let why = if n == 0 { "500" } else { "timed out" };
        assert!(
            text.contains("The AI did not answer") && text.contains(why),
            "{text}"
        );
    }
    let page = app.page(&owner, "/settings/ai").await;
    assert!(page.contains("class=\"fallbacks\">2<"), "{page}");
    let metrics = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("sodan_ai_failures_total 2"), "{metrics}");
}

#[tokio::test]
async fn a_burst_of_questions_on_a_hung_model_gets_keyword_answers_not_a_queue() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let endpoint = FakeOpenAi::start(|_| Reply::Hang).await;
    set_up(&app, &owner, &endpoint, "2").await;
    let mut feed = console(&app, &owner).await;
    // Three visitors at once; two requests run at a time, the third cannot start within the time-out.
    let mut visitors = Vec::new();
    for _ in 0..3 {
        visitors.push(japanese_visitor(&app, &site).await);
    }
    for (n, ws) in visitors.iter_mut().enumerate() {
        ws.send(json!({"type": "message", "client_id": format!("b{n}"), "body": "送料はいくらですか？"}))
            .await;
    }
    for ws in &mut visitors {
        let done = ws.recv_type("bot").await;
        assert_eq!(done["text_en"], "Here is what I found:", "{done}");
    }
    let mut reasons = Vec::new();
    for _ in 0..3 {
        let note = feed
            .recv_matching(|f| f["type"] == "message" && f["message"]["note"] == true)
            .await;
        reasons.push(note["message"]["body"].as_str().unwrap().to_owned());
    }
    assert!(
        reasons.iter().any(|r| r.contains("busy")),
        "one waited for a free slot and gave up: {reasons:?}"
    );
}

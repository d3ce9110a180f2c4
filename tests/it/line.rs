//! The LINE channel over the real server and a local server that behaves like LINE's Messaging API: a
//! signed webhook starts a conversation with the LINE profile on the card, a bad signature is refused, a
//! redelivery is stored once, and an operator's reply reaches the push endpoint with LINE's documented JSON
//! and the channel access token.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app;
use crate::http_stub::{Request, Stub};
use crate::ws::console;

pub(crate) const SECRET: &str = "line-channel-secret";
pub(crate) const TOKEN: &str = "line-access-token";

/// Answers like LINE's Messaging API: the profile of any user, 200 `{}` for a push, 401 without the token.
pub(crate) async fn line_like_server() -> Stub {
    Stub::start(0, |r: &Request| {
        let authorized = r.headers.get("authorization").map(String::as_str)
            == Some(format!("Bearer {TOKEN}").as_str());
        if !authorized {
            (401, json!({"message": "Authentication failed"}).to_string())
        } else if r.method == "GET" && r.path.starts_with("/v2/bot/profile/") {
            let user = r.path.trim_start_matches("/v2/bot/profile/");
            let profile = json!({"userId": user, "displayName": "山田 花子",
                "pictureUrl": "https://profile.line-scdn.net/abc", "statusMessage": "", "language": "ja"});
            (200, profile.to_string())
        } else if r.method == "POST" && r.path == "/v2/bot/message/push" {
            (200, "{}".to_owned())
        } else {
            (404, json!({"message": "Not found"}).to_string())
        }
    })
    .await
}

/// LINE's webhook body for one text message from `user`.
pub(crate) fn text_event(event_id: &str, user: &str, text: &str, redelivery: bool) -> String {
    json!({
        "destination": "Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "events": [{
            "type": "message", "mode": "active", "timestamp": 1_700_000_000_000u64,
            "source": {"type": "user", "userId": user},
            "webhookEventId": event_id,
            "deliveryContext": {"isRedelivery": redelivery},
            "replyToken": "b60d432864f44d079f6d8efe86cf404b",
            "message": {"id": "444573844083572737", "type": "text", "quoteToken": "q", "text": text}
        }]
    })
    .to_string()
}

pub(crate) async fn deliver(
    app: &crate::helpers::TestApp,
    body: &str,
    signature: &str,
) -> StatusCode {
    reqwest::Client::new()
        .post(app.url("/line/webhook"))
        .header("content-type", "application/json")
        .header("x-line-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn line_messages_land_in_the_inbox_and_replies_go_back_through_line() {
    let line = line_like_server().await;
    let (base, seen) = (line.base.clone(), line.seen.clone());
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let response = app
        .submit(
            &owner,
            "/settings/line",
            "/settings/line",
            &[
                ("channel_secret", SECRET),
                ("access_token", TOKEN),
                ("api_base", &base),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let settings = app.page(&owner, "/settings/line").await;
    assert!(
        settings.contains(&format!("{}/line/webhook", app.address)),
        "the URL to paste"
    );
    assert!(
        !settings.contains(TOKEN) && !settings.contains(SECRET),
        "secrets are not shown again"
    );
    let mut feed = console(&app, &owner).await;

    // A bad signature is refused, and nothing is stored.
    let body = text_event(
        "01HZ0000000000000000000001",
        "U4af4980629",
        "送料はいくらですか？",
        false,
    );
    assert_eq!(
        deliver(&app, &body, "bm90IHRoZSByaWdodCBzaWduYXR1cmU=").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(deliver(&app, &body, "").await, StatusCode::UNAUTHORIZED);

    // Signed: a conversation on the LINE channel, the profile on the card.
    let signature = sodan::line::sign(SECRET, body.as_bytes());
    assert_eq!(deliver(&app, &body, &signature).await, StatusCode::OK);
    let message = feed.recv_type("message").await;
    assert_eq!(message["message"]["body"], "送料はいくらですか？");
    let conversation = message["message"]["conversation"].as_u64().unwrap();
    // The profile is read after the webhook was answered, and reaches the card soon after.
    let deadline = Instant::now() + Duration::from_secs(30);
    let page = loop {
        let page = app.page(&owner, &format!("/inbox/{conversation}")).await;
        if page.contains("山田 花子") {
            break page;
        }
        assert!(
            Instant::now() < deadline,
            "the LINE display name is the customer's name"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        page.contains("https://profile.line-scdn.net/abc"),
        "the picture is on the card"
    );
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|s| s.method == "GET" && s.path == "/v2/bot/profile/U4af4980629")
    );

    // A redelivery of the same event is not stored again.
    let again = text_event(
        "01HZ0000000000000000000001",
        "U4af4980629",
        "送料はいくらですか？",
        true,
    );
    let signature = sodan::line::sign(SECRET, again.as_bytes());
    assert_eq!(deliver(&app, &again, &signature).await, StatusCode::OK);
    let more = feed.collect_type("message", Duration::from_secs(1)).await;
    assert!(more.is_empty(), "{more:?}");
    let page = app.page(&owner, &format!("/inbox/{conversation}")).await;
    assert_eq!(
        page.matches("<div class=\"body\">送料はいくらですか？</div>")
            .count(),
        1,
        "stored once"
    );

    // The operator's reply goes out through the push endpoint.
    feed.send(json!({"type": "message", "conversation": conversation, "client_id": "r1", "body": "全国一律500円です。"}))
        .await;
    feed.recv_type("ack").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let push = loop {
        if let Some(p) = seen
            .lock()
            .unwrap()
            .iter()
            .find(|s| s.path == "/v2/bot/message/push")
            .cloned()
        {
            break p;
        }
        assert!(Instant::now() < deadline, "the reply reaches LINE");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(push.method, "POST");
    assert_eq!(push.headers["authorization"], format!("Bearer {TOKEN}"));
    assert!(push.headers["content-type"].starts_with("application/json"));
    let sent: Value = serde_json::from_str(&push.body).unwrap();
    assert_eq!(
        sent,
        json!({"to": "U4af4980629", "messages": [{"type": "text", "text": "全国一律500円です。"}]})
    );
    app.stop().await;
}

//! The REST API's conversations over the real server: list, read, messages, posting as an operator or the
//! bot (seen live by the visitor), status and assignment, and the errors; every answer is checked against
//! the OpenAPI document.

use reqwest::Method;
use serde_json::{Value, json};

use crate::customer_api::{api_token, call};
use crate::helpers::spawn_app;
use crate::ws::{SHOP_ORIGIN, console, visitor_hello};

#[tokio::test]
async fn the_back_office_reads_and_answers_conversations_through_the_api() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let token = api_token(&app, &owner, &["conversations:read", "conversations:write"]).await;
    let read_only = api_token(&app, &owner, &["customers:read"]).await;
    let mut feed = console(&app, &owner).await;
    let (mut widget, _) = visitor_hello(&app, &site, None).await;
    widget
        .send(json!({"type": "message", "client_id": "v1", "body": "Where is my order?"}))
        .await;
    let id = widget.recv_type("ack").await["conversation"]
        .as_u64()
        .unwrap();

    let (status, list) = call(
        &app,
        Method::GET,
        "/api/v1/conversations?status=open",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["conversations"][0]["id"], id);
    assert_eq!(list["conversations"][0]["preview"], "Where is my order?");
    let (_, none) = call(
        &app,
        Method::GET,
        "/api/v1/conversations?status=resolved",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(none["conversations"], json!([]));
    let (status, one) = call(
        &app,
        Method::GET,
        &format!("/api/v1/conversations/{id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        (status.as_u16(), one["status"].clone()),
        (200, json!("open"))
    );

    // An operator's reply through the API reaches the widget; a retry with the same client id stores nothing new.
    let reply = json!({"body": "It ships today.", "as": "operator", "operator_id": 1, "client_id": "erp-1"}).to_string();
    let path = format!("/api/v1/conversations/{id}/messages");
    let (status, posted) = call(&app, Method::POST, &path, Some(&token), Some(reply.clone())).await;
    assert_eq!(status, 201);
    assert_eq!(posted["author"]["kind"], "operator");
    let seen = widget.recv_type("message").await;
    assert_eq!(seen["message"]["body"], "It ships today.");
    let (_, again) = call(&app, Method::POST, &path, Some(&token), Some(reply)).await;
    assert_eq!(again["id"], posted["id"]);
    let bot = json!({"body": "Track it at /orders.", "as": "bot"}).to_string();
    let (status, by_bot) = call(&app, Method::POST, &path, Some(&token), Some(bot)).await;
    assert_eq!(
        (status.as_u16(), by_bot["author"]["kind"].clone()),
        (201, json!("bot"))
    );
    assert_eq!(
        widget.recv_type("message").await["message"]["author"]["kind"],
        "bot"
    );
    let (_, messages) = call(
        &app,
        Method::GET,
        &format!("{path}?after=1"),
        Some(&token),
        None,
    )
    .await;
    let bodies: Vec<&str> = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["It ships today.", "Track it at /orders."]);

    // Status and assignment, seen live by the console.
    let patch = json!({"status": "resolved", "assignee": 1}).to_string();
    let (status, changed) = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/conversations/{id}"),
        Some(&token),
        Some(patch),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (changed["status"].clone(), changed["assignee"].clone()),
        (json!("resolved"), json!(1))
    );
    loop {
        let frame = feed.recv_type("conversation").await;
        if frame["conversation"]["status"] == "resolved" {
            assert_eq!(frame["conversation"]["assignee"], 1);
            break;
        }
    }

    // Errors: one shape, a stable code, the right status.
    // (method, path, token, body, status, code)
    type Case<'a> = (
        Method,
        String,
        Option<&'a str>,
        Option<String>,
        u16,
        &'a str,
    );
    let cases: [Case; 8] = [
        (
            Method::GET,
            "/api/v1/conversations".into(),
            None,
            None,
            401,
            "unauthorized",
        ),
        (
            Method::GET,
            "/api/v1/conversations".into(),
            Some(&read_only),
            None,
            403,
            "forbidden",
        ),
        (
            Method::GET,
            "/api/v1/conversations/999".into(),
            Some(&token),
            None,
            404,
            "not_found",
        ),
        (
            Method::GET,
            "/api/v1/conversations?status=lost".into(),
            Some(&token),
            None,
            400,
            "bad_request",
        ),
        (
            Method::PATCH,
            format!("/api/v1/conversations/{id}"),
            Some(&token),
            Some("{\"status\":\"gone\"}".into()),
            422,
            "invalid",
        ),
        (
            Method::PATCH,
            format!("/api/v1/conversations/{id}"),
            Some(&token),
            Some("{\"labels\":[]}".into()),
            422,
            "invalid",
        ),
        (
            Method::POST,
            path.clone(),
            Some(&token),
            Some("{not json".into()),
            400,
            "bad_request",
        ),
        (
            Method::POST,
            path.clone(),
            Some(&token),
            Some(json!({"body": "x", "operator_id": 42}).to_string()),
            404,
            "not_found",
        ),
    ];
    for (method, path, auth, body, expected, code) in cases {
        let (status, answer) = call(&app, method.clone(), &path, auth, body).await;
        assert_eq!(status.as_u16(), expected, "{method} {path}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{method} {path}: {answer}");
    }
    let (status, answer) = call(
        &app,
        Method::GET,
        "/api/v1/nothing-here",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        (status.as_u16(), answer["error"]["code"].clone()),
        (404, json!("not_found"))
    );
    app.stop().await;
}

#[tokio::test]
async fn the_schema_check_rejects_what_the_document_does_not_describe() {
    let (app, _dir) = spawn_app().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let good = json!({"error": {"code": "not_found", "message": "no such conversation"}});
    crate::api_schema::check(&doc, "GET", "/api/v1/conversations/1", 404, &good);
    for (status, body) in [
        (404, json!({"error": "a bare string"})),
        (404, json!({"error": {"code": "teapot", "message": "x"}})),
        (200, json!({"conversations": [{"id": 1}]})),
        (418, good.clone()),
    ] {
        let failed = std::panic::catch_unwind(|| {
            crate::api_schema::check(&doc, "GET", "/api/v1/conversations", status, &body)
        });
        assert!(failed.is_err(), "{status} {body} should not pass");
    }
    app.stop().await;
}

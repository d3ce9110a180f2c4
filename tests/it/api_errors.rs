//! Every error the REST API gives, including the ones the framework raises before a handler runs, is the
//! documented JSON `{"error": {"code", "message"}}` with a documented status: unreadable path and query
//! parameters, limits out of range, bodies over the size limit or not sent as JSON (415), methods a path
//! lacks (405 with `Allow`, RFC 9110 15.5.6), and 401 with `WWW-Authenticate: Bearer` (RFC 6750 3), whose
//! scheme is case-insensitive (RFC 9110 11.1). HEAD answers wherever GET does (RFC 9110 9.3.2).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

/// Sends a request and checks the answer against the published document (status, JSON shape).
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Option<&str>,
    content_type: Option<&str>,
    body: Option<Vec<u8>>,
) -> Answer {
    let mut request = reqwest::Client::new().request(method.clone(), app.url(path));
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    if let Some(kind) = content_type {
        request = request.header("content-type", kind);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body: Value = if method == Method::HEAD {
        assert!(text.is_empty(), "HEAD has no body: {text}");
        Value::Null
    } else {
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{method} {path}: {status} {text}"
        );
        serde_json::from_str(&text).unwrap()
    };
    if method != Method::HEAD && status.as_u16() != 405 {
        let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        crate::api_schema::check(&doc, method.as_str(), path, status.as_u16(), &body);
    }
    Answer {
        status,
        headers,
        body,
    }
}

fn code(answer: &Answer) -> &str {
    answer.body["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn every_api_error_is_documented_json_even_from_the_framework() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let token = crate::customer_api::api_token(
        &app,
        &owner,
        &["customers:read", "customers:write", "conversations:read"],
    )
    .await;
    let bearer = format!("Bearer {token}");
    let auth = Some(bearer.as_str());
    let get = |path: &'static str| send(&app, Method::GET, path, auth, None, None);

    for path in [
        "/api/v1/conversations/abc",
        "/api/v1/conversations?limit=abc",
        "/api/v1/conversations?limit=0",
        "/api/v1/conversations?limit=1000",
        "/api/v1/conversations?status=open&status=open",
        "/api/v1/conversations?before=-1",
        "/api/v1/conversations/1/messages?limit=501",
    ] {
        let answer = get(path).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            answer.body
        );
        assert_eq!(code(&answer), "bad_request", "{path}");
    }
    assert_eq!(
        get("/api/v1/conversations?limit=200").await.status,
        StatusCode::OK
    );

    // 401 names the scheme; the scheme is case-insensitive.
    let none = send(&app, Method::GET, "/api/v1/conversations", None, None, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert!(
        none.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"),
        "{:?}",
        none.headers
    );
    let wrong = send(
        &app,
        Method::GET,
        "/api/v1/conversations",
        Some("Bearer sodan_nope"),
        None,
        None,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    for scheme in ["bearer", "BEARER"] {
        let header = format!("{scheme} {token}");
        let answer = send(
            &app,
            Method::GET,
            "/api/v1/conversations",
            Some(&header),
            None,
            None,
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{scheme}");
    }

    // A method the path lacks: 405 with the ones it has; HEAD works where GET does.
    let delete = send(
        &app,
        Method::DELETE,
        "/api/v1/conversations/1",
        auth,
        None,
        None,
    )
    .await;
    assert_eq!(delete.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(code(&delete), "method_not_allowed");
    assert_eq!(delete.headers["allow"], "GET, HEAD, PATCH");
    let head = send(
        &app,
        Method::HEAD,
        "/api/v1/conversations",
        auth,
        None,
        None,
    )
    .await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(
        head.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );

    // Bodies: JSON sent as something else, over 64 KB, over the 256 KB the server reads at all.
    let put = |kind: Option<&'static str>, body: Vec<u8>| {
        send(
            &app,
            Method::PUT,
            "/api/v1/customers/c-1",
            auth,
            kind,
            Some(body),
        )
    };
    let json_body = json!({"name": "Aiko"}).to_string().into_bytes();
    let plain = put(Some("text/plain"), json_body.clone()).await;
    assert_eq!(plain.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(code(&plain), "unsupported_media_type");
    let unlabelled = put(None, json_body.clone()).await;
    assert_eq!(unlabelled.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let labelled = put(Some("application/json; charset=utf-8"), json_body).await;
    assert_eq!(labelled.status, StatusCode::CREATED);
    for size in [100 * 1024, 300 * 1024] {
        let big = json!({"name": "x".repeat(size)}).to_string().into_bytes();
        let answer = put(Some("application/json"), big).await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{size}");
        assert_eq!(code(&answer), "too_large", "{size}: {}", answer.body);
    }

    // What the document states, the server enforces: phone is text, e-mail as the widget checks it.
    let phone = put(
        Some("application/json"),
        json!({"phone": 9012345678u64}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(phone.status, StatusCode::UNPROCESSABLE_ENTITY);
    let email = put(
        Some("application/json"),
        json!({"email": "a b@example.jp"}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(email.status, StatusCode::UNPROCESSABLE_ENTITY);

    let unknown = get("/api/v1/nothing").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(code(&unknown), "not_found");
    app.stop().await;
}

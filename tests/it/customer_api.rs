//! The back-office side of customer context over the real server: API tokens (scoped, revocable), the
//! REST API's upserts, reads and events with their errors, CSV import with a bad line, and bounded history.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Agent, TestApp, hidden_field, spawn_app, spawn_app_with};

/// Creates an API token with `scopes` in Settings → API tokens; returns its secret.
pub async fn api_token(app: &TestApp, admin: &Agent, scopes: &[&str]) -> String {
    let mut form: Vec<(&str, &str)> = vec![("name", "CRM sync")];
    form.extend(scopes.iter().map(|s| ("scope", *s)));
    let response = app
        .submit(admin, "/settings/api", "/settings/api", &form)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    page.split("id=\"api-secret\" class=\"code\" readonly value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the new token is shown once")
        .to_owned()
}

pub async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method.clone(), app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    crate::api_schema::check(&doc, method.as_str(), path, status.as_u16(), &body);
    (status, body)
}

async fn put(app: &TestApp, id: &str, token: &str, body: Value) -> (StatusCode, Value) {
    call(
        app,
        reqwest::Method::PUT,
        &format!("/api/v1/customers/{id}"),
        Some(token),
        Some(body.to_string()),
    )
    .await
}

async fn get(app: &TestApp, id: &str, token: &str) -> (StatusCode, Value) {
    call(
        app,
        reqwest::Method::GET,
        &format!("/api/v1/customers/{id}"),
        Some(token),
        None,
    )
    .await
}

#[tokio::test]
async fn tokens_are_scoped_and_a_revoked_token_fails() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let writer = api_token(&app, &owner, &["customers:write"]).await;
    let reader = api_token(&app, &owner, &["customers:read"]).await;
    assert!(writer.starts_with("sodan_") && writer != reader);

    let (status, body) = put(&app, "c-1", &writer, json!({"name": "Aiko"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = put(&app, "c-1", &writer, json!({"email": "aiko@example.jp"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = get(&app, "c-1", &writer).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("customers:read")
    );
    let (status, body) = get(&app, "c-1", &reader).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (body["name"].as_str(), body["email"].as_str()),
        (Some("Aiko"), Some("aiko@example.jp"))
    );
    let (status, _) = put(&app, "c-1", &reader, json!({"name": "Mallory"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let event = Some(json!({"name": "purchase", "properties": {"total": 1}}).to_string());
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/customers/c-1/events",
        Some(&writer),
        event,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "events need events:write");
    for token in [None, Some("sodan_not-a-token")] {
        let (status, _) = call(
            &app,
            reqwest::Method::GET,
            "/api/v1/customers/c-1",
            token,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    // The list shows the tokens but never their secrets; revoking one ends it at once.
    let page = app.page(&owner, "/settings/api").await;
    assert!(!page.contains(&writer) && !page.contains(&reader));
    let revoke = page
        .split("action=\"")
        .find(|s| s.starts_with("/settings/api/") && s.contains("/revoke"))
        .and_then(|s| s.split('"').next())
        .expect("a revoke button")
        .to_owned();
    let token_id: u64 = revoke.split('/').nth(3).unwrap().parse().unwrap();
    app.submit(&owner, "/settings/api", &revoke, &[]).await;
    let revoked = if token_id == 1 { &writer } else { &reader };
    let (status, body) = get(&app, "c-1", revoked).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoked"),
        "{body}"
    );
    // An operator who is not an admin cannot create tokens.
    let link = app.invite(&owner, "kenji@shop.example", "operator").await;
    let kenji = app
        .accept_invite(&link, "Kenji", "kenji's long password")
        .await;
    assert_eq!(
        app.get(&kenji, "/settings/api").await.status(),
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_api_input_gets_a_clear_error_and_loses_nothing() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let declared = app
        .submit(
            &owner,
            "/settings/customers",
            "/settings/customers/attributes",
            &[("key", "points"), ("label", "Points"), ("kind", "number")],
        )
        .await;
    assert_eq!(declared.status(), StatusCode::OK);
    let token = api_token(
        &app,
        &owner,
        &["customers:read", "customers:write", "events:write"],
    )
    .await;
    let (status, _) = put(
        &app,
        "c-1",
        &token,
        json!({"name": "Aiko", "points": "120", "plan": "gold"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let too_many: serde_json::Map<String, Value> =
        (0..101).map(|i| (format!("k{i}"), json!(i))).collect();
    for (body, expected, needle) in [
        (json!({"points": "many"}).to_string(), 422, "number"),
        (
            json!({"bio": "x".repeat(1001)}).to_string(),
            422,
            "longer than",
        ),
        (Value::Object(too_many).to_string(), 422, "at most 100"),
        (json!({"email": "not-mail"}).to_string(), 422, "e-mail"),
        (json!(["a"]).to_string(), 400, "object"),
        ("{not json".to_owned(), 400, "invalid JSON"),
        (
            json!({"bio": "x".repeat(70_000)}).to_string(),
            413,
            "larger than",
        ),
    ] {
        let (status, answer) = call(
            &app,
            reqwest::Method::PUT,
            "/api/v1/customers/c-1",
            Some(&token),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            status.as_u16(),
            expected,
            "{}: {answer}",
            &body[..body.len().min(60)]
        );
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(needle),
            "{answer}"
        );
    }
    let (_, stored) = get(&app, "c-1", &token).await;
    assert_eq!(stored["name"], "Aiko");
    assert_eq!(stored["attributes"], json!({"points": 120, "plan": "gold"}));

    // Events: unknown customers, bad names and huge properties are refused; a good one is counted.
    for (path, body, expected) in [
        (
            "/api/v1/customers/nobody/events",
            json!({"name": "purchase"}),
            404,
        ),
        (
            "/api/v1/customers/c-1/events",
            json!({"name": "has space"}),
            422,
        ),
        (
            "/api/v1/customers/c-1/events",
            json!({"name": "x", "properties": {"blob": "y".repeat(5000)}}),
            422,
        ),
        (
            "/api/v1/customers/c-1/events",
            json!({"name": "purchase", "properties": {"order_id": "A-1", "total": 5400}}),
            201,
        ),
    ] {
        let (status, answer) = call(
            &app,
            reqwest::Method::POST,
            path,
            Some(&token),
            Some(body.to_string()),
        )
        .await;
        assert_eq!(status.as_u16(), expected, "{path} {body}: {answer}");
    }
    let (_, stored) = get(&app, "c-1", &token).await;
    assert_eq!(stored["counts"]["events"], 1);
    let (status, _) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/nothing",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn a_csv_import_with_a_bad_line_imports_the_rest_and_names_the_line() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let token = api_token(&app, &owner, &["customers:read", "customers:write"]).await;
    // One customer exists already: the import updates them.
    put(
        &app,
        "m-2",
        &token,
        json!({"name": "Ben", "rank": "bronze"}),
    )
    .await;
    let csv = "会員番号,名前,email,rank,contract\n\
               m-1,Aiko Tanaka,aiko@example.jp,gold,2027-03-31\n\
               m-2,Ben Sato,ben@example.jp,silver,\n\
               m-3,Chie,not-an-address,bronze,\n\
               ,Nobody,,,\n\
               m-4,\"Dan, Jr.\",dan@example.jp,gold,2026-12-01\n";
    let preview = app
        .submit(
            &owner,
            "/customers/import",
            "/customers/import/preview",
            &[("csv", csv)],
        )
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let page = preview.text().await.unwrap();
    assert!(
        page.contains("<td>Aiko Tanaka</td>"),
        "the first rows are previewed"
    );
    assert!(page.contains("5 rows") || page.contains("(5 "), "{page}");
    let csrf = hidden_field(&page, "csrf").unwrap();
    let mapping = [
        ("map_0", "external_id"),
        ("map_1", "name"),
        ("map_2", "email"),
        ("map_3", "attr:rank"),
        ("map_4", "attr:contract"),
    ];
    for (field, value) in mapping {
        let select = page.split(&format!("name=\"{field}\"")).nth(1).unwrap();
        let select = select.split("</select>").next().unwrap();
        assert!(
            select.contains(&format!("value=\"{value}\" selected")),
            "{field} guessed as {value}: {select}"
        );
    }
    let mut form = vec![("csrf", csrf.as_str()), ("csv", csv)];
    form.extend(mapping);
    let report = app.post(&owner, "/customers/import", &form).await;
    assert_eq!(report.status(), StatusCode::OK);
    let report = report.text().await.unwrap();
    let number = |id: &str| -> String {
        report
            .split(&format!("id=\"{id}\">"))
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        (
            number("import-created"),
            number("import-updated"),
            number("import-skipped")
        ),
        ("2".into(), "1".into(), "2".into()),
        "{report}"
    );
    assert!(report.contains("data-line=\"4\""), "the bad e-mail's line");
    assert!(report.contains("data-line=\"5\""), "the row without an id");

    let (_, ben) = get(&app, "m-2", &token).await;
    assert_eq!(
        (ben["name"].as_str(), ben["attributes"]["rank"].as_str()),
        (Some("Ben Sato"), Some("silver"))
    );
    let (_, dan) = get(&app, "m-4", &token).await;
    assert_eq!(dan["name"], "Dan, Jr.");
    let (status, _) = get(&app, "m-3", &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the bad row was skipped");
    let list = app.page(&owner, "/customers?q=rank:gold").await;
    assert!(
        list.contains("Aiko Tanaka") && list.contains("Dan, Jr."),
        "{list}"
    );
    assert!(!list.contains("Ben Sato"));
    // The undeclared attributes are listed for the admin.
    let settings = app.page(&owner, "/settings/customers").await;
    let undeclared = settings.split("id=\"undeclared\"").nth(1).unwrap();
    assert!(
        undeclared.contains("<code>rank</code>") && undeclared.contains("<code>contract</code>")
    );
    app.stop().await;
}

#[tokio::test]
async fn history_stays_bounded_and_counters_stay_right() {
    let (app, _dir) = spawn_app_with(|config| {
        config.history.events = 3;
        config.history.page_views = 2;
    })
    .await;
    let owner = app.set_up_owner().await;
    let token = api_token(
        &app,
        &owner,
        &["customers:read", "customers:write", "events:write"],
    )
    .await;
    put(&app, "c-1", &token, json!({"name": "Aiko"})).await;
    for i in 1..=7 {
        let body = json!({"name": "view_item", "properties": {"sku": format!("SKU-{i}")}, "timestamp": 1_700_000_000_000u64 + i});
        let (status, _) = call(
            &app,
            reqwest::Method::POST,
            "/api/v1/customers/c-1/events",
            Some(&token),
            Some(body.to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (_, customer) = get(&app, "c-1", &token).await;
    assert_eq!(
        customer["counts"]["events"], 7,
        "the counter counts them all"
    );
    let id = customer["id"].as_u64().unwrap();
    let page = app.page(&owner, &format!("/customers/{id}")).await;
    let kept: Vec<u32> = (1..=7)
        .filter(|i| page.contains(&format!("SKU-{i}<")))
        .collect();
    assert_eq!(kept, [5, 6, 7], "only the newest events are kept");
    app.stop().await;
}

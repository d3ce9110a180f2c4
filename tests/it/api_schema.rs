//! Every REST API answer in the tests is checked against the OpenAPI document the server publishes: the
//! route and status must be documented, and the body must match the documented schema.

use serde_json::Value;

/// Finds the documented path template an actual path matches (`/conversations/7` → `/conversations/{id}`).
fn template<'d>(doc: &'d Value, path: &str) -> Option<&'d str> {
    let parts: Vec<&str> = path.split('/').collect();
    doc["paths"]
        .as_object()?
        .keys()
        .map(String::as_str)
        .find(|t| {
            let pattern: Vec<&str> = t.split('/').collect();
            pattern.len() == parts.len()
                && pattern.iter().zip(&parts).all(|(p, a)| {
                    (p.starts_with('{') && p.ends_with('}') && !a.is_empty()) || p == a
                })
        })
}

/// Checks one answer: `method` and `path` (under `/api/v1`, without the query) as called, the status and
/// the JSON body.
pub fn check(doc: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let path = path
        .trim_start_matches("/api/v1")
        .split('?')
        .next()
        .unwrap();
    let Some(t) = template(doc, path) else {
        // Unknown routes answer the documented error shape.
        assert_eq!(status, 404, "{method} {path}: undocumented route");
        return check_schema(
            doc,
            &serde_json::json!({"$ref": "#/components/schemas/Error"}),
            body,
            "404",
        );
    };
    let op = &doc["paths"][t][method.to_lowercase()];
    assert!(op.is_object(), "{method} {t}: undocumented method");
    let response = &op["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{method} {t}: status {status} is not documented"
    );
    let schema = &response["content"]["application/json"]["schema"];
    check_schema(doc, schema, body, &format!("{method} {t} {status}"));
}

fn check_schema(doc: &Value, schema: &Value, body: &Value, what: &str) {
    let mut root = doc.clone();
    root["allOf"] = serde_json::json!([schema]);
    let validator = jsonschema::validator_for(&root).expect("the OpenAPI schemas compile");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: the answer does not match the document: {errors:?}\n{body}"
    );
}

//! The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`. Its paths are checked against
//! the registered routes (`super::ENDPOINTS`) by a unit test, and the integration tests validate every API
//! answer against its schemas, so it stays true.

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use crate::web::State;

fn error_responses() -> Value {
    let e = json!({ "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    json!({
        "400": { "description": "Malformed request", "content": e["content"] },
        "401": { "description": "Missing, unknown or revoked token", "content": e["content"] },
        "403": { "description": "The token lacks the scope", "content": e["content"] },
        "404": { "description": "Not found", "content": e["content"] },
        "405": { "description": "The path does not answer this method (see Allow)", "content": e["content"] },
        "413": { "description": "Body too large", "content": e["content"] },
        "415": { "description": "The body is not sent as application/json", "content": e["content"] },
        "422": { "description": "Invalid input", "content": e["content"] },
        "503": { "description": "Storage unavailable; retry", "content": e["content"] },
    })
}

fn ok(status: &str, description: &str, schema: &str) -> Value {
    let mut responses = error_responses();
    responses[status] = json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
    });
    responses
}

fn body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": {
        "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn path_param(name: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": schema })
}

/// The largest id: ids are unsigned 64-bit integers.
const MAX_ID: u64 = u64::MAX;

/// Text without control characters (Unicode category Cc), as the server checks it.
const NO_CONTROLS: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

/// A whole number the server reads as an unsigned 64-bit integer, from `minimum`.
fn whole(minimum: u64) -> Value {
    json!({ "type": "integer", "minimum": minimum, "maximum": MAX_ID })
}

/// A contact field: text of at most 254 characters without control characters; `null` clears it.
fn contact() -> Value {
    json!({ "type": ["string", "null"], "maxLength": crate::customers::MAX_CONTACT_CHARS, "pattern": NO_CONTROLS })
}

/// An attribute's value: text (at most 1,000 characters), a number, true/false, or `null` to remove it.
fn attribute_value() -> Value {
    json!({ "type": ["string", "number", "boolean", "null"], "maxLength": crate::customers::attributes::MAX_TEXT_CHARS })
}

/// Attribute keys: letters, digits, `_` and `-`, 1 to 64 of them.
fn attribute_keys() -> Value {
    json!({ "pattern": "^[A-Za-z0-9_-]{1,64}$" })
}

/// A message's text: 1 to 5,000 characters with something besides spaces and control characters.
fn message_body() -> Value {
    json!({ "type": "string", "minLength": 1, "maxLength": crate::conversations::MAX_BODY_CHARS,
            "pattern": "[^\\s\\u0000-\\u001f\\u007f-\\u009f]" })
}

/// An idempotency key: 1 to 64 printable ASCII characters.
fn client_id() -> Value {
    json!({ "type": "string", "pattern": "^[\\u0021-\\u007e]{1,64}$",
            "description": "A retry with the same key in the same conversation returns the first message" })
}

fn query_param(name: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": schema })
}

fn operation(summary: &str, scope: &str, extra: Value) -> Value {
    let mut op = json!({ "summary": summary, "security": [{ "bearer": [scope] }] });
    for (k, v) in extra.as_object().into_iter().flatten() {
        op[k] = v.clone();
    }
    op
}

/// The document, with the server's base URL.
pub fn document(public_url: &str) -> Value {
    let customer = path_param(
        "external_id",
        json!({ "type": "string", "minLength": 1, "maxLength": crate::customers::MAX_ID_CHARS,
                "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$",
                "description": "The shop's own user id" }),
    );
    let conversation = path_param("id", whole(1));
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Sodan REST API",
            "version": "1",
            "description": "The shop's back office talks to Sodan: customers and their events, conversations and their messages. Errors are {\"error\": {\"code\", \"message\"}}."
        },
        "servers": [{ "url": format!("{public_url}/api/v1") }],
        "paths": {
            "/openapi.json": { "get": {
                "summary": "This document", "security": [],
                "responses": { "200": { "description": "The OpenAPI document", "content": { "application/json": { "schema": { "type": "object" } } } } }
            } },
            "/customers/{external_id}": {
                "get": operation("Read a customer by the shop's user id", "customers:read", json!({
                    "parameters": [customer], "responses": ok("200", "The customer", "Customer") })),
                "put": operation("Create or update a customer", "customers:write", json!({
                    "parameters": [customer], "requestBody": body("CustomerInput"),
                    "responses": { "201": { "description": "Created", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Customer" } } } },
                                   "200": { "description": "Updated", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Customer" } } } },
                                   "400": error_responses()["400"], "401": error_responses()["401"], "403": error_responses()["403"],
                                   "405": error_responses()["405"], "409": { "description": "The customer already keeps 100 attributes", "content": error_responses()["400"]["content"] },
                                   "413": error_responses()["413"], "415": error_responses()["415"], "422": error_responses()["422"], "503": error_responses()["503"] } }))
            },
            "/customers/{external_id}/events": {
                "post": operation("Record an event for a customer", "events:write", json!({
                    "parameters": [customer], "requestBody": body("EventInput"), "responses": ok("201", "Stored", "Stored") }))
            },
            "/customers/{external_id}/export": {
                "get": operation("Everything stored about a customer (privacy export)", "customers:read", json!({
                    "parameters": [customer], "responses": ok("200", "The export", "CustomerExport") }))
            },
            "/conversations": {
                "get": operation("List conversations, newest activity first", "conversations:read", json!({
                    "parameters": [
                        query_param("status", json!({ "type": "string", "enum": ["open", "pending", "snoozed", "resolved"] })),
                        query_param("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 })),
                        query_param("before", json!({ "type": "integer", "minimum": 0, "maximum": MAX_ID, "description": "A last_activity_at: only conversations active before it" }))
                    ],
                    "responses": ok("200", "Conversations", "ConversationList") }))
            },
            "/conversations/{id}": {
                "get": operation("Read a conversation", "conversations:read", json!({
                    "parameters": [conversation], "responses": ok("200", "The conversation", "Conversation") })),
                "patch": operation("Change status or assignment", "conversations:write", json!({
                    "parameters": [conversation], "requestBody": body("ConversationPatch"),
                    "responses": ok("200", "The conversation as changed", "Conversation") }))
            },
            "/conversations/{id}/messages": {
                "get": operation("Read messages, oldest first", "conversations:read", json!({
                    "parameters": [conversation,
                        query_param("after", json!({ "type": "integer", "minimum": 0, "maximum": MAX_ID, "description": "Only messages after this seq" })),
                        query_param("limit", json!({ "type": "integer", "minimum": 1, "maximum": 500, "default": 100 }))],
                    "responses": ok("200", "Messages", "MessageList") })),
                "post": operation("Post a message as an operator or the bot", "conversations:write", json!({
                    "parameters": [conversation], "requestBody": body("MessageInput"),
                    "responses": ok("201", "The stored message", "Message") }))
            }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "A token from Settings → API tokens (sodan_…)" } },
            "schemas": {
                "Error": { "type": "object", "additionalProperties": false, "required": ["error"], "properties": {
                    "error": { "type": "object", "additionalProperties": false, "required": ["code", "message"], "properties": {
                        "code": { "type": "string", "enum": ["bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict", "too_large", "unsupported_media_type", "invalid", "unavailable"] },
                        "message": { "type": "string" } } } } },
                "Customer": { "type": "object", "additionalProperties": false,
                    "required": ["id", "external_id", "name", "email", "phone", "attributes", "cart", "language", "time_zone", "first_seen_at", "last_seen_at", "counts"],
                    "properties": {
                        "id": { "type": "integer" }, "external_id": { "type": ["string", "null"] },
                        "name": { "type": "string" }, "email": { "type": "string" }, "phone": { "type": "string" },
                        "attributes": { "type": "object" },
                        "cart": { "type": "array", "items": { "type": "object", "additionalProperties": false, "required": ["sku", "name", "price", "quantity"], "properties": {
                            "sku": { "type": "string" }, "name": { "type": "string" }, "price": { "type": "number" }, "quantity": { "type": "integer" } } } },
                        "language": { "type": "string" }, "time_zone": { "type": "string" },
                        "first_seen_at": { "type": "integer" }, "last_seen_at": { "type": "integer" },
                        "counts": { "type": "object", "additionalProperties": false, "required": ["visits", "page_views", "events", "conversations"], "properties": {
                            "visits": { "type": "integer" }, "page_views": { "type": "integer" }, "events": { "type": "integer" }, "conversations": { "type": "integer" } } } } },
                "CustomerInput": { "type": "object",
                    "description": "Contact fields, and attributes either in `attributes` or as further fields (at most 100 at once; a customer keeps at most 100)",
                    "propertyNames": attribute_keys(), "maxProperties": 100,
                    "properties": {
                        "name": contact(), "phone": contact(),
                        "email": { "type": ["string", "null"], "maxLength": crate::customers::MAX_CONTACT_CHARS,
                                   "description": "An address as HTML's input type=email accepts it, or empty",
                                   "pattern": format!("^$|{}", crate::customers::EMAIL_PATTERN) },
                        "attributes": { "type": "object", "propertyNames": attribute_keys(), "maxProperties": 100,
                                        "additionalProperties": attribute_value() } },
                    "additionalProperties": attribute_value() },
                "EventInput": { "type": "object", "additionalProperties": false, "required": ["name"], "properties": {
                    "name": { "type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$" },
                    "properties": { "type": "object", "description": "At most 4 KB as JSON" },
                    "timestamp": { "type": "integer", "minimum": 0, "maximum": MAX_ID, "description": "Unix milliseconds; default now" } } },
                "CustomerExport": { "type": "object",
                    "required": ["exported_at", "customer", "segments", "intent", "page_views", "events", "conversations", "notes"],
                    "properties": {
                        "exported_at": { "type": "integer" },
                        "customer": { "$ref": "#/components/schemas/Customer" },
                        "segments": { "type": "array", "items": { "type": "integer" } },
                        "intent": { "type": "integer" },
                        "page_views": { "type": "array", "items": { "type": "object", "required": ["url", "at"] } },
                        "events": { "type": "array", "items": { "type": "object", "required": ["name"] } },
                        "conversations": { "type": "array", "items": { "type": "object", "required": ["id", "messages"],
                            "properties": { "messages": { "type": "array", "items": { "$ref": "#/components/schemas/Message" } } } } },
                        "notes": { "type": "array", "items": { "type": "object", "required": ["id", "body", "author_name"] } } } },
                "Stored": { "type": "object", "additionalProperties": false, "required": ["stored"], "properties": { "stored": { "type": "boolean" } } },
                "Conversation": { "type": "object", "additionalProperties": false,
                    "required": ["id", "customer_id", "status", "assignee", "labels", "created_at", "last_activity_at", "last_seq", "unread", "preview", "started_on"],
                    "properties": {
                        "id": { "type": "integer" }, "customer_id": { "type": "integer" },
                        "status": { "type": "string", "enum": ["open", "pending", "snoozed", "resolved"] },
                        "assignee": { "type": ["integer", "null"] }, "labels": { "type": "array", "items": { "type": "string" } },
                        "created_at": { "type": "integer" }, "last_activity_at": { "type": "integer" }, "last_seq": { "type": "integer" },
                        "unread": { "type": "integer" }, "preview": { "type": "string" }, "started_on": { "type": ["string", "null"] } } },
                "ConversationList": { "type": "object", "additionalProperties": false, "required": ["conversations"], "properties": {
                    "conversations": { "type": "array", "items": { "$ref": "#/components/schemas/Conversation" } } } },
                "ConversationPatch": { "type": "object", "additionalProperties": false, "properties": {
                    "status": { "type": "string", "enum": ["open", "pending", "resolved"] },
                    "assignee": { "type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID, "description": "An operator's id (404 if none), or null to unassign" } } },
                "Author": { "type": "object", "required": ["kind"], "properties": {
                    "kind": { "type": "string", "enum": ["visitor", "operator", "system", "bot"] },
                    "id": { "type": "integer" }, "name": { "type": "string" } } },
                "Message": { "type": "object", "additionalProperties": false,
                    "required": ["id", "conversation", "seq", "author", "body", "note", "attachment", "created_at"],
                    "properties": {
                        "id": { "type": "integer" }, "conversation": { "type": "integer" }, "seq": { "type": "integer" },
                        "author": { "$ref": "#/components/schemas/Author" }, "body": { "type": "string" }, "note": { "type": "boolean" },
                        "attachment": { "oneOf": [{ "type": "null" }, { "type": "object", "required": ["upload_id", "filename", "content_type", "size"] }] },
                        "created_at": { "type": "integer" } } },
                "MessageList": { "type": "object", "additionalProperties": false, "required": ["messages"], "properties": {
                    "messages": { "type": "array", "items": { "$ref": "#/components/schemas/Message" } } } },
                "MessageInput": { "oneOf": [
                    { "type": "object", "additionalProperties": false, "required": ["body", "operator_id"],
                      "description": "From an operator (the default); 404 if the operator does not exist",
                      "properties": { "body": message_body(), "as": { "const": "operator" }, "operator_id": whole(1),
                                      "note": { "type": "boolean" }, "client_id": client_id() } },
                    { "type": "object", "additionalProperties": false, "required": ["body", "as"],
                      "description": "From the bot: never a private note",
                      "properties": { "body": message_body(), "as": { "const": "bot" }, "note": { "const": false },
                                      "client_id": client_id() } } ] }
            }
        }
    })
}

/// `GET /api/v1/openapi.json` (no token needed).
pub async fn serve(state: web::Data<State>) -> HttpResponse {
    HttpResponse::Ok().json(document(&state.public_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_exactly_the_registered_routes() {
        let doc = document("http://x");
        let mut documented: Vec<(String, String)> = Vec::new();
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for method in ops.as_object().unwrap().keys() {
                documented.push((method.clone(), path.clone()));
            }
        }
        documented.sort();
        let mut registered: Vec<(String, String)> = super::super::ENDPOINTS
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        registered.sort();
        assert_eq!(documented, registered);
    }

    #[test]
    fn every_reference_points_at_a_schema() {
        let doc = document("http://x");
        let text = doc.to_string();
        for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(doc["components"]["schemas"].get(name).is_some(), "{name}");
        }
    }
}

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
        "413": { "description": "Body too large", "content": e["content"] },
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

fn path_param(name: &str, kind: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": kind } })
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
    let customer = path_param("external_id", "string");
    let conversation = path_param("id", "integer");
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
                                   "413": error_responses()["413"], "422": error_responses()["422"], "503": error_responses()["503"] } }))
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
                        query_param("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200 })),
                        query_param("before", json!({ "type": "integer", "description": "A last_activity_at: only conversations active before it" }))
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
                        query_param("after", json!({ "type": "integer", "description": "Only messages after this seq" })),
                        query_param("limit", json!({ "type": "integer", "minimum": 1, "maximum": 500 }))],
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
                        "code": { "type": "string", "enum": ["bad_request", "unauthorized", "forbidden", "not_found", "too_large", "invalid", "unavailable"] },
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
                "CustomerInput": { "type": "object", "properties": {
                    "name": { "type": "string" }, "email": { "type": "string" }, "phone": { "type": "string" }, "attributes": { "type": "object" } } },
                "EventInput": { "type": "object", "required": ["name"], "properties": {
                    "name": { "type": "string" }, "properties": { "type": "object" }, "timestamp": { "type": "integer", "description": "Unix milliseconds; default now" } } },
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
                    "status": { "type": "string", "enum": ["open", "pending", "resolved"] }, "assignee": { "type": ["integer", "null"] } } },
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
                "MessageInput": { "type": "object", "required": ["body"], "properties": {
                    "body": { "type": "string" }, "as": { "type": "string", "enum": ["operator", "bot"], "default": "operator" },
                    "operator_id": { "type": "integer" }, "note": { "type": "boolean" }, "client_id": { "type": "string" } } }
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

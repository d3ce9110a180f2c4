//! `/api/v1/conversations`: list and read conversations and their messages, post a message as an operator
//! or as the bot, change status and assignment. Everything posted or changed here reaches the console and
//! the widget live, as if done there.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Refusal, authorize, body_json, error, store_failed};
use crate::api_tokens::Scope;
use crate::conversations::{Status, live};
use crate::web::State;
use crate::webhooks::{conversation_json, message_json};

/// The most conversations one list answer carries.
const MAX_LIST: usize = 200;
/// The most messages one answer carries.
const MAX_MESSAGES: usize = 500;

fn refused(why: live::Refused) -> Refusal {
    match why {
        live::Refused::Invalid(i) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", i.message())
        }
        live::Refused::NotFound => {
            error(StatusCode::NOT_FOUND, "not_found", "no such conversation")
        }
        live::Refused::Store(e) => store_failed(e),
    }
}

fn not_found() -> Refusal {
    error(StatusCode::NOT_FOUND, "not_found", "no such conversation")
}

/// The list's filters.
#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    before: Option<u64>,
}

/// `GET /api/v1/conversations?status=&limit=&before=` (`conversations:read`): newest activity first;
/// `before` (a `last_activity_at`) pages back.
pub async fn list(
    req: HttpRequest,
    state: web::Data<State>,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    let run = async {
        authorize(&req, &state, Scope::ConversationsRead).await?;
        let status = match query.status.as_deref() {
            None | Some("") => None,
            Some(s) => Some(Status::parse(s).ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "status: open, pending, snoozed or resolved",
                )
            })?),
        };
        let limit = query.limit.unwrap_or(50).clamp(1, MAX_LIST);
        let before = query.before.unwrap_or(u64::MAX);
        let now = crate::clock::now();
        let list = state
            .store
            .inbox(
                move |c| {
                    c.last_activity_at < before
                        && status.is_none_or(|s| c.effective_status(now) == s)
                },
                limit,
            )
            .await
            .map_err(store_failed)?;
        let items: Vec<Value> = list.iter().map(conversation_json).collect();
        Ok(HttpResponse::Ok().json(json!({ "conversations": items })))
    };
    run.await.unwrap_or_else(Refusal::response)
}

/// `GET /api/v1/conversations/{id}` (`conversations:read`).
pub async fn get(req: HttpRequest, state: web::Data<State>, path: web::Path<u64>) -> HttpResponse {
    let run = async {
        authorize(&req, &state, Scope::ConversationsRead).await?;
        let c = state
            .store
            .conversation(path.into_inner())
            .await
            .map_err(store_failed)?
            .ok_or_else(not_found)?;
        Ok(HttpResponse::Ok().json(conversation_json(&c)))
    };
    run.await.unwrap_or_else(Refusal::response)
}

/// The messages page.
#[derive(Deserialize)]
pub struct MessagesQuery {
    #[serde(default)]
    after: Option<u64>,
    #[serde(default)]
    limit: Option<usize>,
}

/// `GET /api/v1/conversations/{id}/messages?after=&limit=` (`conversations:read`): oldest first, private
/// notes included (marked).
pub async fn messages(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<u64>,
    query: web::Query<MessagesQuery>,
) -> HttpResponse {
    let run = async {
        authorize(&req, &state, Scope::ConversationsRead).await?;
        let id = path.into_inner();
        state
            .store
            .conversation(id)
            .await
            .map_err(store_failed)?
            .ok_or_else(not_found)?;
        let limit = query.limit.unwrap_or(100).clamp(1, MAX_MESSAGES);
        let list = state
            .store
            .messages_after(id, query.after.unwrap_or(0), limit)
            .await
            .map_err(store_failed)?;
        let items: Vec<Value> = list.iter().map(message_json).collect();
        Ok(HttpResponse::Ok().json(json!({ "messages": items })))
    };
    run.await.unwrap_or_else(Refusal::response)
}

/// `POST /api/v1/conversations/{id}/messages` (`conversations:write`):
/// `{"body", "as": "operator" | "bot", "operator_id" (with "operator"), "note", "client_id"}`; 201 with the
/// stored message (a retry with the same `client_id` returns the first one).
pub async fn post_message(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<u64>,
    body: web::Bytes,
) -> HttpResponse {
    let run = async {
        authorize(&req, &state, Scope::ConversationsWrite).await?;
        let id = path.into_inner();
        let input = body_json(&body)?;
        let text = input["body"].as_str().unwrap_or("");
        let note = input["note"].as_bool().unwrap_or(false);
        let client_id = input["client_id"].as_str();
        let (store, hub) = (&state.store, &state.hub);
        let message = match input["as"].as_str().unwrap_or("operator") {
            "operator" => {
                let operator_id = input["operator_id"].as_u64().ok_or_else(|| {
                    error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        "operator_id: the operator the message is from",
                    )
                })?;
                let operator = store
                    .operator(operator_id)
                    .await
                    .map_err(store_failed)?
                    .filter(|o| !o.disabled)
                    .ok_or_else(|| {
                        error(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "invalid",
                            "operator_id: no such operator",
                        )
                    })?;
                let reply = live::Reply {
                    client_id,
                    body: text,
                    note,
                };
                live::post_from_operator(store, hub, None, &operator, id, reply)
                    .await
                    .map_err(refused)?
                    .message
            }
            "bot" => {
                if note {
                    return Err(error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        "note: the bot writes to the visitor only",
                    ));
                }
                live::post_from_bot(store, hub, id, text)
                    .await
                    .map_err(refused)?
            }
            _ => {
                return Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    "as: operator or bot",
                ));
            }
        };
        Ok(HttpResponse::Created().json(message_json(&message)))
    };
    run.await.unwrap_or_else(Refusal::response)
}

/// `PATCH /api/v1/conversations/{id}` (`conversations:write`): `{"status", "assignee"}` (assignee `null`
/// unassigns); answers the conversation as changed.
pub async fn patch(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<u64>,
    body: web::Bytes,
) -> HttpResponse {
    let run = async {
        authorize(&req, &state, Scope::ConversationsWrite).await?;
        let id = path.into_inner();
        let input = body_json(&body)?;
        let Some(fields) = input.as_object() else {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "the body must be a JSON object",
            ));
        };
        let status = match fields.get("status") {
            None => None,
            Some(v) => match v.as_str().and_then(Status::parse) {
                Some(Status::Snoozed) | None => {
                    return Err(error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        "status: open, pending or resolved",
                    ));
                }
                Some(s) => Some(s),
            },
        };
        let assignee = match fields.get("assignee") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(v) => {
                let operator = match v.as_u64() {
                    Some(o) => state.store.operator(o).await.map_err(store_failed)?,
                    None => None,
                };
                match operator.filter(|o| !o.disabled) {
                    Some(o) => Some(Some(o.id)),
                    None => {
                        return Err(error(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "invalid",
                            "assignee: an operator's id, or null",
                        ));
                    }
                }
            }
        };
        if let Some(unknown) = fields
            .keys()
            .find(|k| !["status", "assignee"].contains(&k.as_str()))
        {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                &format!("{unknown}: only status and assignee can be changed"),
            ));
        }
        let updated = live::update(&state.store, &state.hub, id, move |c| {
            if let Some(s) = status {
                c.status = s;
                c.snoozed_until = None;
            }
            if let Some(a) = assignee {
                c.assignee = a;
            }
        })
        .await
        .map_err(refused)?;
        Ok(HttpResponse::Ok().json(conversation_json(&updated)))
    };
    run.await.unwrap_or_else(Refusal::response)
}

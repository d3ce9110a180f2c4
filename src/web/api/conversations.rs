//! `/api/v1/conversations`: list and read conversations and their messages, post a message as an operator
//! or as the bot, change status and assignment. Everything posted or changed here reaches the console and
//! the widget live, as if done there.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::input::{self, Fields};
use super::{Refusal, authorize, error, store_failed};
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
    limit: Option<u64>,
    #[serde(default)]
    before: Option<u64>,
}

/// A page size from the query: absent means `default`; outside 1 to `max` is refused, as documented.
fn limit(given: Option<u64>, default: usize, max: usize) -> Result<usize, Refusal> {
    match given {
        None => Ok(default),
        Some(n) if (1..=max as u64).contains(&n) => Ok(n as usize),
        Some(_) => Err(error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("limit: 1 to {max}"),
        )),
    }
}

/// An operator the API names (an author or an assignee): 404 when there is no such active operator.
async fn operator(
    state: &State,
    id: u64,
    field: &str,
) -> Result<crate::operators::Operator, Refusal> {
    state
        .store
        .operator(id)
        .await
        .map_err(store_failed)?
        .filter(|o| !o.disabled)
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "not_found",
                &format!("{field}: no such operator"),
            )
        })
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
            None => None,
            Some(s) => Some(Status::parse(s).ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "status: open, pending, snoozed or resolved",
                )
            })?),
        };
        let limit = limit(query.limit, 50, MAX_LIST)?;
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
    limit: Option<u64>,
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
        let limit = limit(query.limit, 100, MAX_MESSAGES)?;
        state
            .store
            .conversation(id)
            .await
            .map_err(store_failed)?
            .ok_or_else(not_found)?;
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
        let input = input::json(&req, &body)?;
        let fields = Fields::of(&input, &["body", "as", "operator_id", "note", "client_id"])?;
        let invalid = |m: &str| error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m);
        let text = fields
            .text("body")?
            .ok_or_else(|| invalid("body: the message is required"))?;
        if text.chars().count() > crate::conversations::MAX_BODY_CHARS {
            return Err(invalid(crate::conversations::Invalid::TooLong.message()));
        }
        let note = fields.flag("note")?;
        let client_id = fields.text("client_id")?;
        let (store, hub) = (&state.store, &state.hub);
        let message = match fields.text("as")?.unwrap_or("operator") {
            "operator" => {
                let operator_id = fields
                    .id("operator_id")?
                    .ok_or_else(|| invalid("operator_id: the operator the message is from"))?;
                let operator = operator(&state, operator_id, "operator_id").await?;
                let reply = live::Reply {
                    client_id,
                    body: text,
                    note: note.unwrap_or(false),
                };
                live::post_from_operator(store, hub, None, &operator, id, reply)
                    .await
                    .map_err(refused)?
                    .message
            }
            "bot" => {
                if note == Some(true) {
                    return Err(invalid("note: the bot writes to the visitor only"));
                }
                if fields.has("operator_id") {
                    return Err(invalid("operator_id: only with \"as\": \"operator\""));
                }
                if let Some(c) = client_id {
                    crate::conversations::parse_client_id(c).map_err(|e| invalid(e.message()))?;
                }
                live::post_from_bot(store, hub, id, text)
                    .await
                    .map_err(refused)?
            }
            _ => return Err(invalid("as: operator or bot")),
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
        let input = input::json(&req, &body)?;
        let fields = Fields::of(&input, &["status", "assignee"])?;
        let status = match fields.text("status")? {
            None => None,
            Some(v) => match Status::parse(v) {
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
        let assignee = match fields.all().get("assignee") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(_) => match fields.id("assignee")? {
                Some(o) => Some(Some(operator(&state, o, "assignee").await?.id)),
                None => None,
            },
        };
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
        if status == Some(Status::Resolved) {
            crate::ai::learn::remember(&state.store, &updated).await;
        }
        Ok(HttpResponse::Ok().json(conversation_json(&updated)))
    };
    run.await.unwrap_or_else(Refusal::response)
}

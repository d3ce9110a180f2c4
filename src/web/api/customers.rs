//! `/api/v1/customers`: upsert a customer by the shop's user id, read one, post events for them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::input::{self, Fields};
use super::{Refusal, authorize, error, store_failed};
use crate::api_tokens::Scope;
use crate::customers::{events, parse_external_id, parse_traits};
use crate::visitors::Visitor;
use crate::web::State;
use crate::webhooks::customer_json;

fn external_id(raw: &str) -> Result<String, Refusal> {
    parse_external_id(raw)
        .map_err(|e| error(StatusCode::BAD_REQUEST, "bad_request", &e.to_string()))
}

/// The customer with the shop's user id `id`, or 404 with `missing` as the message.
async fn find(state: &State, id: String, missing: &str) -> Result<Visitor, Refusal> {
    state
        .store
        .customer_by_external_id(id)
        .await
        .map_err(store_failed)?
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "not_found", missing))
}

/// `GET /api/v1/customers/{external_id}` (`customers:read`).
pub async fn get_customer(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<String>,
) -> HttpResponse {
    let run = async {
        authorize(&req, &state, Scope::CustomersRead).await?;
        let id = external_id(&path)?;
        let c = find(&state, id, "no customer with this id").await?;
        Ok(HttpResponse::Ok().json(customer_json(&c)))
    };
    run.await.unwrap_or_else(Refusal::response)
}

/// `PUT /api/v1/customers/{external_id}` (`customers:write`): creates or updates the customer with
/// `{name, email, phone, attributes: {…}}`; 201 when created, 200 when updated.
pub async fn put_customer(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let run = async {
        authorize(&req, &state, Scope::CustomersWrite).await?;
        let id = external_id(&path)?;
        let input = input::json(&req, &body)?;
        if !input.is_object() {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "the body must be a JSON object",
            ));
        }
        let defs = state.store.attribute_defs().await.map_err(store_failed)?;
        let traits = parse_traits(&input, &defs)
            .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", &e.to_string()))?;
        match state
            .store
            .upsert_customer(id, traits)
            .await
            .map_err(store_failed)?
        {
            Ok((c, created)) => {
                let status = if created {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                };
                Ok(HttpResponse::build(status).json(customer_json(&c)))
            }
            // The input was fine; what the customer already holds refuses it (too many attributes).
            Err(e) => Err(error(StatusCode::CONFLICT, "conflict", &e.to_string())),
        }
    };
    run.await.unwrap_or_else(Refusal::response)
}

/// `POST /api/v1/customers/{external_id}/events` (`events:write`): `{name, properties, timestamp?}`
/// (timestamp in Unix milliseconds, default now).
pub async fn post_event(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let run = async {
        authorize(&req, &state, Scope::EventsWrite).await?;
        let id = external_id(&path)?;
        let input = input::json(&req, &body)?;
        let fields = Fields::of(&input, &["name", "properties", "timestamp"])?;
        let name = fields.text("name")?.ok_or_else(|| {
            error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "name: the event's name is required",
            )
        })?;
        let at = fields
            .number("timestamp")?
            .unwrap_or_else(crate::clock::now_millis);
        let properties = fields.object("properties")?.cloned().unwrap_or(Value::Null);
        let event = events::parse_event(name, &properties, at)
            .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", &e.to_string()))?;
        let customer = find(
            &state,
            id,
            "no customer with this id; create it with PUT /api/v1/customers/{id} first",
        )
        .await?;
        state
            .store
            .track(customer.id, event, false)
            .await
            .map_err(store_failed)?;
        Ok(HttpResponse::Created().json(json!({ "stored": true })))
    };
    run.await.unwrap_or_else(Refusal::response)
}

/// `GET /api/v1/customers/{external_id}/export` (`customers:read`): everything stored about the customer.
pub async fn export(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<String>,
) -> HttpResponse {
    let run = async {
        let token = authorize(&req, &state, Scope::CustomersRead).await?;
        let id = external_id(&path)?;
        let customer = find(&state, id, "no customer with this id").await?;
        let data = state
            .store
            .customer_export(customer.id)
            .await
            .map_err(store_failed)?
            .ok_or_else(|| {
                error(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "no customer with this id",
                )
            })?;
        let actor = format!("API token {:?}", token.name);
        let target = format!("customer {}", customer.id);
        state
            .store
            .audit(actor, "customer.export", target)
            .await
            .map_err(store_failed)?;
        Ok(HttpResponse::Ok().json(data))
    };
    run.await.unwrap_or_else(Refusal::response)
}

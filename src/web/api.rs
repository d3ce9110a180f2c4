//! The back-office REST API (`/api/v1`), for the shop's own systems: upsert a customer by the shop's user
//! id, read one, post events. Authenticated by `Authorization: Bearer sodan_…` tokens with scopes; answers
//! and errors are JSON (`{"error": "…"}`) with the status that says what went wrong.

use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::api_tokens::{ApiToken, Scope};
use crate::customers::{events, parse_external_id, parse_traits};
use crate::visitors::Visitor;
use crate::web::State;

/// The largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Registers the API's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES * 4))
            .route("/customers/{external_id}", web::get().to(get_customer))
            .route("/customers/{external_id}", web::put().to(put_customer))
            .route(
                "/customers/{external_id}/events",
                web::post().to(post_event),
            )
            .default_service(web::to(|| async {
                error(StatusCode::NOT_FOUND, "no such API endpoint").response()
            })),
    );
}

/// Why a request was refused: the status and a message for the caller's developer.
struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn response(self) -> HttpResponse {
        HttpResponse::build(self.status).json(json!({ "error": self.message }))
    }
}

fn error(status: StatusCode, message: &str) -> Refusal {
    Refusal {
        status,
        message: message.to_owned(),
    }
}

/// Checks the bearer token and its scope.
async fn authorize(req: &HttpRequest, state: &State, scope: Scope) -> Result<ApiToken, Refusal> {
    let secret = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    if secret.is_empty() {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "send an API token: Authorization: Bearer sodan_… (Settings → API tokens)",
        ));
    }
    let token = state
        .store
        .api_token(crate::tokens::digest(secret))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "API token lookup failed");
            error(StatusCode::SERVICE_UNAVAILABLE, "try again in a moment")
        })?;
    match token {
        Some(t) if t.revoked_at.is_some() => Err(error(
            StatusCode::UNAUTHORIZED,
            "this API token was revoked",
        )),
        Some(t) if t.allows(scope) => Ok(t),
        Some(_) => Err(error(
            StatusCode::FORBIDDEN,
            &format!("this API token lacks the {} scope", scope.as_str()),
        )),
        None => Err(error(StatusCode::UNAUTHORIZED, "unknown API token")),
    }
}

fn body_json(body: &web::Bytes) -> Result<Value, Refusal> {
    if body.len() > MAX_BODY_BYTES {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the body is larger than {MAX_BODY_BYTES} bytes"),
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| error(StatusCode::BAD_REQUEST, &format!("invalid JSON: {e}")))
}

fn external_id(raw: &str) -> Result<String, Refusal> {
    parse_external_id(raw).map_err(|e| error(StatusCode::BAD_REQUEST, &e.0))
}

fn store_failed(e: crate::store::Error) -> Refusal {
    tracing::error!(error = %e, "API store call failed");
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the change could not be saved; try again",
    )
}

/// A customer as the API shows it.
pub fn customer_json(c: &Visitor) -> Value {
    let p = &c.profile;
    json!({
        "id": c.id,
        "external_id": p.external_id,
        "name": p.name,
        "email": p.email,
        "phone": p.phone,
        "attributes": p.attributes,
        "cart": p.cart,
        "language": p.language,
        "time_zone": p.time_zone,
        "first_seen_at": c.created_at,
        "last_seen_at": c.last_seen_at,
        "counts": {
            "visits": c.counts.visits,
            "page_views": c.counts.page_views,
            "events": c.counts.events,
            "conversations": c.counts.conversations,
        },
    })
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
        match state
            .store
            .customer_by_external_id(id)
            .await
            .map_err(store_failed)?
        {
            Some(c) => Ok(HttpResponse::Ok().json(customer_json(&c))),
            None => Err(error(StatusCode::NOT_FOUND, "no customer with this id")),
        }
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
        let input = body_json(&body)?;
        if !input.is_object() {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "the body must be a JSON object",
            ));
        }
        let defs = state.store.attribute_defs().await.map_err(store_failed)?;
        let traits = parse_traits(&input, &defs)
            .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, &e.0))?;
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
            Err(e) => Err(error(StatusCode::UNPROCESSABLE_ENTITY, &e.0)),
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
        let input = body_json(&body)?;
        let name = input["name"].as_str().unwrap_or("");
        let at = match &input["timestamp"] {
            Value::Null => crate::clock::now_millis(),
            v => v.as_u64().ok_or_else(|| {
                error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "timestamp must be Unix milliseconds",
                )
            })?,
        };
        let event = events::parse_event(name, &input["properties"], at)
            .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, &e.0))?;
        let customer = state
            .store
            .customer_by_external_id(id)
            .await
            .map_err(store_failed)?
            .ok_or_else(|| {
                error(
                    StatusCode::NOT_FOUND,
                    "no customer with this id; create it with PUT /api/v1/customers/{id} first",
                )
            })?;
        state
            .store
            .track(customer.id, event, false)
            .await
            .map_err(store_failed)?;
        Ok(HttpResponse::Created().json(json!({ "stored": true })))
    };
    run.await.unwrap_or_else(Refusal::response)
}

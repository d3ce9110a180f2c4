//! The back-office REST API (`/api/v1`), for the shop's own systems: customers and their events,
//! conversations and their messages. Authenticated by `Authorization: Bearer sodan_…` tokens with
//! scopes. Answers are JSON; errors have one shape, `{"error": {"code", "message"}}`, with the status that
//! says what went wrong. The OpenAPI document (`/api/v1/openapi.json`) describes every route registered
//! here: both come from the one [`endpoints!`] list.

mod conversations;
mod customers;
pub mod openapi;

use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::api_tokens::{ApiToken, Scope};
use crate::web::State;

/// The largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Declares the API's routes once: registration and the list the OpenAPI document is checked against.
macro_rules! endpoints {
    ($( $method:ident $path:literal => $handler:path ),* $(,)?) => {
        /// Every route as `(method, path)`, paths as the OpenAPI document writes them (checked against it).
        #[cfg(test)]
        pub const ENDPOINTS: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        fn register(scope: actix_web::Scope) -> actix_web::Scope {
            scope $(.route($path, web::$method().to($handler)))*
        }
    };
}

endpoints! {
    get "/openapi.json" => openapi::serve,
    get "/customers/{external_id}" => customers::get_customer,
    put "/customers/{external_id}" => customers::put_customer,
    post "/customers/{external_id}/events" => customers::post_event,
    get "/customers/{external_id}/export" => customers::export,
    get "/conversations" => conversations::list,
    get "/conversations/{id}" => conversations::get,
    patch "/conversations/{id}" => conversations::patch,
    get "/conversations/{id}/messages" => conversations::messages,
    post "/conversations/{id}/messages" => conversations::post_message,
}

/// Registers the API's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        register(web::scope("/api/v1").app_data(web::PayloadConfig::new(MAX_BODY_BYTES * 4)))
            .default_service(web::to(|| async {
                error(StatusCode::NOT_FOUND, "not_found", "no such API endpoint").response()
            })),
    );
}

/// Why a request was refused: the status, a stable code and a message for the caller's developer.
pub(super) struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn response(self) -> HttpResponse {
        HttpResponse::build(self.status)
            .json(json!({ "error": { "code": self.code, "message": self.message } }))
    }
}

fn error(status: StatusCode, code: &'static str, message: &str) -> Refusal {
    Refusal {
        status,
        code,
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
    let unauthorized = |message: &str| error(StatusCode::UNAUTHORIZED, "unauthorized", message);
    if secret.is_empty() {
        return Err(unauthorized(
            "send an API token: Authorization: Bearer sodan_… (Settings → API tokens)",
        ));
    }
    let token = state
        .store
        .api_token(crate::tokens::digest(secret))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "API token lookup failed");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "try again in a moment",
            )
        })?;
    match token {
        Some(t) if t.revoked_at.is_some() => Err(unauthorized("this API token was revoked")),
        Some(t) if t.allows(scope) => Ok(t),
        Some(_) => Err(error(
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!("this API token lacks the {} scope", scope.as_str()),
        )),
        None => Err(unauthorized("unknown API token")),
    }
}

fn body_json(body: &web::Bytes) -> Result<Value, Refusal> {
    if body.len() > MAX_BODY_BYTES {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            &format!("the body is larger than {MAX_BODY_BYTES} bytes"),
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("invalid JSON: {e}"),
        )
    })
}

fn store_failed(e: crate::store::Error) -> Refusal {
    tracing::error!(error = %e, "API store call failed");
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "the change could not be saved; try again",
    )
}

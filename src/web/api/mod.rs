//! The back-office REST API (`/api/v1`), for the shop's own systems: customers and their events,
//! conversations and their messages. Authenticated by `Authorization: Bearer sodan_…` tokens with
//! scopes. Answers are JSON; errors have one shape, `{"error": {"code", "message"}}`, with the status that
//! says what went wrong. The OpenAPI document (`/api/v1/openapi.json`) describes every route registered
//! here: both come from the one [`endpoints!`] list.

mod conversations;
mod customers;
mod errors;
mod input;
pub mod openapi;

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use actix_web::{HttpRequest, HttpResponse, Route, web};
use serde_json::json;

use crate::api_tokens::{ApiToken, Scope};
use crate::web::State;

pub use input::MAX_BODY_BYTES;

/// Declares the API's routes once: registration (one resource per path, so a method it lacks answers 405
/// with `Allow`; HEAD wherever GET is) and the list the OpenAPI document is checked against.
macro_rules! endpoints {
    ($( $method:ident $path:literal => $handler:path ),* $(,)?) => {
        /// Every route as `(method, path)`, paths as the OpenAPI document writes them (checked against it).
        pub const ENDPOINTS: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        /// Every route with its handler; a GET's HEAD twin comes with it.
        fn handlers() -> Vec<(&'static str, Route, Option<Route>)> {
            vec![$((
                $path,
                web::$method().to($handler),
                (stringify!($method) == "get").then(|| web::head().to($handler)),
            )),*]
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

/// The methods a path answers, for `Allow` (HEAD wherever GET is).
pub fn allowed_methods(path: &str) -> String {
    let mut methods: Vec<&str> = Vec::new();
    for (method, p) in ENDPOINTS {
        if *p == path {
            methods.push(method);
            if *method == "get" {
                methods.push("head");
            }
        }
    }
    methods
        .iter()
        .map(|m| m.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Registers the API's routes, each path one resource, with framework errors (path, query, body size,
/// method) answered as the documented JSON error.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let mut scope = web::scope("/api/v1")
        .app_data(web::PayloadConfig::new(MAX_BODY_BYTES * 4))
        .app_data(errors::path_config())
        .app_data(errors::query_config())
        .wrap(actix_web::middleware::from_fn(errors::as_json));
    let mut rest = handlers();
    while let Some(path) = rest.first().map(|(p, _, _)| *p) {
        let (mine, others): (Vec<_>, Vec<_>) = rest.into_iter().partition(|(p, _, _)| *p == path);
        rest = others;
        let allow = allowed_methods(path);
        let mut resource = web::resource(path).default_service(web::to(move || {
            let allow = allow.clone();
            async move { errors::method_not_allowed(&allow) }
        }));
        for (_, route, head) in mine {
            resource = resource.route(route);
            if let Some(head) = head {
                resource = resource.route(head);
            }
        }
        scope = scope.service(resource);
    }
    cfg.service(scope.default_service(web::to(|| async {
        error(StatusCode::NOT_FOUND, "not_found", "no such API endpoint").response()
    })));
}

/// Why a request was refused: the status, a stable code and a message for the caller's developer.
#[derive(Debug)]
pub(super) struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status)
            .json(json!({ "error": { "code": self.code, "message": self.message } }));
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750 3: a 401 names the scheme the client should use.
            let challenge = if self.message.starts_with("send an API token") {
                "Bearer realm=\"sodan\""
            } else {
                "Bearer realm=\"sodan\", error=\"invalid_token\""
            };
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}

fn error(status: StatusCode, code: &'static str, message: &str) -> Refusal {
    Refusal {
        status,
        code,
        message: message.to_owned(),
    }
}

/// The token of an `Authorization: Bearer …` header; the scheme is case-insensitive (RFC 9110 11.1).
fn bearer(req: &HttpRequest) -> &str {
    let value = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => "",
    }
}

/// Checks the bearer token and its scope.
async fn authorize(req: &HttpRequest, state: &State, scope: Scope) -> Result<ApiToken, Refusal> {
    let secret = bearer(req);
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

fn store_failed(e: crate::store::Error) -> Refusal {
    tracing::error!(error = %e, "API store call failed");
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "the change could not be saved; try again",
    )
}

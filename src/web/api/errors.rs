//! The API's errors from outside its handlers, in the one documented shape: a path or query the framework
//! cannot read (400), a method a path lacks (405 with `Allow`, RFC 9110 15.5.6), a body over the size
//! limit (413), and anything else the framework answers in plain text.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use super::error;

/// Path parameters that do not parse (an id that is not a number) are a malformed request.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _| {
        let message = format!("path: {err}");
        actix_web::error::InternalError::from_response(
            err,
            error(StatusCode::BAD_REQUEST, "bad_request", &message).response(),
        )
        .into()
    })
}

/// Query strings that do not parse (a limit that is not a number, a parameter given twice) likewise.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _| {
        let message = format!("query: {err}");
        actix_web::error::InternalError::from_response(
            err,
            error(StatusCode::BAD_REQUEST, "bad_request", &message).response(),
        )
        .into()
    })
}

/// 405 for a method a path does not answer, with the ones it does.
pub fn method_not_allowed(allow: &str) -> HttpResponse {
    let mut response = error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &format!("this path answers {allow}"),
    )
    .response();
    if let Ok(value) = HeaderValue::from_str(allow) {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}

/// The code the document gives each error status.
fn code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        413 => "too_large",
        415 => "unsupported_media_type",
        422 => "invalid",
        500.. => "unavailable",
        _ => "bad_request",
    }
}

/// Rewrites an error the framework answered in plain text as the documented JSON error, keeping its
/// status and its words.
pub async fn as_json(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    let json = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.as_u16() < 400 || json {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let text = actix_web::body::to_bytes(res.into_body())
        .await
        .map(|b| {
            String::from_utf8_lossy(&b)
                .chars()
                .take(300)
                .collect::<String>()
        })
        .unwrap_or_default();
    let message = if text.trim().is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text
    };
    let out = error(status, code(status), &message).response();
    Ok(ServiceResponse::new(req, out))
}

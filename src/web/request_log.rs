//! One log line per request, with an id that also goes back to the client as `X-Request-Id`, and a tracing
//! span so every line logged while handling the request carries the same id.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

/// Paths whose last segment is a secret (an invitation, a mail link, an unsubscribe link): the log shows the
/// path without it.
const SECRET_PATHS: [&str; 3] = ["/invite/", "/c/", "/unsubscribe/"];

/// `path` as the log may show it: a secret segment becomes `…`.
pub fn redacted(path: &str) -> String {
    for prefix in SECRET_PATHS {
        if path.starts_with(prefix) && path.len() > prefix.len() {
            return format!("{prefix}…");
        }
    }
    path.to_owned()
}

/// The middleware function (see `actix_web::middleware::from_fn`).
pub async fn log_request<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    let id = crate::tokens::random()[..12].to_owned();
    let (method, path) = (req.method().clone(), redacted(req.path()));
    let quiet = path.starts_with("/assets/") || path == "/healthz" || path == "/metrics";
    let span = tracing::info_span!("request", id = %id);
    let started = Instant::now();
    let mut response = next.call(req).instrument(span.clone()).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if quiet {
            tracing::debug!(%method, %path, status, ms, "request");
        } else {
            tracing::info!(%method, %path, status, ms, "request");
        }
    });
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn secrets_in_paths_never_reach_the_log() {
        assert_eq!(redacted("/invite/0123abcd"), "/invite/…");
        assert_eq!(redacted("/c/42.1700000000.cafe"), "/c/…");
        assert_eq!(redacted("/unsubscribe/7.beef"), "/unsubscribe/…");
        assert_eq!(redacted("/inbox/42"), "/inbox/42");
    }
}

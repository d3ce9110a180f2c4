//! Settings → Audit log (admins): who did what (settings changed, operators invited or disabled, exports,
//! deletions, tokens), without the personal data it concerned. Every successful admin-only form post is
//! recorded by [`record_admin_posts`]; a few actions record themselves with more detail.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::store::AuditEntry;
use crate::web::console::shop_time::{self, time};
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::Admin;
use crate::web::{AppError, State, request};

/// Which admin the request was made by: set by the [`Admin`] extractor, so the middleware knows an
/// admin-only handler ran.
#[derive(Debug, Clone)]
pub struct AdminActor(pub String);

/// Route patterns whose handlers record their own, more precise entry (or record it in the same
/// transaction as the change).
const RECORDED_BY_HANDLER: [&str; 6] = [
    "/settings/api",
    "/settings/api/{id}/revoke",
    "/settings/webhooks",
    "/settings/email",
    "/settings/line",
    "/customers/{id}/delete",
];

/// The audit log's action name for a route pattern, and its target from the path's parameters
/// (ids and keys, never personal data).
pub fn describe(pattern: &str, params: &[(&str, &str)]) -> (String, String) {
    let named = match pattern {
        "/settings/invites" => Some("operator.invite"),
        "/settings/invites/{id}/revoke" => Some("operator.invite_revoke"),
        "/settings/operators/{id}/disable" => Some("operator.disable"),
        "/settings/operators/{id}/enable" => Some("operator.enable"),
        "/settings/webhooks/{id}/delete" => Some("webhook.delete"),
        "/customers/import" => Some("customers.import"),
        _ => None,
    };
    let action = match named {
        Some(name) => name.to_owned(),
        None => pattern
            .split('/')
            .filter(|s| !s.is_empty() && !s.starts_with('{'))
            .collect::<Vec<_>>()
            .join("."),
    };
    let target = params
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    (action, target)
}

/// Middleware: records every successful admin-only `POST` (one the [`Admin`] extractor let through)
/// in the audit log.
pub async fn record_admin_posts<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let post = req.method() == actix_web::http::Method::POST;
    let response = next.call(req).await?;
    let status = response.status();
    if !post || !(status.is_success() || status.is_redirection()) {
        return Ok(response);
    }
    let request = response.request();
    let actor = request.extensions().get::<AdminActor>().cloned();
    let (Some(AdminActor(actor)), Some(pattern)) = (actor, request.match_pattern()) else {
        return Ok(response);
    };
    if RECORDED_BY_HANDLER.contains(&pattern.as_str()) {
        return Ok(response);
    }
    let params: Vec<(&str, &str)> = request.match_info().iter().collect();
    let (action, target) = describe(&pattern, &params);
    if let Some(state) = request.app_data::<web::Data<State>>()
        && let Err(e) = state.store.audit(actor, action, target).await
    {
        tracing::error!(error = %e, "recording an admin action failed");
    }
    Ok(response)
}

/// Entries shown.
const SHOWN: usize = 200;

#[derive(Template)]
#[template(path = "console/audit_log.html")]
struct AuditPage {
    c: Chrome,
    /// (entry, time as text).
    entries: Vec<(AuditEntry, String)>,
}

/// `GET /settings/audit`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    let zone = shop_time::zone(&state).await?;
    let entries = state
        .store
        .audit_entries(SHOWN)
        .await?
        .into_iter()
        .map(|e| {
            let at = time(e.at, &zone);
            (e, at)
        })
        .collect();
    let page = AuditPage {
        c: Chrome::new(
            request::language(&req, Some(&me.operator)),
            &csrf,
            Some(&me.operator),
            "settings",
        ),
        entries,
    };
    render::page(StatusCode::OK, &page, &csrf)
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn actions_are_named_for_what_was_done_and_on_which_id() {
        assert_eq!(
            describe("/settings/operators/{id}/disable", &[("id", "4")]),
            ("operator.disable".into(), "id 4".into())
        );
        assert_eq!(
            describe("/settings/widget", &[]),
            ("settings.widget".into(), String::new())
        );
        assert_eq!(
            describe("/settings/segments/{id}/delete", &[("id", "2")]),
            ("settings.segments.delete".into(), "id 2".into())
        );
    }
}

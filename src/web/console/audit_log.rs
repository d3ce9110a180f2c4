//! Settings → Audit log (admins): who did what (exports, tokens, webhooks, mail and LINE settings), without
//! the personal data it concerned.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::store::AuditEntry;
use crate::web::console::inbox::time;
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::Admin;
use crate::web::{AppError, State, request};

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
    let entries = state
        .store
        .audit_entries(SHOWN)
        .await?
        .into_iter()
        .map(|e| {
            let at = time(e.at);
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

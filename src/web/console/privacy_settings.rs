//! Settings → Privacy (admins): how long page views, events and resolved conversations are kept.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::retention::Retention;
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::Admin;
use crate::web::{AppError, State, request};

#[derive(Template)]
#[template(path = "console/privacy_settings.html")]
struct PrivacyPage {
    c: Chrome,
    retention: Retention,
    error: Option<String>,
}

/// `GET /settings/privacy`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    let page = PrivacyPage {
        c: Chrome::new(
            request::language(&req, Some(&me.operator)),
            &csrf,
            Some(&me.operator),
            "settings",
        ),
        retention: state.store.retention().await?,
        error: None,
    };
    render::page(StatusCode::OK, &page, &csrf)
}

/// The retention form.
#[derive(Deserialize)]
pub struct RetentionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    history_days: String,
    #[serde(default)]
    conversation_months: String,
    #[serde(default)]
    anonymous_days: String,
}

/// `POST /settings/privacy`: saves the periods (the retention job starts at once).
pub async fn save(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<RetentionForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    match Retention::parse(
        &form.history_days,
        &form.conversation_months,
        &form.anonymous_days,
    ) {
        Ok(retention) => {
            state.store.set_retention(retention).await?;
            Ok(render::see_other("/settings/privacy"))
        }
        Err(error) => {
            let page = PrivacyPage {
                c: Chrome::new(
                    request::language(&req, Some(&me.operator)),
                    &csrf,
                    Some(&me.operator),
                    "settings",
                ),
                retention: state.store.retention().await?,
                error: Some(error.text(request::language(&req, Some(&me.operator)))),
            };
            render::page(StatusCode::UNPROCESSABLE_ENTITY, &page, &csrf)
        }
    }
}

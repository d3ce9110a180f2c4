//! Settings → Webhooks (admins): register receivers and their events, see each one's signing secret, and
//! the latest deliveries with the status codes the receivers answered.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::web::csrf::{CsrfCookie, CsrfForm, field};
use crate::web::render::{self, Chrome};
use crate::web::session::{Admin, CurrentOperator};
use crate::web::{AppError, State, request};
use crate::webhooks::{self, Delivery, DeliveryStatus, Event, Webhook};

/// Deliveries listed.
const RECENT: usize = 50;

#[derive(Template)]
#[template(path = "console/webhook_settings.html")]
struct WebhooksPage {
    c: Chrome,
    hooks: Vec<Webhook>,
    deliveries: Vec<Delivery>,
    events: [Event; 6],
    error: Option<String>,
}

impl WebhooksPage {
    fn events_of(&self, hook: &Webhook) -> String {
        hook.events
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn status(&self, d: &Delivery) -> String {
        let state = match d.status {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        };
        match d.last_status {
            Some(code) => format!("{state} ({code})"),
            None => state.to_owned(),
        }
    }
}

async fn render_page(
    req: &HttpRequest,
    state: &State,
    me: &CurrentOperator,
    csrf: &CsrfCookie,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let page = WebhooksPage {
        c: Chrome::new(
            request::language(req, Some(&me.operator)),
            csrf,
            Some(&me.operator),
            "settings",
        ),
        hooks: state.store.webhooks().await?,
        deliveries: state.store.recent_deliveries(RECENT).await?,
        events: Event::ALL,
        error,
    };
    render::page(status, &page, csrf)
}

/// `GET /settings/webhooks`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    render_page(&req, &state, &me, &csrf, StatusCode::OK, None).await
}

/// `POST /settings/webhooks`: `url` and one `event` per subscribed event.
pub async fn add(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.into_inner();
    csrf.verify(field(&pairs, "csrf"))?;
    let events: Vec<Event> = pairs
        .iter()
        .filter(|(k, _)| k == "event")
        .filter_map(|(_, v)| Event::parse(v))
        .collect();
    let checked = webhooks::check_url(field(&pairs, "url")).and_then(|url| {
        if events.is_empty() {
            Err(crate::msg!("events: choose at least one"))
        } else {
            Ok(url)
        }
    });
    let result = match checked {
        Ok(url) => {
            let added = state.store.add_webhook(url, events).await?.map_err(|e| e.0);
            if let Ok(hook) = &added {
                let target = format!("webhook {}", hook.id);
                state
                    .store
                    .audit(me.operator.name.clone(), "webhook.create", target)
                    .await?;
            }
            added
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(render::see_other("/settings/webhooks")),
        Err(e) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let error = e.text(request::language(&req, Some(&me.operator)));
            render_page(&req, &state, &me, &csrf, status, Some(error)).await
        }
    }
}

/// `POST /settings/webhooks/{id}/delete`.
pub async fn delete(
    state: web::Data<State>,
    Admin(_me): Admin,
    csrf: CsrfCookie,
    path: web::Path<u64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    if !state.store.delete_webhook(path.into_inner()).await? {
        return Err(AppError::NotFound);
    }
    Ok(render::see_other("/settings/webhooks"))
}

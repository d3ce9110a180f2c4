//! My account → Notifications on my devices: turning on Web Push for this browser or phone (the console's
//! script subscribes with the server's VAPID public key and sends the subscription here), the list of
//! devices with their last use, removing one, and whether pushes come outside business hours too.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::push::{self, Subscription};
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::CurrentOperator;
use crate::web::{AppError, State, request};

#[derive(Template)]
#[template(path = "console/push_devices.html")]
struct DevicesPage {
    c: Chrome,
    /// The server's VAPID public key (`applicationServerKey`).
    key: String,
    /// `(id, name, added, last used)`.
    devices: Vec<(u64, String, String, String)>,
    outside_hours: bool,
}

/// `GET /account/push`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    let private = state.store.vapid_key(push::vapid::new_private_key).await?;
    let key = push::vapid::public_key(&private)
        .ok_or_else(|| AppError::Internal("the VAPID key is unreadable".into()))?;
    let zone = super::shop_time::zone(&state).await?;
    let t = request::language(&req, Some(&me.operator)).texts();
    let devices = state
        .store
        .push_subscriptions(me.operator.id)
        .await?
        .into_iter()
        .map(|s| {
            let used = if s.last_used_at == 0 {
                t.push_never.to_owned()
            } else {
                super::shop_time::time(s.last_used_at, &zone)
            };
            (
                s.id,
                s.device,
                super::shop_time::time(s.created_at, &zone),
                used,
            )
        })
        .collect();
    let page = DevicesPage {
        c: Chrome::new(
            request::language(&req, Some(&me.operator)),
            &csrf,
            Some(&me.operator),
            "account",
        ),
        key,
        devices,
        outside_hours: me.operator.push_outside_hours,
    };
    render::page(StatusCode::OK, &page, &csrf)
}

/// A subscription as the console's script sends it.
#[derive(Deserialize)]
pub struct SubscribeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    endpoint: String,
    #[serde(default)]
    p256dh: String,
    #[serde(default)]
    auth: String,
    #[serde(default)]
    device: String,
}

/// `POST /account/push`: adds this device (201), or says what is wrong with the subscription (400).
pub async fn subscribe(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    form: web::Form<SubscribeForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let form = form.into_inner();
    push::check_subscription(&form.endpoint, &form.p256dh, &form.auth)
        .map_err(|why| AppError::BadRequest(why.into()))?;
    let device = if form.device.trim().is_empty() {
        req.headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::customers::Device::from_user_agent)
            .map(|d| d.summary())
            .unwrap_or_else(|| "?".to_owned())
    } else {
        form.device.trim().chars().take(80).collect()
    };
    let id = state
        .store
        .add_push_subscription(Subscription {
            id: 0,
            operator: me.operator.id,
            endpoint: form.endpoint,
            p256dh: form.p256dh.trim_end_matches('=').to_owned(),
            auth: form.auth.trim_end_matches('=').to_owned(),
            device,
            created_at: crate::clock::now_millis(),
            last_used_at: 0,
        })
        .await?;
    tracing::info!(
        operator = me.operator.id,
        device = id,
        "push turned on for a device"
    );
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id })))
}

/// `POST /account/push/{id}/remove`.
pub async fn remove(
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    id: web::Path<u64>,
    form: web::Form<crate::web::csrf::CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    if !state
        .store
        .remove_push_subscription(me.operator.id, id.into_inner())
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(render::see_other("/account/push"))
}

/// The outside-hours choice.
#[derive(Deserialize)]
pub struct HoursForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    outside_hours: Option<String>,
}

/// `POST /account/push/hours`: pushes outside business hours too, or not.
pub async fn set_hours(
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    form: web::Form<HoursForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let wanted = form.outside_hours.is_some();
    state
        .store
        .change_operator(me.operator.id, false, move |op| {
            op.push_outside_hours = wanted
        })
        .await?;
    Ok(render::see_other("/account/push"))
}

//! `POST /line/webhook`: LINE's webhook. Anything not signed with the channel secret is refused with 401;
//! text messages become visitor messages in the LINE user's conversation (a redelivered event, same
//! `webhookEventId`, is stored once: the id is the message's client id).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::conversations::{Channel, Origin, live};
use crate::line;
use crate::web::State;

/// The largest webhook body read.
const MAX_BODY: usize = 256 * 1024;

/// Registers the route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/line/webhook")
            .app_data(web::PayloadConfig::new(MAX_BODY))
            .route(web::post().to(receive)),
    );
}

fn answer(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": message }))
}

/// Receives LINE's events.
pub async fn receive(req: HttpRequest, state: web::Data<State>, body: web::Bytes) -> HttpResponse {
    let settings = match state.store.line_settings().await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "reading the LINE settings failed");
            return answer(StatusCode::SERVICE_UNAVAILABLE, "try again");
        }
    };
    if !settings.configured() {
        return answer(StatusCode::NOT_FOUND, "the LINE channel is not set up");
    }
    let signature = req
        .headers()
        .get("x-line-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !line::verify_signature(&settings.channel_secret, &body, signature) {
        tracing::warn!("a LINE webhook with a bad signature was refused");
        return answer(StatusCode::UNAUTHORIZED, "bad X-Line-Signature");
    }
    let messages = match line::text_messages(&body) {
        Ok(m) => m,
        Err(e) => return answer(StatusCode::BAD_REQUEST, &e),
    };
    for m in messages {
        let customer = match state.store.line_customer(m.user_id.clone()).await {
            Ok(Some(v)) => v,
            Ok(None) => {
                // First contact: the LINE profile goes on the card (without it, the user id is the name).
                let profile = line::profile(&settings, &m.user_id)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(error = %e, "reading a LINE profile failed");
                        line::Profile::default()
                    });
                let name = if profile.display_name.is_empty() {
                    m.user_id.clone()
                } else {
                    profile.display_name
                };
                match state
                    .store
                    .line_customer_or_new(m.user_id.clone(), name, profile.picture_url)
                    .await
                {
                    Ok(v) => v,
                    Err(e) => {
                        tracing::error!(error = %e, "storing a LINE customer failed");
                        return answer(StatusCode::SERVICE_UNAVAILABLE, "try again");
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "reading a LINE customer failed");
                return answer(StatusCode::SERVICE_UNAVAILABLE, "try again");
            }
        };
        let origin = Origin {
            channel: Channel::Line,
            ..Origin::default()
        };
        let posted = live::post_from_visitor(
            &state.store,
            &state.hub,
            None,
            customer.id,
            &m.event_id,
            &m.text,
            origin,
        )
        .await;
        match posted {
            Ok(_) | Err(live::Refused::Invalid(_)) => {}
            Err(live::Refused::NotFound) => {}
            Err(live::Refused::Store(e)) => {
                tracing::error!(error = %e, "storing a LINE message failed");
                // LINE redelivers what was not answered with 200.
                return answer(StatusCode::SERVICE_UNAVAILABLE, "try again");
            }
        }
    }
    HttpResponse::Ok().json(json!({}))
}

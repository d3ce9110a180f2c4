//! `POST /line/webhook`: LINE's webhook. Anything not signed with the channel secret is refused with 401;
//! text messages from one-to-one chats become visitor messages in the LINE user's conversation (a
//! redelivered event, same `webhookEventId`, is stored once: the id is the message's client id) and the
//! answer comes once they are stored, before any call to LINE; texts in groups and rooms are logged and
//! left out.

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

/// Reads a new LINE customer's profile in the background and puts it on their card when LINE answers.
fn fill_profile_later(store: crate::store::Store, settings: line::LineSettings, user_id: String) {
    actix_web::rt::spawn(async move {
        match line::profile(&settings, &user_id).await {
            Ok(profile) => {
                if let Err(e) = store
                    .set_line_profile(user_id, profile.display_name, profile.picture_url)
                    .await
                {
                    tracing::warn!(error = %e, "storing a LINE profile failed");
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading a LINE profile failed"),
        }
    });
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
        if m.source != line::Source::User {
            tracing::info!(
                source = ?m.source,
                "a LINE text from a group or room was not taken in: only one-to-one chats with the shop are"
            );
            continue;
        }
        let customer = match state.store.line_customer(m.user_id.clone()).await {
            Ok(Some(v)) => v,
            // First contact: the user id stands in for the name until LINE's profile arrives (LINE asks
            // for the webhook to be answered at once and the work done afterwards).
            Ok(None) => match state
                .store
                .line_customer_or_new(m.user_id.clone(), m.user_id.clone(), String::new())
                .await
            {
                Ok(v) => {
                    fill_profile_later(state.store.clone(), settings.clone(), m.user_id.clone());
                    v
                }
                Err(e) => {
                    tracing::error!(error = %e, "storing a LINE customer failed");
                    return answer(StatusCode::SERVICE_UNAVAILABLE, "try again");
                }
            },
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

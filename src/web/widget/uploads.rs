//! Attachments from and to the widget. The widget runs on the shop's origin, so these answer CORS for
//! allowed origins only, and the visitor proves who they are with their token in `Authorization`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use serde::Deserialize;

use crate::conversations::live::{self, Refused};
use crate::tokens;
use crate::visitors::Visitor;
use crate::web::State;
use crate::web::uploads::{self, UploadRefused};

#[derive(Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    site: String,
    #[serde(default)]
    name: String,
}

fn json_error(origin: Option<&str>, status: u16, code: &str, message: &str) -> HttpResponse {
    let mut response =
        HttpResponseBuilder::new(actix_web::http::StatusCode::from_u16(status).unwrap_or_default());
    cors(&mut response, origin);
    response.json(serde_json::json!({ "code": code, "message": message }))
}

fn cors(response: &mut HttpResponseBuilder, origin: Option<&str>) {
    if let Some(origin) = origin {
        response
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin))
            .insert_header((header::VARY, "Origin"));
    }
}

/// Checks the site key and origin, then finds the visitor behind the bearer token.
async fn visitor(
    req: &HttpRequest,
    state: &State,
    site: &str,
) -> Result<(Visitor, String), HttpResponse> {
    let origin = super::origin(req).map(str::to_owned);
    if let Err(e) = super::check_origin(req, state, site).await {
        return Err(json_error(
            None,
            if matches!(e, crate::web::AppError::NotFound) {
                404
            } else {
                403
            },
            "origin",
            &e.to_string(),
        ));
    }
    let origin = origin.unwrap_or_default();
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    match state.store.visitor_by_token(tokens::digest(token)).await {
        Ok(Some(visitor)) if !token.is_empty() => Ok((visitor, origin)),
        Ok(_) => Err(json_error(
            Some(&origin),
            401,
            "unknown_visitor",
            "Unknown visitor: reload the page.",
        )),
        Err(e) => Err(json_error(
            Some(&origin),
            503,
            "unavailable",
            &e.to_string(),
        )),
    }
}

/// `OPTIONS /widget/uploads[/{id}]`: the CORS preflight, for allowed origins only.
pub async fn preflight(
    req: HttpRequest,
    state: web::Data<State>,
    query: web::Query<UploadQuery>,
) -> HttpResponse {
    if super::check_origin(&req, &state, &query.site)
        .await
        .is_err()
    {
        return HttpResponse::Forbidden().finish();
    }
    let mut response = HttpResponse::NoContent();
    cors(&mut response, super::origin(&req));
    response
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST"))
        .insert_header((
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "authorization, content-type",
        ))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
        .finish()
}

/// `POST /widget/uploads?site=KEY&name=FILE`: the body is the file.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<State>,
    query: web::Query<UploadQuery>,
    body: web::Payload,
) -> HttpResponse {
    let (visitor, origin) = match visitor(&req, &state, &query.site).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !state.disk.allows_extras() {
        let (status, code, message) = UploadRefused::DiskLow.parts();
        return json_error(Some(&origin), status, code, &message);
    }
    let address = crate::web::request::client_address(&req, &state);
    let charge = |bytes| state.meter.spend_upload(visitor.id, &address, bytes);
    let new = match uploads::receive(&req, &state, body, &query.name, charge).await {
        Ok(new) => new,
        Err(why) => {
            let (status, code, message) = why.parts();
            if let UploadRefused::Store(e) = &why {
                tracing::error!(error = %e, "saving an upload failed");
            }
            return json_error(Some(&origin), status, code, &message);
        }
    };
    let stored_as = new.stored_as.clone();
    let page = crate::conversations::Origin {
        page_url: visitor.current_page.map(|p| p.url),
        trigger: None,
        bot: false,
        channel: crate::conversations::Channel::Web,
        ..Default::default()
    };
    match live::attach_from_visitor(&state.store, &state.hub, None, visitor.id, new, page).await {
        Ok(posted) => {
            let mut response = HttpResponse::Created();
            cors(&mut response, Some(&origin));
            response.json(serde_json::json!({
                "id": posted.message.id,
                "conversation": posted.conversation.id,
                "seq": posted.message.seq,
                "upload_id": posted.message.attachment.map(|a| a.upload_id),
            }))
        }
        Err(why) => {
            state.store.discard_file(stored_as).await;
            let message = match why {
                Refused::Store(e) => e.to_string(),
                other => format!("{other:?}"),
            };
            json_error(Some(&origin), 503, "unavailable", &message)
        }
    }
}

/// `GET /widget/uploads/{id}?site=KEY`: only the visitor whose conversation holds the file gets it.
pub async fn download(
    req: HttpRequest,
    state: web::Data<State>,
    query: web::Query<UploadQuery>,
    id: web::Path<u64>,
) -> HttpResponse {
    let (visitor, origin) = match visitor(&req, &state, &query.site).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let not_found = || json_error(Some(&origin), 404, "not_found", "No such file.");
    let upload = match state.store.upload(id.into_inner()).await {
        Ok(Some(upload)) => upload,
        Ok(None) => return not_found(),
        Err(e) => return json_error(Some(&origin), 503, "unavailable", &e.to_string()),
    };
    if live::owned_by(&state.store, visitor.id, upload.conversation)
        .await
        .is_err()
    {
        return not_found();
    }
    match uploads::serve(&state.store, &upload).await {
        Ok(mut response) => {
            response.headers_mut().insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                header::HeaderValue::from_str(&origin)
                    .unwrap_or(header::HeaderValue::from_static("null")),
            );
            response
        }
        Err(e) => json_error(Some(&origin), 503, "unavailable", &e.to_string()),
    }
}

//! The visitor side: the widget script and its WebSocket.

mod ai_bot;
mod bot;
mod history;
mod script;
mod socket;
mod uploads;

use actix_web::http::header;
use actix_web::{HttpRequest, web};

use crate::web::{AppError, State};

/// Registers the widget's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/widget.js", web::get().to(script::loader))
        .route("/widget/panel.{hash}.js", web::get().to(script::panel))
        .route("/widget/ws", web::get().to(socket::connect))
        .route(
            "/widget/uploads",
            web::method(actix_web::http::Method::OPTIONS).to(uploads::preflight),
        )
        .route("/widget/uploads", web::post().to(uploads::upload))
        .route(
            "/widget/uploads/{id}",
            web::method(actix_web::http::Method::OPTIONS).to(uploads::preflight),
        )
        .route("/widget/uploads/{id}", web::get().to(uploads::download));
}

/// The Origin header of a request, when present and readable.
fn origin(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
}

/// Refuses requests from pages whose origin the admin has not allowed.
async fn check_origin(
    req: &HttpRequest,
    state: &State,
    site_key: &str,
) -> Result<crate::sites::Site, AppError> {
    let site = state.store.site().await?;
    if !crate::tokens::constant_time_eq(site.key.as_bytes(), site_key.as_bytes()) {
        return Err(AppError::NotFound);
    }
    match origin(req) {
        Some(origin) if site.allows_origin(origin) => Ok(site),
        _ => Err(AppError::Forbidden(
            "This page's origin may not use the chat widget: an admin adds it under Settings → Widget. / \
             このページのオリジンではチャットウィジェットを使えません。管理者が「設定 → ウィジェット」で追加してください。",
        )),
    }
}

//! The console as an installable app (a Progressive Web App): the web app manifest (name, icons, colours,
//! start at the inbox), the service worker (served by `assets`), and the page it shows when the server
//! cannot be reached. The worker keeps only this page and the console's own style and icon: never a
//! conversation or a customer, so a phone left offline holds no customer data.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::web::assets::asset_url;
use crate::web::request;

/// The console's top bar colour (the app's title bar on a phone).
const THEME: &str = "#0d1117";

/// `GET /manifest.webmanifest` (W3C Web App Manifest).
pub async fn manifest(req: HttpRequest) -> HttpResponse {
    let ja = request::language(&req, None) == crate::i18n::Lang::Ja;
    let description = if ja {
        "ショップのチャットに答えるコンソール"
    } else {
        "Answer your shop's chats"
    };
    let body = json!({
        "name": "Sodan 相談",
        "short_name": "Sodan",
        "description": description,
        "lang": if ja { "ja" } else { "en" },
        "id": "/inbox",
        "start_url": "/inbox",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": THEME,
        "icons": [
            {"src": asset_url("console/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": asset_url("console/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": asset_url("console/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"}
        ]
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/manifest+json"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body.to_string())
}

/// `GET /offline`: what the installed console shows without a connection to the server, in both
/// languages (it is cached once, before anyone knows who will read it).
pub async fn offline() -> HttpResponse {
    let css = asset_url("console/console.css");
    let page = format!(
        "<!doctype html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"theme-color\" content=\"{THEME}\">\n<title>オフライン · Offline · Sodan</title>\n\
         <link rel=\"stylesheet\" href=\"{css}\">\n</head>\n<body>\n<main class=\"narrow\">\n\
         <section class=\"card\" id=\"offline\">\n<h1>オフラインです</h1>\n\
         <p>Sodan のサーバーに接続できません。接続が戻ったら、もう一度開いてください。\
         この端末には会話もお客様の情報も保存していません。</p>\n\
         <h2 lang=\"en\">You are offline</h2>\n\
         <p lang=\"en\">Sodan cannot reach its server. Open it again once you are back online. Nothing of \
         your conversations or customers is kept on this device.</p>\n\
         <p><a href=\"/inbox\">再試行 / Try again</a></p>\n</section>\n</main>\n</body>\n</html>\n"
    );
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(page)
}

/// The routes of the installable console.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/manifest.webmanifest", web::get().to(manifest))
        .route("/offline", web::get().to(offline))
        .route("/sw.js", web::get().to(super::assets::service_worker));
}

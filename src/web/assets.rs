//! Static files compiled into the binary (rust-embed), served with an ETag and cache headers.
//!
//! Pages link assets as `/assets/PATH?v=HASH`; a request carrying the current hash may be cached for a
//! year, any other is revalidated with the ETag. Compression (gzip, brotli) is negotiated by middleware.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

use crate::tokens;
use crate::web::AppError;

/// The console's files (the widget's scripts are prepared by the build, see `web::widget::script`).
#[derive(RustEmbed)]
#[folder = "assets/console/"]
#[prefix = "console/"]
struct Assets;

/// The first 16 hex digits of an embedded file's SHA-256, or `None` for an unknown path.
fn version(path: &str) -> Option<String> {
    Assets::get(path).map(|file| tokens::hex(&file.metadata.sha256_hash()[..8]))
}

/// The URL of an embedded asset, versioned by its content so browsers may cache it forever.
pub fn asset_url(path: &str) -> String {
    match version(path) {
        Some(v) => format!("/assets/{path}?v={v}"),
        None => format!("/assets/{path}"),
    }
}

/// `GET /assets/{path}`.
pub async fn serve(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    respond(&req, &path.into_inner())
}

/// `GET /sw.js`: the console's service worker, served from the root so it may control every console page
/// (a worker controls only pages under its own path); checked again on every visit.
pub async fn service_worker(req: HttpRequest) -> Result<HttpResponse, AppError> {
    respond(&req, "console/sw.js")
}

/// The file with its ETag: kept a year when the URL names the current version, otherwise revalidated each time.
fn respond(req: &HttpRequest, path: &str) -> Result<HttpResponse, AppError> {
    let file = Assets::get(path).ok_or(AppError::NotFound)?;
    let hash = tokens::hex(&file.metadata.sha256_hash()[..8]);
    let etag = format!("\"{hash}\"");
    let cache = if req.query_string() == format!("v={hash}") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache));
    if matches {
        return Ok(response.finish());
    }
    Ok(response
        .insert_header((header::CONTENT_TYPE, file.metadata.mimetype()))
        .body(file.data.into_owned()))
}

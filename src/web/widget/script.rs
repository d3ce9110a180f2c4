//! The widget's two scripts as the build prepared them (build.rs): minified, each with a gzip -9 and a
//! brotli -11 copy in the binary, so a request costs no compression.
//!
//! `/widget.js` (the loader every shop page loads) keeps the URL pasted into shops, so browsers check it
//! again after five minutes; the panel's URL names its content's hash and may be kept for a year.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::web::AppError;

/// One script in its three encodings.
struct Script {
    plain: &'static [u8],
    gzip: &'static [u8],
    brotli: &'static [u8],
}

const LOADER: Script = Script {
    plain: include_bytes!(concat!(env!("OUT_DIR"), "/widget-loader.js")),
    gzip: include_bytes!(concat!(env!("OUT_DIR"), "/widget-loader.js.gz")),
    brotli: include_bytes!(concat!(env!("OUT_DIR"), "/widget-loader.js.br")),
};

const PANEL: Script = Script {
    plain: include_bytes!(concat!(env!("OUT_DIR"), "/widget-panel.js")),
    gzip: include_bytes!(concat!(env!("OUT_DIR"), "/widget-panel.js.gz")),
    brotli: include_bytes!(concat!(env!("OUT_DIR"), "/widget-panel.js.br")),
};

/// `panel.HASH.js`: the name the loader of this build asks for.
pub const PANEL_NAME: &str = env!("SODAN_WIDGET_PANEL");

/// `GET /widget.js`.
pub async fn loader(req: HttpRequest) -> HttpResponse {
    let etag = concat!("\"", env!("SODAN_WIDGET_LOADER_HASH"), "\"");
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if unchanged {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
            .finish();
    }
    let mut response = respond(&req, &LOADER, "public, max-age=300");
    response
        .headers_mut()
        .insert(header::ETAG, header::HeaderValue::from_static(etag));
    response
}

/// `GET /widget/panel.{hash}.js`: this build's panel for a year; for another hash (a page still running
/// the loader of the build before an upgrade) this build's panel, not kept.
pub async fn panel(req: HttpRequest, hash: web::Path<String>) -> Result<HttpResponse, AppError> {
    let hash = hash.into_inner();
    if hash.is_empty() || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let cache = if format!("panel.{hash}.js") == PANEL_NAME {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Ok(respond(&req, &PANEL, cache))
}

/// The best encoding the browser takes (brotli, then gzip, else none), with the caching given.
fn respond(req: &HttpRequest, script: &Script, cache: &'static str) -> HttpResponse {
    let accepted = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (body, encoding) = if accepts(accepted, "br") {
        (script.brotli, Some("br"))
    } else if accepts(accepted, "gzip") {
        (script.gzip, Some("gzip"))
    } else {
        (script.plain, None)
    };
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"));
    if let Some(encoding) = encoding {
        response.insert_header((header::CONTENT_ENCODING, encoding));
    }
    response.body(body)
}

/// Whether an `Accept-Encoding` value (RFC 9110 §12.5.3) takes `coding`: listed, and not with `q=0`.
fn accepts(accept_encoding: &str, coding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        name.eq_ignore_ascii_case(coding) && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::accepts;

    #[test]
    fn accept_encoding_is_read_as_rfc_9110_says() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("gzip;q=1.0, BR;q=0.5", "br"));
        assert!(!accepts("gzip, br;q=0", "br"));
        assert!(!accepts("br;q=0.0", "br"));
        assert!(!accepts("gzip", "br"));
        assert!(!accepts("", "gzip"));
        assert!(!accepts("brotli", "br"));
    }
}

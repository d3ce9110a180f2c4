//! The widget's weight on the shop's page, as browsers receive it: the loader every page loads at most 5 KB
//! with brotli, loader and panel together at most 10 KB; both sent already compressed (RFC 9110 content
//! coding, chosen by Accept-Encoding), the panel from a content-hashed URL kept a year.

use std::io::Read;

use crate::helpers::{TestApp, spawn_app};

const LOADER_BUDGET: usize = 5 * 1024;
const TOTAL_BUDGET: usize = 10 * 1024;

/// The body as sent (not decoded), its headers, for `path` asked with `accept_encoding`.
async fn on_the_wire(
    app: &TestApp,
    path: &str,
    accept_encoding: &str,
) -> (reqwest::header::HeaderMap, Vec<u8>) {
    // reqwest here decodes nothing (no compression features), so the bytes are the wire's.
    let response = app
        .client()
        .get(app.url(path))
        .header("accept-encoding", accept_encoding)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let headers = response.headers().clone();
    (headers, response.bytes().await.unwrap().to_vec())
}

/// The panel's URL, as the served loader names it.
fn panel_path(loader: &str) -> String {
    let at = loader
        .find("/widget/panel.")
        .expect("the loader names its panel");
    let end = at + loader[at..].find(".js").expect("a .js name") + 3;
    loader[at..end].to_owned()
}

#[tokio::test]
async fn the_loader_and_the_panel_stay_within_their_brotli_budgets() {
    let (app, _dir) = spawn_app().await;
    let (headers, loader_br) = on_the_wire(&app, "/widget.js", "gzip, deflate, br").await;
    assert_eq!(headers["content-encoding"], "br");
    assert_eq!(headers["vary"], "Accept-Encoding");
    assert_eq!(headers["cache-control"], "public, max-age=300");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    let mut loader = String::new();
    brotli_decompressor::Decompressor::new(&loader_br[..], 4096)
        .read_to_string(&mut loader)
        .expect("valid brotli");
    let panel = panel_path(&loader);
    let (panel_headers, panel_br) = on_the_wire(&app, &panel, "br").await;
    assert_eq!(panel_headers["content-encoding"], "br");
    assert_eq!(
        panel_headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    println!(
        "on the wire with brotli: loader {} bytes (budget {LOADER_BUDGET}), panel {} bytes, together {} (budget {TOTAL_BUDGET})",
        loader_br.len(),
        panel_br.len(),
        loader_br.len() + panel_br.len()
    );
    assert!(
        loader_br.len() <= LOADER_BUDGET,
        "the loader is {} bytes with brotli, over {LOADER_BUDGET}",
        loader_br.len()
    );
    assert!(
        loader_br.len() + panel_br.len() <= TOTAL_BUDGET,
        "loader and panel are {} bytes with brotli, over {TOTAL_BUDGET}",
        loader_br.len() + panel_br.len()
    );

    // gzip for browsers without brotli, plain for clients that take neither; the same script each time.
    let (gzip_headers, gzip) = on_the_wire(&app, "/widget.js", "gzip").await;
    assert_eq!(gzip_headers["content-encoding"], "gzip");
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&gzip[..])
        .read_to_string(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, loader);
    let (plain_headers, plain) = on_the_wire(&app, "/widget.js", "identity").await;
    assert!(plain_headers.get("content-encoding").is_none());
    assert_eq!(String::from_utf8(plain).unwrap(), loader);

    // A page still running an older loader gets this build's panel, not kept; names that are not a
    // panel's are not found.
    let (old_headers, _) = on_the_wire(&app, "/widget/panel.0123456789abcdef.js", "br").await;
    assert_eq!(old_headers["cache-control"], "no-cache");
    let missing = app
        .client()
        .get(app.url("/widget/panel.x-y.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

//! The widget's weight on the shop's page: JavaScript and CSS (inlined in it) at most 15 KB gzipped.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::helpers::spawn_app;

const BUDGET_BYTES: usize = 15 * 1024;

#[tokio::test]
async fn the_widget_script_stays_within_its_gzipped_budget() {
    let (app, _dir) = spawn_app().await;
    let response = app
        .client()
        .get(app.url("/widget.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    let script = response.bytes().await.unwrap();
    let mut gzip = GzEncoder::new(Vec::new(), Compression::best());
    gzip.write_all(&script).unwrap();
    let size = gzip.finish().unwrap().len();
    println!(
        "widget.js: {} bytes, {size} bytes gzipped (budget {BUDGET_BYTES})",
        script.len()
    );
    assert!(
        size <= BUDGET_BYTES,
        "widget.js is {size} bytes gzipped, over the {BUDGET_BYTES} byte budget"
    );
    app.stop().await;
}

//! A stand-in for the shop's own website: a tiny HTTP server on another port that serves pages carrying
//! the Sodan snippet, so the widget runs as it would on a real third-party site.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A running shop site.
pub struct Shop {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Shop {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The HTML of a shop page with the snippet for `sodan` (its base URL) and `site` (its key).
pub fn page_with_snippet(sodan: &str, site: &str, title: &str, lang: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>button {{ background: red !important; font-size: 40px !important; }}</style></head>\
         <body><h1>{title}</h1><p>Welcome to the test shop.</p>\
         <button id=\"spa\" onclick=\"history.pushState({{}}, '', '/cart')\">Cart</button>\
         <script src=\"{sodan}/widget.js\" data-site=\"{site}\" async></script></body></html>"
    )
}

/// Allows a new shop site (page language `lang`) to use the widget of `app`; returns the site and its key.
pub async fn open_shop(
    app: &crate::helpers::TestApp,
    admin: &reqwest::Client,
    lang: &str,
) -> (Shop, String) {
    // The snippet needs the site key; the shop's origin (its port) is allowed once it is serving.
    let site = app.configure_widget(admin, &[]).await;
    let shop = serve(page_with_snippet(&app.address, &site, "Test Shop", lang)).await;
    app.configure_widget(admin, &[&shop.origin]).await;
    (shop, site)
}

/// Serves `html` for every path until dropped.
pub async fn serve(html: String) -> Shop {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                break;
            };
            let html = html.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{html}",
                    html.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Shop { origin, task }
}

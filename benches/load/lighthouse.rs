//! `cargo bench --bench load -- lighthouse [RUNS]`: what the snippet costs a shop page, as Lighthouse's
//! performance audit (npm `lighthouse@12`, Debian's Chromium, its default mobile profile with simulated
//! throttling) measures it: the same plain shop page with and without the widget, RUNS times each
//! (5 unless told), medians of total blocking time, the performance score and the bytes transferred.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;
use serde_json::Value;

use crate::harness::{Server, set_up_for};

/// The Lighthouse the figures come from.
const LIGHTHOUSE: &str = "lighthouse@12";

/// Medians over the runs of one page.
#[derive(Serialize)]
pub struct PageFigures {
    pub total_blocking_time_ms: f64,
    pub performance_score: f64,
    pub largest_contentful_paint_ms: f64,
    pub transferred_bytes: f64,
}

/// Both pages' figures.
#[derive(Serialize)]
pub struct Report {
    pub runs: usize,
    pub without_widget: PageFigures,
    pub with_widget: PageFigures,
}

impl Report {
    /// The figures side by side, and what the widget added.
    pub fn table(&self) -> String {
        let row = |name: &str, f: &PageFigures| {
            format!(
                "{name:<16} {:>10.0} {:>8.2} {:>10.0} {:>12.0}\n",
                f.total_blocking_time_ms,
                f.performance_score,
                f.largest_contentful_paint_ms,
                f.transferred_bytes
            )
        };
        format!(
            "Lighthouse performance, medians of {} runs each\n{:<16} {:>10} {:>8} {:>10} {:>12}\n{}{}added by the widget: {:.0} ms blocking, score {:+.2}, {:.0} bytes",
            self.runs,
            "page",
            "TBT ms",
            "score",
            "LCP ms",
            "bytes",
            row("without widget", &self.without_widget),
            row("with widget", &self.with_widget),
            self.with_widget.total_blocking_time_ms - self.without_widget.total_blocking_time_ms,
            self.with_widget.performance_score - self.without_widget.performance_score,
            self.with_widget.transferred_bytes - self.without_widget.transferred_bytes,
        )
    }
}

/// A plain shop page: a heading, a few paragraphs, a product list; `snippet` before `</body>`.
fn shop_page(snippet: &str) -> String {
    let items: String = (1..=12)
        .map(|i| {
            format!(
                "<li><h3>Sencha No. {i}</h3><p>Shizuoka green tea, 100 g. 1,{i:02}0 yen.</p></li>"
            )
        })
        .collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Tea shop</title>\
         <meta name=\"description\" content=\"Green tea from Shizuoka\">\
         <style>body{{font-family:sans-serif;margin:0 auto;max-width:720px;padding:16px}}li{{list-style:none}}</style>\
         </head><body><h1>Tea shop</h1><p>Green tea from our farm in Shizuoka, sent within two days.</p>\
         <ul>{items}</ul>{snippet}</body></html>"
    )
}

/// Serves `/plain` and `/widget` from `listener`, on a thread, until the process ends.
fn serve(listener: TcpListener, sodan: &str, site: &str) {
    let plain = shop_page("");
    let with_widget = shop_page(&format!(
        "<script src=\"{sodan}/widget.js\" data-site=\"{site}\" async></script>"
    ));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 4096];
            let n = stream.read(&mut buffer).unwrap_or(0);
            let request = String::from_utf8_lossy(&buffer[..n]);
            let body = if request.starts_with("GET /widget ") {
                &with_widget
            } else {
                &plain
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
}

/// The Lighthouse command, installed with npm into the build's temporary folder the first time.
fn lighthouse() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lighthouse");
    let bin = dir.join("node_modules/.bin/lighthouse");
    if !bin.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&dir)
            .arg(LIGHTHOUSE)
            .status()
            .expect("npm runs");
        assert!(status.success(), "npm install {LIGHTHOUSE} failed");
    }
    bin
}

/// One Lighthouse performance run of `url`: (TBT ms, score, LCP ms, bytes).
fn audit(bin: &Path, url: &str) -> [f64; 4] {
    // Chromium leaves scratch directories in TMPDIR when Lighthouse kills it: give it one that is removed.
    let scratch = tempfile::tempdir().unwrap();
    let out = Command::new(bin)
        .arg(url)
        .args([
            "--only-categories=performance",
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update",
        ])
        .env("CHROME_PATH", "/usr/bin/chromium")
        .env("TMPDIR", scratch.path())
        .output()
        .expect("lighthouse runs");
    assert!(
        out.status.success(),
        "lighthouse failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let audit = |id: &str| {
        report["audits"][id]["numericValue"]
            .as_f64()
            .unwrap_or(f64::NAN)
    };
    [
        audit("total-blocking-time"),
        report["categories"]["performance"]["score"]
            .as_f64()
            .unwrap_or(f64::NAN),
        audit("largest-contentful-paint"),
        audit("total-byte-weight"),
    ]
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn figures(bin: &Path, url: &str, runs: usize) -> PageFigures {
    let all: Vec<[f64; 4]> = (0..runs).map(|_| audit(bin, url)).collect();
    let pick = |i: usize| median(all.iter().map(|r| r[i]).collect());
    PageFigures {
        total_blocking_time_ms: pick(0),
        performance_score: pick(1),
        largest_contentful_paint_ms: pick(2),
        transferred_bytes: pick(3),
    }
}

/// Starts Sodan and the shop, audits both pages `runs` times, alternating.
pub async fn run(binary: &Path, work_dir: &Path, runs: usize) -> Report {
    let server = Server::start(binary, &work_dir.join("data"));
    // The shop listens first: its origin is allowed, then its pages carry the site key.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (_, site) = set_up_for(&server, &origin).await;
    serve(listener, &server.address, &site);
    let bin = lighthouse();
    // Alternate the two pages so a busy moment of the machine falls on both alike.
    let mut without = Vec::new();
    let mut with = Vec::new();
    for _ in 0..runs {
        without.push(figures(&bin, &format!("{origin}/plain"), 1));
        with.push(figures(&bin, &format!("{origin}/widget"), 1));
    }
    let fold = |pages: Vec<PageFigures>| PageFigures {
        total_blocking_time_ms: median(pages.iter().map(|p| p.total_blocking_time_ms).collect()),
        performance_score: median(pages.iter().map(|p| p.performance_score).collect()),
        largest_contentful_paint_ms: median(
            pages
                .iter()
                .map(|p| p.largest_contentful_paint_ms)
                .collect(),
        ),
        transferred_bytes: median(pages.iter().map(|p| p.transferred_bytes).collect()),
    };
    Report {
        runs,
        without_widget: fold(without),
        with_widget: fold(with),
    }
}

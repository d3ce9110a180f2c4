//! The help center as Lighthouse (Google's page auditor, npm `lighthouse`, driving Debian's Chromium)
//! scores it: SEO and accessibility at least 0.95 on the home and on an article page. Lighthouse is
//! installed with npm into the build's temporary folder the first time this test runs.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::helpers::spawn_app;

/// The Lighthouse version the scores are held to.
const LIGHTHOUSE: &str = "lighthouse@12";

fn lighthouse() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lighthouse");
    let bin = dir.join("node_modules/.bin/lighthouse");
    if !bin.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        eprintln!("installing {LIGHTHOUSE} for the tests (once)...");
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

/// (category, score, the audits that failed) for `url`.
fn audit(url: &str) -> Vec<(String, f64, Vec<String>)> {
    crate::browser::ensure_installed();
    // Chromium leaves scratch directories in TMPDIR when Lighthouse kills it: give it one that is removed.
    let scratch = tempfile::tempdir().unwrap();
    let out = Command::new(lighthouse())
        .arg(url)
        .args([
            "--only-categories=seo,accessibility",
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
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
    ["seo", "accessibility"]
        .iter()
        .map(|c| {
            let category = &report["categories"][c];
            let failed = category["auditRefs"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|r| r["id"].as_str())
                .filter(|id| {
                    report["audits"][id]["score"]
                        .as_f64()
                        .is_some_and(|s| s < 1.0)
                })
                .map(|id| format!("{id}: {}", report["audits"][id]["title"]))
                .collect();
            (
                c.to_string(),
                category["score"].as_f64().unwrap_or(0.0),
                failed,
            )
        })
        .collect()
}

#[tokio::test]
async fn lighthouse_scores_the_help_center_high_for_seo_and_accessibility() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let response = app
        .submit(
            &owner,
            "/settings/faq",
            "/settings/faq/articles",
            &[
                ("title", "送料について"),
                (
                    "body",
                    "送料は全国一律**550円**です。\n\n5,000円以上のご注文で無料になります。",
                ),
                ("language", "ja"),
                ("category", "配送"),
            ],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    for path in ["/help/ja", "/help/ja/1"] {
        let url = app.url(path);
        let scores = tokio::task::spawn_blocking(move || audit(&url))
            .await
            .unwrap();
        println!("lighthouse {path}: {scores:?}");
        for (category, score, failed) in scores {
            assert!(score >= 0.95, "{path} {category} {score}: {failed:?}");
        }
    }
}

//! The public help center over HTTP: both languages, categories, search, 404s, and what search engines
//! read: canonical and `hreflang` links, JSON-LD (schema.org `FAQPage` and `Article`, parsed as JSON) and
//! the sitemap (sitemaps.org protocol, parsed by Python's XML parser).

use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Agent, OutputWithStdin, TestApp, spawn_app};

async fn add(app: &TestApp, owner: &Agent, fields: &[(&str, &str)]) {
    let response = app
        .submit(owner, "/settings/faq", "/settings/faq/articles", fields)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

async fn fetch(path: &str, app: &TestApp) -> (StatusCode, String) {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header("Accept-Language", "ja-JP,ja;q=0.9")
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

fn json_ld(page: &str) -> Value {
    let start = page
        .find("<script type=\"application/ld+json\">")
        .expect("JSON-LD on the page")
        + "<script type=\"application/ld+json\">".len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).expect("JSON-LD parses")
}

#[tokio::test]
async fn the_help_center_serves_both_languages_search_and_what_search_engines_read() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    add(
        &app,
        &owner,
        &[
            ("title", "送料について"),
            (
                "body",
                "送料は全国一律**550円**です。<script>alert(1)</script>",
            ),
            ("language", "ja"),
            ("keywords", "配送料"),
            ("category", "配送"),
        ],
    )
    .await;
    add(
        &app,
        &owner,
        &[
            ("title", "Shipping fees"),
            ("body", "A flat 550 yen."),
            ("language", "en"),
            ("category", "Shipping"),
        ],
    )
    .await;
    add(
        &app,
        &owner,
        &[
            ("title", "Contact / お問い合わせ"),
            ("body", "support@shop.example"),
            ("language", ""),
        ],
    )
    .await;
    let response = app
        .submit(
            &owner,
            "/settings/widget",
            "/settings/widget",
            &[
                ("origins", "https://shop.example"),
                ("color", "#aa3300"),
                ("shop_name", "お茶の山田園"),
                ("greeting_en", "Hi"),
                ("greeting_ja", "こんにちは"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let (status, _) = fetch("/help", &app).await;
    assert_eq!(status, StatusCode::FOUND, "to the browser's language");

    let (status, ja) = fetch("/help/ja", &app).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        ja.contains("<h2>配送</h2>")
            && ja.contains("送料について")
            && ja.contains("Contact / お問い合わせ")
    );
    assert!(
        !ja.contains("Shipping fees"),
        "an English-only article is not on the Japanese home"
    );
    assert!(ja.contains("お茶の山田園"), "the shop's name heads it");
    let base = app.url("");
    assert!(
        ja.contains(&format!("<link rel=\"canonical\" href=\"{base}/help/ja\">")),
        "{ja}"
    );
    assert!(
        ja.contains(&format!("hreflang=\"en\" href=\"{base}/help/en\"")),
        "{ja}"
    );
    assert!(!ja.contains("<script src"), "no JavaScript");
    let faq = json_ld(&ja);
    assert_eq!(faq["@type"], "FAQPage");
    let names: Vec<&str> = faq["mainEntity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"送料について"));
    let css = fetch("/help/style.css?c=aa3300", &app).await.1;
    assert!(css.contains("#aa3300"), "the shop's colour");

    let (status, en) = fetch("/help/en", &app).await;
    assert_eq!(status, StatusCode::OK);
    assert!(en.contains("Shipping fees") && !en.contains("送料について"));

    let id = ja
        .split("href=\"/help/ja/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let (status, article) = fetch(&format!("/help/ja/{id}"), &app).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        article.contains("<h1>送料について</h1>") && article.contains("<strong>550円</strong>"),
        "{article}"
    );
    assert!(
        !article.contains("<script>alert"),
        "the article's HTML stays text"
    );
    let ld = json_ld(&article);
    assert_eq!(ld["@type"], "Article");
    assert_eq!(ld["headline"], "送料について");
    assert!(
        !article.contains("hreflang=\"en\""),
        "a Japanese-only article has no English page"
    );

    for missing in [
        format!("/help/en/{id}"),
        "/help/ja/99999".into(),
        "/help/ja/abc".into(),
        "/help/xx".into(),
    ] {
        assert_eq!(
            fetch(&missing, &app).await.0,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }

    let (status, found) = fetch(
        "/help/ja/search?q=%E3%81%9D%E3%81%86%E3%82%8A%E3%82%87%E3%81%86",
        &app,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        found.contains(&format!("href=\"/help/ja/{id}\"")),
        "そうりょう finds 送料: {found}"
    );
    let (_, nothing) = fetch("/help/ja/search?q=zebra", &app).await;
    assert!(nothing.contains("id=\"no-results\""));

    // The sitemap, read by an XML parser that is not ours.
    let (status, xml) = fetch("/help/sitemap.xml", &app).await;
    assert_eq!(status, StatusCode::OK);
    let script = "import sys, json, xml.etree.ElementTree as ET\n\
        ns = {'s': 'http://www.sitemaps.org/schemas/sitemap/0.9', 'x': 'http://www.w3.org/1999/xhtml'}\n\
        root = ET.fromstring(sys.stdin.buffer.read())\n\
        print(json.dumps({u.find('s:loc', ns).text: [a.get('hreflang') for a in u.findall('x:link', ns)] \
        for u in root.findall('s:url', ns)}))";
    let out = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .output_with_stdin(xml.as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let urls: Value = serde_json::from_slice(&out.stdout).unwrap();
    let urls = urls.as_object().unwrap();
    assert_eq!(urls.len(), 2 + 1 + 1 + 2, "{urls:?}");
    assert_eq!(
        urls[&format!("{base}/help/ja/{id}")],
        serde_json::json!(["ja"])
    );
    assert_eq!(
        urls[&format!("{base}/help/en")],
        serde_json::json!(["en", "ja"])
    );

    // A vote without the page's CSRF token is refused.
    let forged = reqwest::Client::new()
        .post(app.url(&format!("/help/ja/{id}/feedback")))
        .form(&[("helpful", "no")])
        .send()
        .await
        .unwrap();
    assert!(forged.status().is_client_error(), "{}", forged.status());

    // In a browser, under the site's security headers: styled, in the shop's colour.
    let browser = crate::browser::Browser::launch_in("ja").await;
    browser.goto(&app.url(&format!("/help/ja/{id}"))).await;
    browser.wait_for("article h1").await;
    let colour = browser
        .client()
        .execute(
            "return getComputedStyle(document.querySelector('header')).backgroundColor",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(colour, "rgb(170, 51, 0)");
    let shot = browser.screenshot("help-article").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 5_000);
    // "Was this helpful?" counts one answer per reader.
    for _ in 0..2 {
        browser.goto(&app.url(&format!("/help/ja/{id}"))).await;
        browser.click("#feedback button[value=yes]").await;
        browser.wait_for("#voted").await;
    }
    browser.close().await;
    let settings = app.page(&owner, "/settings/faq").await;
    assert!(
        settings.contains("<td class=\"votes\">1 / 0</td>"),
        "{settings}"
    );
}

//! A real headless Chromium for tests, driven over WebDriver (chromedriver + fantoccini).
//!
//! [`Browser::launch`] installs Debian's `chromium` and `chromium-driver` when they are missing (as root,
//! with apt-get), starts a private chromedriver on a free port and opens a fresh browser profile, so each
//! test gets its own isolated browser. Screenshots go to `target/tmp/screenshots/`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// A Japanese font, so screenshots of the Japanese console show text rather than boxes.
const JAPANESE_FONT_DIR: &str = "/usr/share/fonts/opentype/ipafont-gothic";
/// Debian packages the browser tests need.
const PACKAGES: &str = "chromium chromium-driver fonts-ipafont-gothic";

/// The flags every test browser runs with: headless, and no calls to the outside network.
const FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

/// Installs Chromium and its WebDriver once per test run when they are missing.
pub fn ensure_installed() {
    crate::debian::ensure(PACKAGES, &[CHROMIUM, CHROMEDRIVER, JAPANESE_FONT_DIR]);
}

/// How long a browser test waits for a page to reach an expected state: generous, so a busy machine only
/// makes a test slower.
pub const WAIT: Duration = Duration::from_secs(30);

/// One headless Chromium with its own profile and chromedriver.
pub struct Browser {
    client: Client,
    driver: Child,
    /// chromedriver's address, for the commands fantoccini has no method for (Chrome DevTools Protocol).
    driver_url: String,
    _profile: tempfile::TempDir,
    /// Chromium's TMPDIR.
    _scratch: tempfile::TempDir,
}

impl Browser {
    /// Starts a new, isolated browser that prefers English.
    pub async fn launch() -> Browser {
        Self::launch_in("en-US,en").await
    }

    /// Starts a new, isolated browser whose Accept-Language is `languages` (e.g. `"ja,en"`).
    pub async fn launch_in(languages: &str) -> Browser {
        tokio::task::spawn_blocking(ensure_installed).await.unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // Chromium leaves scratch directories in TMPDIR when it is killed: give it one of its own, removed
        // with the browser, so test runs do not fill /tmp.
        let scratch = tempfile::tempdir().unwrap();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .env("TMPDIR", scratch.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": args,
                "prefs": { "intl": { "accept_languages": languages } },
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        driver,
                        driver_url: url.clone(),
                        _profile: profile,
                        _scratch: scratch,
                    };
                }
                Err(e) => {
                    last_error = Some(e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        panic!("cannot start a browser session: {last_error:?}");
    }

    /// The underlying WebDriver client, for anything the helpers below do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens a URL and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// Waits (up to [`WAIT`]) for an element matching `css` to appear.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Waits up to [`WAIT`] for a JavaScript expression to be true in the page (errors count as false).
    pub async fn wait_until(&self, condition: &str) {
        let script = format!("try {{ return !!({condition}); }} catch (e) {{ return false; }}");
        let deadline = std::time::Instant::now() + WAIT;
        while std::time::Instant::now() < deadline {
            if self.client.execute(&script, vec![]).await.unwrap() == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "condition never held within {} s: {condition}",
            WAIT.as_secs()
        );
    }

    /// Types `text` into the field matching `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        self.wait_for(css).await.send_keys(text).await.unwrap();
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap();
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.unwrap()
    }

    /// The current page's path (and query).
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Signs in to the console at `base` and waits for the inbox.
    pub async fn sign_in(&self, base: &str, email: &str, password: &str) {
        self.goto(&format!("{base}/login")).await;
        self.fill("#login-form input[name=email]", email).await;
        self.fill("#login-form input[name=password]", password)
            .await;
        self.click("#login-form button[type=submit]").await;
        self.wait_for("#inbox").await;
    }

    /// A new browser speaking `languages`, signed in to `app` as its owner.
    pub async fn owner(app: &crate::helpers::TestApp, languages: &str) -> Browser {
        let browser = Browser::launch_in(languages).await;
        browser
            .sign_in(
                &app.address,
                crate::helpers::OWNER_EMAIL,
                crate::helpers::OWNER_PASSWORD,
            )
            .await;
        browser
    }

    /// Sizes the window's viewport to `width` x `height` CSS pixels (a phone is 390 x 844).
    pub async fn resize(&self, width: u32, height: u32) {
        // The window's frame takes some room: measure it, then grow the window by that much.
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize");
        let inner: Value = self
            .client
            .execute("return [window.innerWidth, window.innerHeight]", vec![])
            .await
            .unwrap();
        let (iw, ih) = (
            inner[0].as_u64().unwrap() as u32,
            inner[1].as_u64().unwrap() as u32,
        );
        let frame = (width.saturating_sub(iw), height.saturating_sub(ih));
        if frame != (0, 0) {
            self.client
                .set_window_size(width + frame.0, height + frame.1)
                .await
                .expect("resize");
        }
    }

    /// Saves a PNG of the viewport as `target/tmp/screenshots/NAME.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG image");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Runs a Chrome DevTools Protocol command in the page (chromedriver's `goog/cdp/execute`) and returns
    /// its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let session = self
            .client
            .session_id()
            .await
            .expect("session id")
            .expect("a session");
        let response: Value = reqwest::Client::new()
            .post(format!(
                "{}/session/{session}/goog/cdp/execute",
                self.driver_url
            ))
            .json(&json!({"cmd": cmd, "params": params}))
            .send()
            .await
            .expect("chromedriver answers")
            .json()
            .await
            .expect("JSON");
        response["value"].clone()
    }

    /// Ends the browser session and its chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A failed test never reaches close(); do not leave chromedriver running.
        let _ = self.driver.kill();
    }
}

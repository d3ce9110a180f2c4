//! Spawning the real app and speaking its routes, shared by every test module.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Client, Response, StatusCode};
use sodan::app::App;
use sodan::config::Config;
use sodan::web::ServerHandle;
use tempfile::TempDir;
use tokio::task::JoinHandle;

/// The owner account every test's setup creates.
pub const OWNER_EMAIL: &str = "owner@shop.example";
/// Its password.
pub const OWNER_PASSWORD: &str = "correct horse battery";

/// A running server on a free port.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The one-time setup link, while no account exists.
    pub setup_url: Option<String>,
    /// The data directory (owned by the test, so it outlives restarts).
    pub data_dir: PathBuf,
    handle: ServerHandle,
    task: JoinHandle<std::io::Result<()>>,
}

/// Starts a server on a fresh temporary data directory; keep the `TempDir` alive as long as the data.
pub async fn spawn_app() -> (TestApp, TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let app = spawn_app_in(dir.path()).await;
    (app, dir)
}

/// Starts a server on a fresh data directory with a configuration changed by `tweak`.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> (TestApp, TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = Config::with_data_dir(dir.path());
    tweak(&mut config);
    (start(config).await, dir)
}

/// Starts a server on an existing data directory.
pub async fn spawn_app_in(data_dir: &Path) -> TestApp {
    start(Config::with_data_dir(data_dir)).await
}

/// Starts a server on an existing data directory with a configuration changed by `tweak`.
pub async fn spawn_app_in_with(data_dir: &Path, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = Config::with_data_dir(data_dir);
    tweak(&mut config);
    start(config).await
}

/// The PostgreSQL database of `data_dir` when the suite runs on PostgreSQL: `SODAN_TEST_POSTGRES` names a
/// server (`scripts/test-postgres.sh` starts one), and each data directory gets a fresh database of its
/// own, remembered so that a restart on the same directory finds it again.
pub fn postgres_for(data_dir: &Path) -> Option<String> {
    static DATABASES: std::sync::Mutex<Vec<(PathBuf, String)>> = std::sync::Mutex::new(Vec::new());
    let server = std::env::var("SODAN_TEST_POSTGRES").ok()?;
    let mut known = DATABASES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, name)) = known.iter().find(|(dir, _)| dir == data_dir) {
        return Some(format!("{server}/{name}"));
    }
    let name = format!("sodan_{}_{}", std::process::id(), known.len());
    let admin = format!("{server}/postgres");
    let create = format!("CREATE DATABASE {name}");
    // The sync client runs its own runtime: not on this test's.
    std::thread::spawn(move || {
        postgres::Client::connect(&admin, postgres::NoTls)
            .and_then(|mut c| c.batch_execute(&create))
            .expect("a database for the test")
    })
    .join()
    .expect("creating the database");
    known.push((data_dir.to_owned(), name.clone()));
    Some(format!("{server}/{name}"))
}

/// Whether the suite runs on PostgreSQL (`scripts/test-postgres.sh`).
pub fn on_postgres() -> bool {
    std::env::var_os("SODAN_TEST_POSTGRES").is_some()
}

/// Whether the suite runs on PostgreSQL, where a test of the redb data file itself (its lock, its disk
/// filling up) has nothing to test: it says so and ends.
pub fn file_only(test: &str) -> bool {
    let on_postgres = on_postgres();
    if on_postgres {
        eprintln!("{test}: a test of the redb data file, not run on PostgreSQL");
    }
    on_postgres
}

/// Points a `sodan` command at the database of `data_dir` when the suite runs on PostgreSQL.
pub fn with_engine_of<'c>(command: &'c mut Command, data_dir: &Path) -> &'c mut Command {
    if let Some(url) = postgres_for(data_dir) {
        command.env("SODAN_DATABASE", url);
    }
    command
}

async fn start(mut config: Config) -> TestApp {
    let data_dir = config.data_dir.clone();
    let data_dir = data_dir.as_path();
    config.bind = "127.0.0.1:0".into();
    if config.database.is_none() {
        config.database = postgres_for(data_dir).map(sodan::config::Secret);
    }
    let on_postgres = config.database.is_some();
    let app = App::build(config).await.expect("the app builds");
    assert!(
        !on_postgres || !data_dir.join("sodan.redb").exists(),
        "on PostgreSQL no redb file is made"
    );
    let address = format!("http://127.0.0.1:{}", app.port());
    let setup_url = app.setup_url().map(str::to_owned);
    let handle = app.handle();
    let task = tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        setup_url,
        data_dir: data_dir.to_owned(),
        handle,
        task,
    }
}

impl TestApp {
    /// Stops the server gracefully and waits until its data file is closed.
    pub async fn stop(self) {
        self.handle.stop().await;
        self.task.await.expect("server task").expect("server ran");
    }

    /// The absolute URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A browser-like client: its own cookie jar, redirects not followed (so tests see them). Each request
    /// opens its own connection: one the server may be closing as idle is never reused (on a busy machine
    /// that race reset requests).
    pub fn client(&self) -> Agent {
        let jar = Arc::new(Jar::default());
        let client = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .build()
            .expect("HTTP client");
        Agent {
            client,
            jar,
            base: self.address.clone(),
        }
    }

    /// GET a path.
    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.expect("GET")
    }

    /// GET a page and return its body, asserting it answered 200.
    pub async fn page(&self, client: &Client, path: &str) -> String {
        let response = self.get(client, path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.expect("body")
    }

    /// POST a form as a browser would, with the CSRF token from the page at `form_page`.
    pub async fn submit(
        &self,
        client: &Client,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let page = self.page(client, form_page).await;
        let csrf = hidden_field(&page, "csrf").expect("the page has a CSRF token");
        let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post(client, action, &form).await
    }

    /// POST a form exactly as given (no CSRF token added).
    pub async fn post(&self, client: &Client, action: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(self.url(action))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// Creates the owner account through the setup link; returns a client signed in as the owner.
    pub async fn set_up_owner(&self) -> Agent {
        let client = self.client();
        let setup = self
            .setup_url
            .as_deref()
            .expect("a new server offers setup");
        // The link starts with the public URL, which may name another host than the test's address.
        let path = &setup[setup.find("/setup").expect("a setup link")..];
        let token = path
            .split("token=")
            .nth(1)
            .expect("token in the setup link");
        let response = self
            .submit(
                &client,
                path,
                "/setup",
                &[
                    ("token", token),
                    ("email", OWNER_EMAIL),
                    ("name", "Hana Owner"),
                    ("password", OWNER_PASSWORD),
                    ("password_confirm", OWNER_PASSWORD),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/inbox");
        client
    }

    /// Signs in `client`; returns the response to the sign-in form.
    pub async fn login(&self, client: &Client, email: &str, password: &str) -> Response {
        self.submit(
            client,
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// As the admin `admin`, invites `email` with `role`; returns the invitation link's path.
    pub async fn invite(&self, admin: &Client, email: &str, role: &str) -> String {
        let response = self
            .submit(
                admin,
                "/settings",
                "/settings/invites",
                &[("email", email), ("role", role)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body = response.text().await.unwrap();
        let link = input_value(&body, "invite-link").expect("the new link is shown");
        link.strip_prefix(&self.address)
            .expect("link on this server")
            .to_owned()
    }

    /// As the admin `admin`, allows `origins` to use the widget; returns the site key from the snippet.
    pub async fn configure_widget(&self, admin: &Client, origins: &[&str]) -> String {
        let origins = origins.join("\n");
        let response = self
            .submit(
                admin,
                "/settings/widget",
                "/settings/widget",
                &[
                    ("origins", &origins),
                    ("color", "#1f6feb"),
                    ("greeting_en", "Hello from the test shop"),
                    ("greeting_ja", "テストショップです"),
                    ("launcher_paths", ""),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "widget settings saved");
        let page = response
            .text()
            .await
            .unwrap()
            .replace("&#34;", "\"")
            .replace("&quot;", "\"");
        let key = page
            .split("data-site=\"")
            .nth(1)
            .expect("snippet with a site key");
        key.split('"').next().unwrap().to_owned()
    }

    /// Accepts an invitation in a fresh client; returns that client, signed in.
    pub async fn accept_invite(&self, invite_path: &str, name: &str, password: &str) -> Agent {
        let client = self.client();
        let response = self
            .submit(
                &client,
                invite_path,
                invite_path,
                &[
                    ("name", name),
                    ("password", password),
                    ("password_confirm", password),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "accepting {invite_path}"
        );
        client
    }
}

/// An HTTP client with its own cookie jar, like one browser profile.
pub struct Agent {
    client: Client,
    jar: Arc<Jar>,
    base: String,
}

impl Agent {
    /// The `Cookie` header this agent sends to the server.
    pub fn cookie_header(&self) -> String {
        let url = self.base.parse().unwrap();
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }
}

impl std::ops::Deref for Agent {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// A new client signed in as the owner (after a restart, say).
pub async fn owner_agent(app: &TestApp) -> Agent {
    let agent = app.client();
    assert_signed_in(app, &agent).await;
    agent
}

/// Signs `agent` in as the owner and checks the console opens.
pub async fn assert_signed_in(app: &TestApp, agent: &Agent) {
    let response = app.login(agent, OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(location(&response), "/inbox");
}

/// The `Location` header of a redirect.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The `Set-Cookie` headers of a response, joined.
pub fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The value of `<input ... name="NAME" value="...">` in a page.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    attribute_after(html, &format!("name=\"{name}\""))
}

/// The value of `<input id="ID" value="...">` in a page.
pub fn input_value(html: &str, id: &str) -> Option<String> {
    attribute_after(html, &format!("id=\"{id}\""))
}

fn attribute_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let rest = &html[start..];
    let value = rest.find("value=\"")? + "value=\"".len();
    let end = rest[value..].find('"')?;
    Some(
        rest[value..value + end]
            .replace("&amp;", "&")
            .replace("&#x3d;", "="),
    )
}

/// Runs a command with `input` on its standard input and collects its output.
pub trait OutputWithStdin {
    fn output_with_stdin(&mut self, input: &[u8]) -> std::process::Output;
}

impl OutputWithStdin for Command {
    fn output_with_stdin(&mut self, input: &[u8]) -> std::process::Output {
        let mut child = self
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    }
}

/// Writes a data file as another Sodan version would: the same `meta` table with schema `version`.
pub fn write_schema_version(path: &Path, version: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let db = redb::Database::create(path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let meta: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("meta");
        let mut table = txn.open_table(meta).unwrap();
        table.insert("schema_version", version).unwrap();
    }
    txn.commit().unwrap();
}

/// A small deterministic random generator (a test prints its seed so a failure can be replayed).
pub struct Lcg(pub u64);

impl Lcg {
    /// The next 31 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// Writes the server has committed (`sodan_writes_total` in `/metrics`): a test that an action costs no
/// write compares it before and after.
pub async fn writes_total(app: &TestApp) -> u64 {
    let text = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("sodan_writes_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("sodan_writes_total")
}

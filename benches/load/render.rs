//! Console render times with a big store: the harness fills a data file with many conversations (through
//! the store's own write path, as the server would), starts a real `sodan serve` on it and times the pages
//! operators open all day, against `/healthz` on the same server as the floor (an HTTP round trip that
//! renders nothing).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use sodan::conversations::Author;
use sodan::store::{Draft, Store};

use super::harness::{Latency, Server, set_up};

/// What a render run measured.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RenderReport {
    /// Conversations in the store.
    pub conversations: usize,
    /// Time to generate them (seconds).
    pub seed_seconds: f64,
    /// Floor: `GET /healthz`.
    pub healthz: Latency,
    /// `GET /inbox` (open conversations, newest first).
    pub inbox: Latency,
    /// `GET /inbox/{id}`: the list with one conversation open.
    pub conversation: Latency,
    /// `GET /inbox?q=WORD`: full-text search over every message.
    pub search: Latency,
    /// Conversations listed on the inbox page (checks the page really rendered them).
    pub listed: usize,
}

impl RenderReport {
    /// The human-readable table, ratios included.
    pub fn table(&self) -> String {
        let ms = |us: u64| us as f64 / 1000.0;
        let mut t = format!(
            "render with {} conversations (generated in {:.1} s)\n| page | p50 / p99 / max | p50 ratio to /healthz |\n|---|---|---|\n",
            self.conversations, self.seed_seconds
        );
        for (name, l) in [
            ("GET /healthz (floor)", &self.healthz),
            ("GET /inbox", &self.inbox),
            ("GET /inbox/{id}", &self.conversation),
            ("GET /inbox?q=word (search)", &self.search),
        ] {
            t += &format!(
                "| {name} | {:.2} / {:.2} / {:.2} ms | {:.1}x |\n",
                ms(l.p50_us),
                ms(l.p99_us),
                ms(l.max_us),
                l.p50_us as f64 / self.healthz.p50_us.max(1) as f64
            );
        }
        t
    }
}

/// Fills a new data file at `data_dir` with `count` conversations, each a visitor message and, for every
/// second one, an operator reply; every tenth mentions "refund" so search has something to find.
pub async fn seed(data_dir: &Path, count: usize) {
    let store = Store::open(&data_dir.join("sodan.redb"))
        .await
        .expect("store opens");
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let (store, next) = (store.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let mut digest = [0u8; 32];
                digest[..8].copy_from_slice(&(i as u64).to_le_bytes());
                let visitor = store.create_visitor(digest).await.expect("visitor");
                let topic = if i % 10 == 0 { "a refund" } else { "delivery" };
                let draft = Draft {
                    author: Author::Visitor,
                    client_id: None,
                    body: format!("Hello, a question about {topic} for order {i}"),
                    note: false,
                    upload: None,
                };
                let posted = store
                    .post_visitor_message(
                        visitor.id,
                        draft,
                        Some(format!("https://shop.test/items/{i}")),
                    )
                    .await
                    .expect("message");
                if i % 2 == 0 {
                    let reply = Draft {
                        author: Author::Operator {
                            id: 1,
                            name: "Load Owner".into(),
                        },
                        client_id: None,
                        body: "Thank you, let me check.".into(),
                        note: false,
                        upload: None,
                    };
                    store
                        .post_operator_message(posted.conversation.id, 1, reply)
                        .await
                        .expect("reply");
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    store
        .close(Duration::from_secs(30))
        .await
        .expect("store closes");
}

async fn time(http: &reqwest::Client, url: &str, cookie: &str, rounds: usize) -> (Latency, String) {
    let mut samples = Vec::with_capacity(rounds);
    let mut body = String::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let response = http.get(url).header("cookie", cookie).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        body = response.text().await.unwrap();
        samples.push(started.elapsed());
    }
    (Latency::of(samples), body)
}

/// Seeds `count` conversations, serves them with `binary` and times each page `rounds` times.
pub async fn run(binary: &Path, work_dir: &Path, count: usize, rounds: usize) -> RenderReport {
    let data_dir = work_dir.join("render");
    let started = Instant::now();
    seed(&data_dir, count).await;
    let seed_seconds = started.elapsed().as_secs_f64();
    let server = Server::start(binary, &data_dir);
    let (cookie, _) = set_up(&server).await;
    let http = reqwest::Client::new();
    let base = &server.address;
    let (healthz, _) = time(&http, &format!("{base}/healthz"), &cookie, rounds).await;
    let (inbox, page) = time(&http, &format!("{base}/inbox"), &cookie, rounds).await;
    let listed = page.matches("<li data-id=").count();
    let middle = count / 2 + 1;
    let (conversation, _) = time(&http, &format!("{base}/inbox/{middle}"), &cookie, rounds).await;
    let (search, _) = time(&http, &format!("{base}/inbox?q=refund"), &cookie, rounds).await;
    RenderReport {
        conversations: count,
        seed_seconds,
        healthz,
        inbox,
        conversation,
        search,
        listed,
    }
}

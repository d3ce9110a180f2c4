//! Console render times with a big store: the harness fills a data file with many conversations and
//! customers (through the store's own write path, as the server would), gives one customer the full bounded
//! history, starts a real `sodan serve` on it and times the pages operators open all day, against `/healthz`
//! on the same server as the floor (an HTTP round trip that renders nothing).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::json;
use sodan::conversations::{Author, Origin};
use sodan::customers::{Traits, events::parse_event};
use sodan::store::{Claim, Draft, HistoryLimits, Store};
use sodan::visitors::PageView;

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
    /// Identified customers in the store (every second conversation's visitor).
    pub customers: usize,
    /// Page views and events of the customer with the full history.
    pub history: (usize, usize),
    /// `GET /inbox/{id}` of the customer with the full history: conversation and card.
    pub card: Latency,
    /// `GET /customers/{id}`: card and the first page of the timeline, full history.
    pub customer_page: Latency,
    /// `GET /customers?q=WORD`: search among every customer.
    pub customer_search: Latency,
    /// `GET /reports`: the last 30 days (every conversation of the store), charts and tables.
    pub reports: Latency,
    /// `GET /reports.csv?table=operators`.
    pub reports_csv: Latency,
    /// Conversations the report counted (checks it read every fact).
    pub reported: u64,
}

impl RenderReport {
    /// The human-readable table, ratios included.
    pub fn table(&self) -> String {
        let ms = |us: u64| us as f64 / 1000.0;
        let mut t = format!(
            "render with {} conversations (generated in {:.1} s)\n| page | p50 / p99 / max | p50 ratio to /healthz |\n|---|---|---|\n",
            self.conversations, self.seed_seconds
        );
        t = t.replace(
            "conversations (",
            &format!(
                "conversations, {} customers, one with {} page views and {} events (",
                self.customers, self.history.0, self.history.1
            ),
        );
        for (name, l) in [
            ("GET /healthz (floor)", &self.healthz),
            ("GET /inbox", &self.inbox),
            ("GET /inbox/{id}", &self.conversation),
            ("GET /inbox?q=word (search)", &self.search),
            ("GET /inbox/{id} with the full-history card", &self.card),
            ("GET /customers/{id} (card + timeline)", &self.customer_page),
            ("GET /customers?q=word (search)", &self.customer_search),
            ("GET /reports (30 days, every conversation)", &self.reports),
            ("GET /reports.csv?table=operators", &self.reports_csv),
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
/// second one, an operator reply and a verified customer identity; every tenth mentions "refund" so search
/// has something to find. Visitor 1 then gets `history` page views and events (the full bounded history
/// when these are the limits).
pub async fn seed(data_dir: &Path, count: usize, history: (usize, usize)) {
    let limits = HistoryLimits {
        page_views: history.0.max(1),
        events: history.1.max(1),
    };
    let store = Store::open_with(&data_dir.join("sodan.redb"), limits)
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
                        Origin {
                            page_url: Some(format!("https://shop.test/items/{i}")),
                            trigger: None,
                            bot: false,
                            channel: sodan::conversations::Channel::Web,
                            ..Origin::default()
                        },
                    )
                    .await
                    .expect("message");
                if i % 2 == 0 {
                    let mut traits = Traits {
                        name: Some(format!("Customer {i}")),
                        email: Some(format!("c{i}@shop.test")),
                        ..Traits::default()
                    };
                    traits.attributes.insert(
                        "plan".into(),
                        json!(if i % 4 == 0 { "gold" } else { "free" }),
                    );
                    let claim = Claim {
                        external_id: format!("cust-{i}"),
                        verified: true,
                        traits,
                    };
                    store
                        .identify(digest, visitor.id, claim)
                        .await
                        .expect("identify")
                        .expect("valid claim");
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
    let (pages, events) = history;
    let mut writes = Vec::new();
    for n in 0..pages.max(events) {
        let store = store.clone();
        writes.push(tokio::spawn(async move {
            if n < pages {
                let url = format!("https://shop.test/items/{n}?ref=mail");
                let page = PageView::parse(&url, &format!("Item {n}"), "", 1_700_000_000_000 + n as u64);
                store.touch_visitor(1, page).await.expect("page view");
            }
            if n < events {
                let name = if n % 10 == 0 { "purchase" } else { "view_item" };
                let props = json!({"sku": format!("SKU-{n}"), "order_id": format!("A-{n}"), "total": n * 100});
                let event = parse_event(name, &props, 1_700_000_000_000 + n as u64).unwrap();
                store.track(1, event, true).await.expect("event");
            }
        }));
        if writes.len() >= 256 {
            for w in writes.drain(..) {
                w.await.unwrap();
            }
        }
    }
    for w in writes {
        w.await.unwrap();
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

/// Seeds `count` conversations and customers (one with `history` page views and events), serves them with
/// `binary` and times each page `rounds` times.
pub async fn run(
    binary: &Path,
    work_dir: &Path,
    count: usize,
    history: (usize, usize),
    rounds: usize,
) -> RenderReport {
    let data_dir = work_dir.join("render");
    let started = Instant::now();
    seed(&data_dir, count, history).await;
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
    // Visitor 1 holds the full history; its card links to its conversation.
    let (_, page) = time(&http, &format!("{base}/customers/1"), &cookie, 1).await;
    let heavy = page
        .split("href=\"/inbox/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("visitor 1 has a conversation")
        .to_owned();
    let (card, page) = time(&http, &format!("{base}/inbox/{heavy}"), &cookie, rounds).await;
    assert!(page.contains("id=\"customer-card\""), "the card rendered");
    let (customer_page, page) = time(&http, &format!("{base}/customers/1"), &cookie, rounds).await;
    assert!(page.contains("class=\"timeline\""), "the timeline rendered");
    let (customer_search, page) = time(
        &http,
        &format!("{base}/customers?q=plan:gold"),
        &cookie,
        rounds,
    )
    .await;
    assert!(page.contains("id=\"customers\""), "customers found");
    let (reports, page) = time(&http, &format!("{base}/reports"), &cookie, rounds).await;
    let reported = page
        .split("data-table=\"summary\"")
        .nth(1)
        .and_then(|s| s.split("<td>").nth(1))
        .and_then(|s| s.split('<').next())
        .and_then(|s| s.parse().ok())
        .expect("the report's summary");
    let (reports_csv, _) = time(
        &http,
        &format!("{base}/reports.csv?table=operators"),
        &cookie,
        rounds,
    )
    .await;
    RenderReport {
        conversations: count,
        seed_seconds,
        healthz,
        inbox,
        conversation,
        search,
        listed,
        customers: count.div_ceil(2),
        history,
        card,
        customer_page,
        customer_search,
        reports,
        reports_csv,
        reported,
    }
}

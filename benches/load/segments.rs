//! Segment evaluation cost: tracked events per second through the store's own write path (each event
//! re-evaluates its customer's segments in the same transaction), with no segment defined (the baseline)
//! and with 50 segments of every kind, on customers with a recent history. Same machine, same run.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::json;
use sodan::customers::{Traits, events::parse_event};
use sodan::store::{Claim, SegmentDraft, Store};
use sodan::visitors::PageView;

/// Page views and events each customer has before the timed part.
const HISTORY: (usize, usize) = (30, 100);
/// Writers at once (as many sockets sending events).
const CONCURRENCY: usize = 64;

/// What a segments run measured.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentsReport {
    pub customers: usize,
    pub events: usize,
    pub history: (usize, usize),
    /// Events per second with no segment defined.
    pub baseline_per_sec: f64,
    /// Events per second with 50 segments.
    pub with_segments_per_sec: f64,
    /// Seconds the back-fill of 50 segments over every customer took.
    pub backfill_seconds: f64,
}

impl SegmentsReport {
    /// The human-readable table, the ratio included.
    pub fn table(&self) -> String {
        format!(
            "segments: {} customers with {} page views and {} events each, {} tracked events, {} writers\n\
             | segments defined | events/s | ratio to baseline |\n|---|---|---|\n\
             | 0 (baseline) | {:.0} | 1.00x |\n| 50 | {:.0} | {:.2}x |\n\
             back-fill of 50 segments over {} customers: {:.2} s\n",
            self.customers,
            self.history.0,
            self.history.1,
            self.events,
            CONCURRENCY,
            self.baseline_per_sec,
            self.with_segments_per_sec,
            self.with_segments_per_sec / self.baseline_per_sec.max(1e-9),
            self.customers,
            self.backfill_seconds,
        )
    }
}

/// Fifty rules, ten of each kind: attributes, event counts with windows and property tests, page patterns,
/// nested groups, and cart/score/language.
fn rules() -> Vec<String> {
    (0..50)
        .map(|i| match i % 5 {
            0 => format!(r#"attr.plan = "plan-{}""#, i % 3),
            1 => format!(r#"events("view_item", {}d) >= {}"#, i + 1, i % 7 + 1),
            2 => format!(r#"pages("/items/{}*", 7d) >= 1"#, i % 10),
            3 => format!(
                r#"all(visits >= 1, events("purchase", 30d, total > {}) >= 1)"#,
                i * 1000
            ),
            _ => r#"any(cart.value > 10000, repeat_pages("/items/*", 7d) >= 3, language = "ja")"#
                .to_owned(),
        })
        .collect()
}

async fn seed(store: &Store, customers: usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let now = sodan::clock::now_millis();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (store, next) = (store.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= customers {
                    break;
                }
                let mut digest = [0u8; 32];
                digest[..8].copy_from_slice(&(i as u64).to_le_bytes());
                let visitor = store.create_visitor(digest).await.expect("visitor");
                let mut traits = Traits::default();
                traits
                    .attributes
                    .insert("plan".into(), json!(format!("plan-{}", i % 3)));
                let claim = Claim {
                    external_id: format!("c-{i}"),
                    verified: true,
                    traits,
                };
                let id = store
                    .identify(digest, visitor.id, claim)
                    .await
                    .unwrap()
                    .unwrap();
                for n in 0..HISTORY.0 {
                    let url = format!("https://shop.test/items/{}", (i + n) % 40);
                    let at = now - (HISTORY.0 - n) as u64 * 60_000;
                    let page = PageView::parse(&url, "Item", "", at);
                    store.touch_visitor(id, page).await.unwrap();
                }
                for n in 0..HISTORY.1 {
                    let name = if n % 10 == 0 { "purchase" } else { "view_item" };
                    let at = now - (HISTORY.1 - n) as u64 * 3_600_000;
                    let event = parse_event(name, &json!({"total": n * 500}), at).unwrap();
                    store.track(id, event, false).await.unwrap();
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// Tracks `events` events on random customers from [`CONCURRENCY`] writers; events per second.
async fn track(store: &Store, customers: usize, events: usize) -> f64 {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (store, next) = (store.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= events {
                    break;
                }
                // Customers are visitors 1..=customers; spread the events over them.
                let id = (i.wrapping_mul(7919) % customers) as u64 + 1;
                let name = if i % 10 == 0 { "purchase" } else { "view_item" };
                let event = parse_event(
                    name,
                    &json!({"total": i % 30 * 1000}),
                    sodan::clock::now_millis(),
                )
                .unwrap();
                store.track(id, event, true).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    events as f64 / started.elapsed().as_secs_f64()
}

/// Runs both halves on fresh data files under `work_dir`.
pub async fn run(work_dir: &Path, customers: usize, events: usize) -> SegmentsReport {
    let mut rates = Vec::new();
    let mut backfill_seconds = 0.0;
    for defined in [0, 50] {
        let dir = work_dir.join(format!("segments-{defined}"));
        let store = Store::open(&dir.join("sodan.redb"))
            .await
            .expect("store opens");
        seed(&store, customers).await;
        let started = Instant::now();
        for (i, rule) in rules().into_iter().take(defined).enumerate() {
            let draft = SegmentDraft {
                id: None,
                name: format!("Segment {i}"),
                rule,
                route_to: None,
                priority: false,
            };
            store.save_segment(draft).await.unwrap().unwrap().unwrap();
        }
        while store.backfill_step(200).await.unwrap().is_some() {}
        if defined > 0 {
            backfill_seconds = started.elapsed().as_secs_f64();
            let members: u64 = store.segments().await.unwrap().iter().map(|(_, n)| n).sum();
            assert!(members > 0, "the segments have members");
        }
        rates.push(track(&store, customers, events).await);
        store.close(Duration::from_secs(30)).await.unwrap();
    }
    SegmentsReport {
        customers,
        events,
        history: HISTORY,
        baseline_per_sec: rates[0],
        with_segments_per_sec: rates[1],
        backfill_seconds,
    }
}

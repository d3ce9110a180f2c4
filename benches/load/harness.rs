//! The load harness: drives a real `sodan serve` with real WebSocket clients and measures it against
//! baselines taken in the same run (a bare WebSocket echo, raw redb durable commits on the same disk).
//!
//! Shared by `cargo bench --bench load` (scenarios `smoke`, `standard`, `peak`) and the smoke test in
//! `tests/it/load_smoke.rs`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

#[path = "baselines.rs"]
mod baselines;
#[path = "report.rs"]
mod report;
#[path = "server.rs"]
mod server;
#[path = "setup.rs"]
mod setup;

pub use report::{Latency, Report, Scenario};
pub use server::Server;
pub use setup::set_up;
// The Lighthouse audit allows its own origin; the smoke test does not use it.
#[allow(unused_imports)]
pub use setup::set_up_for;
// The bench's bare actix-ws baseline starts and measures another process; the smoke test does not.
#[allow(unused_imports)]
pub use server::{listening_address, rss_of};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The origin the harness's visitors claim.
const ORIGIN: &str = "http://load.test";

/// Opens a WebSocket at `path` of `address` with `headers`; `None` when refused.
pub async fn open(address: &str, path: &str, headers: &[(&str, &str)]) -> Option<Socket> {
    let mut request = format!("{}{path}", address.replacen("http://", "ws://", 1))
        .into_client_request()
        .unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(
            tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    // Browsers disable Nagle's algorithm on WebSockets; so do these clients. A small read buffer:
    // tungstenite zeroes the whole buffer before each read (128 KiB by default), which made the
    // clients spend more of the machine's CPU than the server's sockets under `saturate`.
    let config =
        tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096);
    tokio_tungstenite::connect_async_with_config(request, Some(config), true)
        .await
        .ok()
        .map(|(s, _)| s)
}

async fn next_json(socket: &mut Socket) -> Option<Value> {
    loop {
        match socket.next().await? {
            Ok(Message::Text(text)) => return serde_json::from_str(&text).ok(),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

/// The half of a visitor's socket the harness writes to.
type Sink = futures_util::stream::SplitSink<Socket, Message>;

/// Reads a visitor's socket until aborted: counts acks (with their latency), operator replies and error
/// frames.
async fn read_visitor(mut stream: futures_util::stream::SplitStream<Socket>, book: Arc<Book>) {
    while let Some(Ok(message)) = stream.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let Ok(frame) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        match frame["type"].as_str() {
            Some("ack") => {
                let id = frame["client_id"].as_str().unwrap_or("");
                if let Some(at) = book.sent_at.lock().unwrap().get(id) {
                    book.ack.lock().unwrap().push(at.elapsed());
                }
                book.acked.fetch_add(1, Ordering::Relaxed);
                if book
                    .window_end
                    .get()
                    .is_some_and(|end| Instant::now() <= *end)
                {
                    book.acked_in_window.fetch_add(1, Ordering::Relaxed);
                }
            }
            Some("message") => {
                let body = frame["message"]["body"].as_str().unwrap_or("");
                if let Some(at) = book.reply_sent_at.lock().unwrap().get(body) {
                    book.to_visitor.lock().unwrap().push(at.elapsed());
                }
            }
            Some("error") => book.error(&frame),
            _ => {}
        }
    }
}

/// Shared measurement state of one run.
#[derive(Default)]
struct Book {
    sent_at: Mutex<HashMap<String, Instant>>,
    reply_sent_at: Mutex<HashMap<String, Instant>>,
    ack: Mutex<Vec<Duration>>,
    to_operator: Mutex<Vec<Duration>>,
    to_visitor: Mutex<Vec<Duration>>,
    sent: AtomicU64,
    acked: AtomicU64,
    /// When the chatting ends: only acks received by then count towards the durable rate (the rest
    /// arrive in the grace period the last acks get).
    window_end: std::sync::OnceLock<Instant>,
    acked_in_window: AtomicU64,
    errors: AtomicU64,
}

impl Book {
    /// Counts an error frame; the first few are printed, so a run with errors says what they were.
    fn error(&self, frame: &Value) {
        if self.errors.fetch_add(1, Ordering::Relaxed) < 3 {
            eprintln!("error frame: {frame}");
        }
    }
}

/// Runs `scenario` against a fresh `sodan` built at `binary`, with its data under `work_dir`, stored in
/// the redb file there or (`database`) in an empty PostgreSQL database.
pub async fn run(
    binary: &Path,
    work_dir: &Path,
    scenario: &Scenario,
    database: Option<&str>,
) -> Report {
    let data_dir = work_dir.join("data");
    let server = Server::start_on(binary, &data_dir, database);
    let (cookie, site) = set_up(&server).await;
    // Idle: the hashing thread that hashed the owner's password gives its argon2 memory back once it has
    // had no work for a while.
    tokio::time::sleep(sodan::auth::password::KEEP_MEMORY + Duration::from_secs(1)).await;
    let mut report = Report {
        scenario: scenario.name.clone(),
        engine: if database.is_some() {
            "postgresql"
        } else {
            "redb"
        }
        .into(),
        rss_idle: server.rss(),
        threads_idle: server.threads(),
        ..Report::default()
    };
    let book = Arc::new(Book::default());
    let stop = Arc::new(tokio::sync::Notify::new());

    // Operators: every console records visitor→operator latency; console 0 replies to every 10th message.
    let mut tasks = Vec::new();
    for i in 0..scenario.operators {
        let host = server.address.trim_start_matches("http://").to_owned();
        let mut socket = open(
            &server.address,
            "/console/ws",
            &[
                ("cookie", &cookie),
                ("origin", &server.address),
                ("host", &host),
            ],
        )
        .await
        .expect("console socket");
        let (book, stop) = (book.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut seen = 0u64;
            loop {
                let frame = tokio::select! { f = next_json(&mut socket) => f, _ = stop.notified() => None };
                let Some(frame) = frame else { break };
                if frame["type"] == "message" && frame["message"]["author"]["kind"] == "visitor" {
                    let body = frame["message"]["body"].as_str().unwrap_or("").to_owned();
                    if let Some(at) = book.sent_at.lock().unwrap().get(&body) {
                        book.to_operator.lock().unwrap().push(at.elapsed());
                    }
                    seen += 1;
                    if i == 0 && seen.is_multiple_of(10) {
                        let reply = format!("r:{body}");
                        book.reply_sent_at.lock().unwrap().insert(reply.clone(), Instant::now());
                        let frame = json!({ "type": "message", "conversation": frame["message"]["conversation"], "client_id": format!("c{seen}"), "body": reply });
                        if socket.send(Message::text(frame.to_string())).await.is_err() {
                            break;
                        }
                    }
                } else if frame["type"] == "error" {
                    book.error(&frame);
                }
            }
        }));
    }

    // Visitors: connect in batches, say hello, stay connected. Each socket is read from its welcome on (a
    // browser answers the server's pings at once; a socket left unread is closed by the server's
    // heartbeat); only the chatting ones write.
    let mut visitors: Vec<Sink> = Vec::with_capacity(scenario.visitors);
    let mut readers = Vec::with_capacity(scenario.visitors);
    // Every simulated visitor comes from 127.0.0.1: batches stay under the server's cap on requests in
    // flight from one address (`MAX_IN_FLIGHT`), which real visitors on their own addresses never share.
    let batch_size = sodan::web::request_bounds::MAX_IN_FLIGHT / 2;
    for batch in (0..scenario.visitors)
        .collect::<Vec<_>>()
        .chunks(batch_size)
    {
        let opened = futures_util::future::join_all(batch.iter().map(|_| {
            let (address, site) = (server.address.clone(), site.clone());
            async move {
                let mut socket = open(
                    &address,
                    &format!("/widget/ws?site={site}"),
                    &[("origin", ORIGIN)],
                )
                .await?;
                socket
                    .send(Message::text(
                        json!({ "type": "hello", "site": site }).to_string(),
                    ))
                    .await
                    .ok()?;
                loop {
                    let frame = next_json(&mut socket).await?;
                    if frame["type"] == "welcome" {
                        return Some(socket);
                    }
                }
            }
        }))
        .await;
        for socket in opened {
            match socket {
                Some(s) => {
                    let (sink, stream) = s.split();
                    readers.push(tokio::spawn(read_visitor(stream, book.clone())));
                    visitors.push(sink);
                }
                None => {
                    book.errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
    report.threads_with_sockets = server.threads();
    tokio::time::sleep(Duration::from_secs(2)).await;
    report.rss_with_sockets = server.rss();
    report.bytes_per_idle_socket =
        report.rss_with_sockets.saturating_sub(report.rss_idle) / scenario.visitors.max(1) as u64;

    // Chatting: `chatting` visitors share `rate` messages per second.
    let cpu_before = server.cpu_ms();
    let started = Instant::now();
    let chatting = scenario.chatting.min(visitors.len());
    let per_visitor_every = Duration::from_secs_f64(chatting as f64 / scenario.rate.max(1) as f64);
    let deadline = started + Duration::from_secs(scenario.seconds);
    let _ = book.window_end.set(deadline);
    let mut chat_tasks = Vec::new();
    for (v, mut sink) in visitors.drain(..chatting).enumerate() {
        let book = book.clone();
        chat_tasks.push(tokio::spawn(async move {
            // Spread the visitors' first sends over one period so the rate is even.
            tokio::time::sleep(per_visitor_every.mul_f64(v as f64 / chatting.max(1) as f64)).await;
            let mut tick = tokio::time::interval(per_visitor_every);
            let mut n = 0u64;
            while Instant::now() < deadline {
                tick.tick().await;
                n += 1;
                let id = format!("v{v}m{n}");
                book.sent_at
                    .lock()
                    .unwrap()
                    .insert(id.clone(), Instant::now());
                book.sent.fetch_add(1, Ordering::Relaxed);
                if sink
                    .send(Message::text(
                        json!({ "type": "message", "client_id": id, "body": id }).to_string(),
                    ))
                    .await
                    .is_err()
                {
                    book.errors.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
            // Let the last acks and replies arrive.
            tokio::time::sleep(Duration::from_secs(2)).await;
            sink
        }));
    }
    let mut rss_peak = 0;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        rss_peak = rss_peak.max(server.rss());
    }
    for task in chat_tasks {
        if let Ok(sink) = task.await {
            visitors.push(sink);
        }
    }
    report.cpu_ms = server.cpu_ms().saturating_sub(cpu_before);
    report.rss_under_load = rss_peak.max(server.rss());
    report.sent = book.sent.load(Ordering::Relaxed);
    report.acked = book.acked.load(Ordering::Relaxed);
    // Acks received within the chatting window, over the window: a backlog acked in the grace period
    // after it does not count.
    report.acked_per_sec =
        book.acked_in_window.load(Ordering::Relaxed) as f64 / scenario.seconds.max(1) as f64;
    report.refused = book.errors.load(Ordering::Relaxed);
    report.errors = report.refused + report.sent.saturating_sub(report.acked);
    report.ack = Latency::of(std::mem::take(&mut *book.ack.lock().unwrap()));
    report.visitor_to_operator =
        Latency::of(std::mem::take(&mut *book.to_operator.lock().unwrap()));
    report.operator_to_visitor = Latency::of(std::mem::take(&mut *book.to_visitor.lock().unwrap()));

    stop.notify_waiters();
    for reader in readers {
        reader.abort();
    }
    drop(visitors);
    for task in tasks {
        task.abort();
    }
    // Measure once the server has let go of every socket (its health check counts them), plus a moment.
    let health = format!("{}/healthz", server.address);
    for _ in 0..100 {
        let open = match reqwest::get(&health).await {
            Ok(response) => response
                .json::<Value>()
                .await
                .map(|h| h["connections"].as_u64().unwrap_or(1))
                .unwrap_or(1),
            Err(_) => 1,
        };
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    report.rss_after_close = server.rss();
    drop(server);

    report.echo = baselines::echo_baseline().await;
    let (plain, two_phase) = baselines::redb_baseline(work_dir);
    report.redb_commits_per_sec = plain;
    report.redb_2pc_commits_per_sec = two_phase;
    if let Some(url) = database {
        report.postgres_commits_per_sec = baselines::postgres_baseline(url);
    }
    report
}

//! The floors a load run is read against, measured in the same run: a bare WebSocket echo round trip,
//! raw redb durable commits on the same disk and, for a run on PostgreSQL, raw commits of that server.

use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::Latency;

/// A bare WebSocket echo server and one client on loopback: the latency floor of any socket round trip.
pub async fn echo_baseline() -> Latency {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        stream.set_nodelay(true).unwrap();
        let mut socket = tokio_tungstenite::accept_async(stream).await.unwrap();
        while let Some(Ok(message)) = socket.next().await {
            if message.is_text() && socket.send(message).await.is_err() {
                break;
            }
        }
    });
    let (mut client, _) =
        tokio_tungstenite::connect_async_with_config(format!("ws://{address}"), None, true)
            .await
            .unwrap();
    let payload = "x".repeat(100);
    let mut samples = Vec::with_capacity(2_000);
    for _ in 0..2_000 {
        let at = Instant::now();
        client.send(Message::text(payload.clone())).await.unwrap();
        let _ = client.next().await;
        samples.push(at.elapsed());
    }
    server.abort();
    Latency::of(samples)
}

/// Raw redb durable commits of one row each, on the same disk as the server's data, for one second each:
/// the fsync floor that only group commit can rise above.
pub fn redb_baseline(work_dir: &Path) -> (f64, f64) {
    let definition: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("baseline");
    let mut rates = [0.0; 2];
    for (i, two_phase) in [false, true].into_iter().enumerate() {
        let path = work_dir.join(format!("baseline-{i}.redb"));
        let db = redb::Database::create(&path).unwrap();
        let started = Instant::now();
        let mut commits = 0u64;
        while started.elapsed() < Duration::from_secs(1) {
            let mut txn = db.begin_write().unwrap();
            txn.set_two_phase_commit(two_phase);
            txn.open_table(definition)
                .unwrap()
                .insert(commits, &[0u8; 100][..])
                .unwrap();
            txn.commit().unwrap();
            commits += 1;
        }
        rates[i] = commits as f64 / started.elapsed().as_secs_f64();
        drop(db);
        let _ = std::fs::remove_file(path);
    }
    (rates[0], rates[1])
}

/// Commits of one 100-byte row each (autocommit `INSERT`s, one client) for one second on the PostgreSQL
/// database at `url`: the floor a server on that database rises above only by committing many messages at
/// once.
pub fn postgres_baseline(url: &str) -> f64 {
    let url = url.to_owned();
    // The sync client runs its own runtime: not on the caller's.
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("the database");
        client
            .batch_execute("CREATE TABLE baseline (k bigint PRIMARY KEY, v bytea NOT NULL)")
            .unwrap();
        let insert = client
            .prepare("INSERT INTO baseline (k, v) VALUES ($1, $2)")
            .unwrap();
        let started = Instant::now();
        let mut commits = 0i64;
        while started.elapsed() < Duration::from_secs(1) {
            client
                .execute(&insert, &[&commits, &&[0u8; 100][..]])
                .unwrap();
            commits += 1;
        }
        commits as f64 / started.elapsed().as_secs_f64()
    })
    .join()
    .expect("the PostgreSQL baseline")
}

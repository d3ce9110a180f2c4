//! Crash safety: the real `sodan` process is killed with SIGKILL at random moments while a visitor sends
//! messages; after every restart the data file opens, and in the end every message that was acknowledged
//! is stored exactly once, in order, with no gap.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::cli::start_server;
use crate::helpers::{Lcg, spawn_app_in};
use crate::ws::{self, SHOP_ORIGIN};

/// Kill cycles in the short form run by `cargo test`.
const CYCLES: usize = 20;

#[tokio::test]
async fn acknowledged_messages_survive_sigkill_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path()).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    app.stop().await;

    let seed = std::env::var("SODAN_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("crash test seed: {seed} (set SODAN_CRASH_SEED to replay)");
    let mut rng = Lcg(seed);

    let mut token: Option<String> = None;
    let mut acked: BTreeMap<String, u64> = BTreeMap::new(); // client id -> seq
    let mut unacked: Vec<String> = Vec::new(); // sent, no ack seen yet: the widget retries these
    let mut next_id = 0u64;

    for cycle in 0..=CYCLES {
        let (mut child, address, lines) = start_server(dir.path());
        assert!(
            lines.iter().any(|l| l.contains("listening on")),
            "cycle {cycle}: the data file opened: {lines:?}"
        );
        let (mut visitor, welcome) =
            ws::visitor_hello(address.as_str(), &site, token.as_deref()).await;
        token = Some(welcome["token"].as_str().unwrap().to_owned());
        for id in std::mem::take(&mut unacked) {
            assert!(
                visitor
                    .try_send(json!({ "type": "message", "client_id": id, "body": id }))
                    .await
            );
            unacked.push(id);
        }
        if cycle == CYCLES {
            // Final round: no kill; every retried message must be acknowledged.
            while !unacked.is_empty() {
                let ack = visitor.recv_type("ack").await;
                let id = ack["client_id"].as_str().unwrap().to_owned();
                unacked.retain(|u| *u != id);
                acked.insert(id, ack["seq"].as_u64().unwrap());
            }
            verify(&mut visitor, &acked, &welcome).await;
            let _ = child.kill();
            let _ = child.wait();
            return;
        }

        let kill_after = Duration::from_millis(20 + rng.next() % 200);
        let killer = tokio::task::spawn_blocking(move || {
            std::thread::sleep(kill_after);
            child.kill().expect("SIGKILL");
            child.wait().expect("reaped");
        });
        // Pipeline messages and read acknowledgements until the socket dies with the process.
        'run: loop {
            for _ in 0..4 {
                next_id += 1;
                let id = format!("m{next_id:06}");
                if !visitor
                    .try_send(json!({ "type": "message", "client_id": id, "body": id }))
                    .await
                {
                    next_id -= 1;
                    break 'run;
                }
                unacked.push(id);
            }
            while let Some(frame) = visitor.try_recv(Duration::from_millis(2)).await {
                if frame["type"] == "ack" {
                    let id = frame["client_id"].as_str().unwrap().to_owned();
                    unacked.retain(|u| *u != id);
                    let seq = frame["seq"].as_u64().unwrap();
                    if let Some(earlier) = acked.insert(id.clone(), seq) {
                        assert_eq!(
                            earlier, seq,
                            "{id} acknowledged twice with different places"
                        );
                    }
                }
            }
            if killer.is_finished() {
                break;
            }
        }
        killer.await.unwrap();
    }
}

/// Reads the whole conversation back and checks each acknowledged message is there once, where its ack said.
pub(crate) async fn verify(visitor: &mut ws::Ws, acked: &BTreeMap<String, u64>, welcome: &Value) {
    assert!(!acked.is_empty(), "messages were acknowledged");
    let conversation = welcome["conversations"][0]["id"]
        .as_u64()
        .expect("a conversation");
    let mut stored: Vec<(u64, String)> = Vec::new();
    loop {
        let after = stored.last().map(|(seq, _)| *seq).unwrap_or(0);
        visitor
            .send(json!({ "type": "resume", "conversation": conversation, "after_seq": after }))
            .await;
        let batch = loop {
            let frame = visitor
                .try_recv(Duration::from_secs(5))
                .await
                .expect("a frame");
            if frame["type"] == "messages" {
                break frame;
            }
        };
        let messages = batch["messages"].as_array().unwrap();
        if messages.is_empty() {
            break;
        }
        for m in messages {
            stored.push((
                m["seq"].as_u64().unwrap(),
                m["body"].as_str().unwrap().to_owned(),
            ));
        }
    }
    let seqs: Vec<u64> = stored.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        seqs,
        (1..=stored.len() as u64).collect::<Vec<_>>(),
        "sequence numbers without gaps"
    );
    let mut seen = BTreeMap::new();
    for (seq, body) in &stored {
        assert!(
            seen.insert(body.clone(), *seq).is_none(),
            "{body} stored twice"
        );
    }
    for (id, seq) in acked {
        assert_eq!(
            seen.get(id),
            Some(seq),
            "{id} was acknowledged at {seq} but is stored at {:?}",
            seen.get(id)
        );
    }
    assert_eq!(
        seen.len(),
        acked.len(),
        "every stored message was acknowledged once retried"
    );
    println!(
        "crash test: {} messages, {} kill cycles, all present exactly once",
        stored.len(),
        CYCLES
    );
}

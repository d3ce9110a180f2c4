//! Several Sodan nodes on one PostgreSQL database (Debian's `postgresql`, started by the test): writes that
//! reach one conversation through both nodes at once keep its sequence gap-free, and a node killed with
//! SIGKILL mid-conversation loses nothing it acknowledged.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::json;
use sodan::config::Secret;

use crate::helpers::spawn_app_in_with;
use crate::pg_server::PgServer;
use crate::ws::{self, SHOP_ORIGIN};

/// Writers on the two nodes at once, and the messages each sends.
const WRITERS: u64 = 8;
const EACH: u64 = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_one_gap_free_conversation_and_a_killed_node_loses_nothing() {
    let pg = PgServer::start();
    let database = pg.new_database();
    // The nodes share the data directory (its uploads), as they would a network file system.
    let dir = tempfile::tempdir().unwrap();
    let url = database.clone();
    let node_a = spawn_app_in_with(dir.path(), move |c| {
        c.database = Some(Secret(url));
        // One visitor writes faster here than any visitor may (node B is started the same way).
        c.budgets.messages = sodan::budgets::Rate {
            burst: 1_000_000,
            per_minute: 1_000_000,
        };
    })
    .await;
    let owner = node_a.set_up_owner().await;
    let site = node_a.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (mut child, node_b, lines) = crate::cli::start_node(dir.path(), &database, None);
    assert!(
        !lines.iter().any(|l| l.contains("/setup?token=")),
        "node B finds the owner node A made: {lines:?}"
    );

    let (mut first, welcome) = ws::visitor_hello(&node_a, &site, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    first
        .send(json!({ "type": "message", "client_id": "start", "body": "start" }))
        .await;
    let ack = first.recv_type("ack").await;
    let mut acked = BTreeMap::from([("start".to_owned(), ack["seq"].as_u64().unwrap())]);

    // Half the writers on each node, all into the same visitor's conversation at once.
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let base = if w % 2 == 0 {
                node_a.address.clone()
            } else {
                node_b.clone()
            };
            let (site, token) = (site.clone(), token.clone());
            tokio::spawn(async move {
                let (mut ws, _) = ws::visitor_hello(base.as_str(), &site, Some(&token)).await;
                let mut mine = Vec::new();
                for m in 0..EACH {
                    let id = format!("w{w}m{m}");
                    ws.send(json!({ "type": "message", "client_id": id, "body": id }))
                        .await;
                    loop {
                        let ack = ws.recv_type("ack").await;
                        if ack["client_id"] == id.as_str() {
                            mine.push((id, ack["seq"].as_u64().unwrap()));
                            break;
                        }
                    }
                }
                mine
            })
        })
        .collect();
    for writer in writers {
        for (id, seq) in writer.await.unwrap() {
            assert!(
                acked.insert(id.clone(), seq).is_none(),
                "{id} acknowledged twice"
            );
        }
    }
    let seqs: BTreeSet<u64> = acked.values().copied().collect();
    assert_eq!(
        seqs,
        (1..=1 + WRITERS * EACH).collect(),
        "every message has its own number, with no gap: {acked:?}"
    );

    // Node B dies with SIGKILL while the visitor writes to it.
    let (mut on_b, _) = ws::visitor_hello(node_b.as_str(), &site, Some(&token)).await;
    let killer = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(150));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
    });
    let mut unacked = Vec::new();
    let mut next = 0;
    'run: while !killer.is_finished() {
        for _ in 0..4 {
            next += 1;
            let id = format!("k{next:04}");
            if !on_b
                .try_send(json!({ "type": "message", "client_id": id, "body": id }))
                .await
            {
                break 'run;
            }
            unacked.push(id);
        }
        while let Some(frame) = on_b.try_recv(Duration::from_millis(2)).await {
            if frame["type"] == "ack" {
                let id = frame["client_id"].as_str().unwrap().to_owned();
                unacked.retain(|u| *u != id);
                acked.insert(id, frame["seq"].as_u64().unwrap());
            }
        }
    }
    killer.await.unwrap();

    // The widget sends what was not acknowledged again, now to node A; then the whole conversation reads
    // back with every acknowledged message once, where its acknowledgement said.
    let (mut on_a, welcome) = ws::visitor_hello(&node_a, &site, Some(&token)).await;
    for id in &unacked {
        on_a.send(json!({ "type": "message", "client_id": id, "body": id }))
            .await;
    }
    while !unacked.is_empty() {
        let ack = on_a.recv_type("ack").await;
        let id = ack["client_id"].as_str().unwrap().to_owned();
        unacked.retain(|u| *u != id);
        acked.insert(id, ack["seq"].as_u64().unwrap());
    }
    assert!(
        acked.keys().any(|id| id.starts_with('k')),
        "node B acknowledged messages before it was killed"
    );
    crate::crash::verify(&mut on_a, &acked, &welcome).await;
    node_a.stop().await;
}

/// Debian's `nats-server` on a free port, stopped when dropped.
struct NatsServer {
    child: std::process::Child,
    url: String,
}

impl NatsServer {
    fn start() -> NatsServer {
        crate::debian::ensure("nats-server", &["/usr/bin/nats-server"]);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = std::process::Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nats-server starts");
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "nats-server listens on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        NatsServer {
            child,
            url: format!("nats://127.0.0.1:{port}"),
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for a frame on `ws` whose JSON holds `text`.
async fn frame_with(ws: &mut ws::Ws, text: &str) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let frame = ws
            .try_recv(left)
            .await
            .unwrap_or_else(|| panic!("no frame with {text:?} within 30 s"));
        if frame.to_string().contains(text) {
            return frame;
        }
    }
}

/// Live delivery across nodes goes through NATS core (NATS protocol, docs.nats.io): a visitor on one node
/// and an operator on the other see each other's messages as they are sent, not on their next visit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_on_one_node_and_an_operator_on_the_other_talk_live_through_nats() {
    let nats = NatsServer::start();
    let pg = PgServer::start();
    let database = pg.new_database();
    let dir = tempfile::tempdir().unwrap();
    let (url, relay) = (database.clone(), nats.url.clone());
    let node_a = spawn_app_in_with(dir.path(), move |c| {
        c.database = Some(Secret(url));
        c.nats = Some(Secret(relay));
    })
    .await;
    let owner = node_a.set_up_owner().await;
    let site = node_a.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (mut child, node_b, _) = crate::cli::start_node(dir.path(), &database, Some(&nats.url));
    let mut feed = ws::console(&node_a, &owner).await;

    let (mut visitor, _) = ws::visitor_hello(node_b.as_str(), &site, None).await;
    visitor
        .send(json!({ "type": "message", "client_id": "v1", "body": "Is the blue one in stock?" }))
        .await;
    let conversation = visitor.recv_type("ack").await["conversation"]
        .as_u64()
        .unwrap();
    frame_with(&mut feed, "Is the blue one in stock?").await;

    let page = format!("/inbox/{conversation}");
    let response = node_a
        .submit(
            &owner,
            &page,
            &format!("{page}/messages"),
            &[("body", "Yes, two left.")],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    let reply = frame_with(&mut visitor, "Yes, two left.").await;
    assert_eq!(reply["type"], "message", "{reply}");
    assert_eq!(reply["message"]["author"]["kind"], "operator", "{reply}");

    // A timer both nodes run: the automatic reply to a visitor nobody answers is posted once, not once
    // per node.
    crate::autoreply::set_rules(&node_a, &owner, Some(1), false).await;
    let (mut waiting, _) = ws::visitor_hello(node_b.as_str(), &site, None).await;
    waiting
        .send(json!({ "type": "message", "client_id": "w1", "body": "Anyone there?" }))
        .await;
    let waited = waiting.recv_type("ack").await["conversation"]
        .as_u64()
        .unwrap();
    frame_with(&mut waiting, "We usually answer within minutes.").await;
    // Both nodes' timers come round several times meanwhile.
    tokio::time::sleep(Duration::from_secs(3)).await;
    waiting
        .send(json!({ "type": "resume", "conversation": waited, "after_seq": 0 }))
        .await;
    let stored = waiting.recv_type("messages").await;
    let automatic: Vec<_> = stored["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["author"]["kind"] == "system")
        .collect();
    assert_eq!(
        automatic.len(),
        1,
        "one automatic reply, not one per node: {stored}"
    );

    let _ = child.kill();
    let _ = child.wait();
    node_a.stop().await;
}

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
    let (mut child, node_b, lines) = crate::cli::start_node(dir.path(), &database);
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

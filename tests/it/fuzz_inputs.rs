//! A short, deterministic run of the fuzz targets' checks (the long runs are `cargo fuzz run` in `fuzz/`):
//! random and mutated inputs through every parser that faces the internet, and through a live socket.

use std::time::Duration;

use serde_json::json;
use sodan::hub::protocol::{ConsoleFrame, VisitorFrame};

use crate::helpers::{Lcg, spawn_app};
use crate::ws::{self, SHOP_ORIGIN};

/// Valid inputs the mutations start from.
const SEEDS: [&str; 16] = [
    r#"all(attr.plan = "gold", any(visits >= 3, events("purchase", 30d, total > 10000) >= 1), not(pages("/pricing*", 7d) = 0))"#,
    r#"any(last_seen within 90m, attr.since before 2026-01-31, repeat_pages("/items/*", 1s) > 2, language = "ja")"#,
    r#"{"type":"hello","site":"abc","token":"t","page":{"url":"https://shop.example/","title":"T"}}"#,
    r#"{"type":"message","client_id":"c-1","body":"こんにちは <b>x</b>"}"#,
    r#"{"type":"resume","conversation":1,"after_seq":0}"#,
    r#"{"type":"read","conversation":18446744073709551615,"up_to_seq":3}"#,
    r#"{"type":"page","url":"https://shop.example/a?b=c#d","title":"","referrer":"x"}"#,
    r#"{"type":"typing","conversation":null}"#,
    r#"{"type":"message","conversation":2,"client_id":"r","body":"hi","note":true}"#,
    "https://Shop.Example:8443/",
    "../../etc/passwd\u{0}.png",
    "ja-JP,ja;q=0.9,en;q=0.8",
    "user_id,名前,email,number,date,boolean,url\nu1,Aiko,a@b.jp,42,2024-01-02,yes,https://x.jp\n\"u,2\",\"B\"\"\",,x,,,\n",
    r#"{"name":"Aiko","email":"a@b.jp","plan":"gold","attributes":{"number":"3.5","date":"2024-02-30","boolean":true,"url":"http://x"}}"#,
    r#"{"name":"purchase","properties":{"order_id":"A-1","total":5400,"items":[{"sku":"S"}]}}"#,
    r#"[{"sku":"TEA-1","name":"Sencha","price":1200,"quantity":2},{"price":1e308,"quantity":10000}]"#,
];

/// Random inputs for the parsers, from the shared deterministic generator.
trait Inputs {
    fn below(&mut self, n: usize) -> usize;
    fn input(&mut self) -> Vec<u8>;
}

impl Inputs for Lcg {
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A random input: fresh bytes, or a seed with a few bytes flipped, inserted, removed or duplicated.
    fn input(&mut self) -> Vec<u8> {
        if self.below(4) == 0 {
            return (0..self.below(80)).map(|_| self.next() as u8).collect();
        }
        let mut bytes = SEEDS[self.below(SEEDS.len())].as_bytes().to_vec();
        for _ in 0..1 + self.below(4) {
            let at = self.below(bytes.len() + 1);
            match self.below(4) {
                0 if at < bytes.len() => bytes[at] = self.next() as u8,
                1 => {
                    let alphabet = b"{}[]\":,\\0-9aZ\xff\xe3";
                    bytes.insert(at, alphabet[self.below(alphabet.len())]);
                }
                2 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {
                    let copy = bytes[..at].to_vec();
                    bytes.extend_from_slice(&copy);
                }
            }
        }
        bytes
    }
}

#[test]
fn parsers_survive_random_and_mutated_input() {
    let mut rng = Lcg(0x5eed_50da);
    for _ in 0..20_000 {
        let input = rng.input();
        sodan::fuzz::text_inputs(&input);
        sodan::fuzz::customer_inputs(&input);
        sodan::fuzz::segment_rules(&input);
        let _ = serde_json::from_slice::<VisitorFrame>(&input);
        let _ = serde_json::from_slice::<ConsoleFrame>(&input);
    }
}

#[test]
fn restore_refuses_garbage_without_panicking() {
    let mut rng = Lcg(42);
    let header = r#"{"sodan_backup":1,"schema":2,"created_at":0}"#;
    for i in 0..200 {
        let dir = tempfile::tempdir().unwrap();
        let mut file = if i % 2 == 0 {
            format!("{header}\n")
        } else {
            String::new()
        };
        file.push_str(&String::from_utf8_lossy(&rng.input()));
        let result = sodan::store::backup::import(
            file.as_bytes(),
            &dir.path().join("sodan.redb"),
            &sodan::store::BlockingFiles::Folder(dir.path().join("uploads")),
        );
        assert!(
            result.is_err() || file.lines().count() <= 1,
            "garbage restored: {file:?}"
        );
    }
}

#[tokio::test]
async fn a_live_socket_answers_mutated_frames_and_stays_usable() {
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let (mut visitor, _) = ws::visitor_hello(&app, &site, None).await;
    let mut rng = Lcg(7);
    for _ in 0..300 {
        let input = rng.input();
        visitor.send_text(&String::from_utf8_lossy(&input)).await;
    }
    // Drain whatever the server answered, then prove the socket still works.
    while visitor.try_recv(Duration::from_millis(200)).await.is_some() {}
    visitor
        .send(json!({ "type": "message", "client_id": "after-fuzz", "body": "still fine" }))
        .await;
    let ack = visitor.recv_type("ack").await;
    assert_eq!(ack["client_id"], "after-fuzz");
    app.stop().await;
}

//! Web Push to operators against a push service on loopback (started by the test): each push is decrypted
//! by an independent implementation (Python's `http_ece`, RFC 8291 aes128gcm) with the subscription's
//! private key, and its VAPID header (RFC 8292) is verified with Python's `cryptography` (ES256 over the
//! JWT, audience = the push service's origin); a 410 removes the subscription; a push the service could not
//! take yet survives a restart; no push while the operator's console is open.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{Agent, TestApp, spawn_app_in_with};
use crate::http_stub::{Request, Stub};
use crate::ws::{SHOP_ORIGIN, console, visitor_writes};

/// Makes a device's keys (what a browser's `PushManager.subscribe` makes): PEM private key, p256dh, auth.
const KEYGEN: &str = r#"
import json, os, base64
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import serialization
k = ec.generate_private_key(ec.SECP256R1())
pub = k.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b'=').decode()
pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
print(json.dumps({"pem": pem, "p256dh": b64(pub), "auth": b64(os.urandom(16))}))
"#;

/// Decrypts a push body and verifies its VAPID header: argv = keys JSON, body file, Authorization, audience.
const OPEN: &str = r#"
import http_ece, json, sys, base64
from cryptography.hazmat.primitives import serialization, hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
keys = json.loads(sys.argv[1]); body = open(sys.argv[2], 'rb').read(); authz = sys.argv[3]; aud = sys.argv[4]
d = lambda s: base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))
key = serialization.load_pem_private_key(keys["pem"].encode(), None)
plain = http_ece.decrypt(body, private_key=key, auth_secret=d(keys["auth"]), version="aes128gcm")
assert authz.startswith("vapid "), authz
params = dict(p.strip().split("=", 1) for p in authz[len("vapid "):].split(","))
h, c, s = params["t"].split(".")
server = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), d(params["k"]))
sig = d(s)
server.verify(utils.encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")),
              (h + "." + c).encode(), ec.ECDSA(hashes.SHA256()))
header, claims = json.loads(d(h)), json.loads(d(c))
assert header["alg"] == "ES256", header
assert claims["aud"] == aud, claims
print(json.dumps({"message": json.loads(plain), "claims": claims}))
"#;

fn python(script: &str, args: &[&str]) -> Value {
    crate::python::ensure("http_ece", "http-ece");
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Subscribes `agent`'s "device" with a fresh key pair to `endpoint`; returns the keys.
async fn subscribe(app: &TestApp, agent: &Agent, endpoint: &str) -> Value {
    let keys = tokio::task::spawn_blocking(|| python(KEYGEN, &[]))
        .await
        .unwrap();
    let page = app.page(agent, "/account/push").await;
    assert!(
        page.contains("data-key=\""),
        "the VAPID public key is on the page"
    );
    let response = app
        .submit(
            agent,
            "/account/push",
            "/account/push",
            &[
                ("endpoint", endpoint),
                ("p256dh", keys["p256dh"].as_str().unwrap()),
                ("auth", keys["auth"].as_str().unwrap()),
                ("device", "Test phone"),
            ],
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    keys
}

/// Waits for the `n`-th request to `path`.
async fn nth_to(stub: &Stub, path: &str, n: usize) -> Request {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let seen: Vec<Request> = stub
            .seen
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect();
        if seen.len() >= n {
            return seen[n - 1].clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} pushes to {path}, expected {n}",
            seen.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn count_to(stub: &Stub, path: &str) -> usize {
    stub.seen
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path == path)
        .count()
}

/// Decrypts and verifies one push.
async fn open(push: &Request, keys: &Value, audience: &str) -> Value {
    assert_eq!(push.headers["content-encoding"], "aes128gcm");
    assert!(push.headers.contains_key("ttl"));
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &push.raw).unwrap();
    let (keys, path, authz, aud) = (
        keys.to_string(),
        file.path().display().to_string(),
        push.headers["authorization"].clone(),
        audience.to_owned(),
    );
    tokio::task::spawn_blocking(move || python(OPEN, &[&keys, &path, &authz, &aud]))
        .await
        .unwrap()
}

#[tokio::test]
async fn pushes_reach_closed_consoles_encrypted_and_signed_and_survive_a_restart() {
    let down = Arc::new(AtomicBool::new(false));
    let flag = down.clone();
    let stub = Stub::start(0, move |r| match r.path.as_str() {
        "/push/gone" => (410, "{}".into()),
        _ if flag.load(Ordering::SeqCst) => (503, "{}".into()),
        _ => (201, "{}".into()),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let quick = |c: &mut sodan::config::Config| c.mail_retry_secs = 1;
    let app = spawn_app_in_with(dir.path(), quick).await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let keys = subscribe(&app, &owner, &format!("{}/push/ok", stub.base)).await;

    // The console is closed: a visitor's message comes as a push, readable only with the device's key.
    let (_w1, conversation) = visitor_writes(&app, &site, "Do you ship to Osaka?").await;
    let push = nth_to(&stub, "/push/ok", 1).await;
    let opened = open(&push, &keys, &stub.base).await;
    assert_eq!(
        opened["message"]["body"], "Do you ship to Osaka?",
        "{opened}"
    );
    assert_eq!(
        opened["message"]["url"],
        format!("/inbox/{conversation}"),
        "a tap opens the conversation"
    );
    assert!(opened["claims"]["exp"].as_u64().unwrap() > sodan::clock::now());

    // With the console open, no push.
    let mut feed = console(&app, &owner).await;
    let _w2 = visitor_writes(&app, &site, "Are you there?").await;
    // The console was told of the message, so it was open when the push would have been queued.
    feed.recv_matching(|f| f["type"] == "message" && f["message"]["body"] == "Are you there?")
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        count_to(&stub, "/push/ok"),
        1,
        "no push while the console is open"
    );
    feed.close().await;
    // Two widgets stay open; the console is gone.
    crate::email::wait_connections(&app, &owner, 2).await;

    // A device the push service says is gone (410) is removed.
    subscribe(&app, &owner, &format!("{}/push/gone", stub.base)).await;
    visitor_writes(&app, &site, "Hello?").await;
    nth_to(&stub, "/push/gone", 1).await;
    nth_to(&stub, "/push/ok", 2).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while app
        .page(&owner, "/account/push")
        .await
        .matches("data-device=")
        .count()
        != 1
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the gone device is removed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The push service is down; the server restarts; the push still arrives.
    down.store(true, Ordering::SeqCst);
    visitor_writes(&app, &site, "Is it in stock?").await;
    nth_to(&stub, "/push/ok", 3).await;
    app.stop().await;
    down.store(false, Ordering::SeqCst);
    let app = spawn_app_in_with(dir.path(), quick).await;
    let push = nth_to(&stub, "/push/ok", 4).await;
    let opened = open(&push, &keys, &stub.base).await;
    assert_eq!(opened["message"]["body"], "Is it in stock?", "{opened}");
    app.stop().await;
}

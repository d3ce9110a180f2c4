//! Slow clients (the "Slowloris" family, CWE-400): 1,100 requests from one address whose bodies trickle in
//! a byte at a time cannot stop the server answering others. Requests in flight are capped per address,
//! each has a time limit, and the server raises its open-file limit at start. The flood comes from
//! 127.0.0.2 and the health checks from 127.0.0.1, two addresses on this machine's loopback.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::cli::start_server;

/// Lets this test process hold the flood's sockets (the default soft limit is 1,024).
fn raise_own_open_files() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    limit.current = limit.maximum;
    let _ = setrlimit(Resource::Nofile, limit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_slow_bodies_from_one_address_do_not_stop_the_server_answering_others() {
    raise_own_open_files();
    // The HTTP client's TLS provider (installed by the in-process server in other tests).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base, _) = start_server(dir.path());
    let target: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();

    let trickle_until = Instant::now() + Duration::from_secs(15);
    let mut flood = Vec::new();
    for _ in 0..1_100 {
        flood.push(tokio::spawn(async move {
            let socket = tokio::net::TcpSocket::new_v4().ok()?;
            socket.bind("127.0.0.2:0".parse().unwrap()).ok()?;
            let mut stream = socket.connect(target).await.ok()?;
            let head = "POST /login HTTP/1.1\r\nHost: sodan\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n";
            stream.write_all(head.as_bytes()).await.ok()?;
            // One byte every half second until the server gives up on us or the test ends.
            while Instant::now() < trickle_until {
                if stream.write_all(b"a").await.is_err() {
                    return Some(true);
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            let mut answer = [0u8; 64];
            let cut_off = matches!(
                tokio::time::timeout(Duration::from_millis(10), stream.read(&mut answer)).await,
                Ok(Ok(_))
            );
            Some(cut_off)
        }));
    }
    // Meanwhile another client is answered, again and again.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut answered = 0;
    while Instant::now() < trickle_until {
        let health = client.get(format!("{base}/healthz")).send().await;
        match health {
            Ok(r) => {
                assert!(r.status().is_success(), "healthz answered {}", r.status());
                answered += 1;
            }
            Err(e) => panic!("healthz failed during the flood: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut refused = 0;
    for task in flood {
        if task.await.unwrap() == Some(true) {
            refused += 1;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    println!("healthz answered {answered} times; {refused} of 1,100 slow requests were cut off");
    assert!(answered >= 10, "healthz answered {answered} times");
    assert!(
        refused >= 1_000,
        "the server cut off {refused} of 1,100 slow requests"
    );
}

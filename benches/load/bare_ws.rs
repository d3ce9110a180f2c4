//! The memory floor of an idle WebSocket: a bare actix-ws server (the same actix-web, actix-ws and
//! allocator as Sodan, no application state) holding the same number of idle sockets, measured in the same
//! run. It runs as a child process of the bench binary (`load bare-ws`), so its RSS is its own.

use std::process::{Command, Stdio};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// The argument that makes the bench binary run the bare server instead of a scenario.
pub const ARG: &str = "bare-ws";

/// Runs the bare server on a free loopback port, printing `listening on ADDRESS`, until killed.
pub fn serve() {
    actix_web::rt::System::new().block_on(async {
        let server = HttpServer::new(|| App::new().route("/ws", web::get().to(socket)))
            .tcp_nodelay(true)
            .bind("127.0.0.1:0")
            .expect("bind");
        println!("listening on http://{}", server.addrs()[0]);
        server.run().await.expect("serve");
    });
}

/// Upgrades and keeps the socket open, answering pings: the least any WebSocket server does.
async fn socket(req: HttpRequest, body: web::Payload) -> actix_web::Result<HttpResponse> {
    let (response, mut session, mut stream) = actix_ws::handle(&req, body)?;
    actix_web::rt::spawn(async move {
        while let Some(Ok(message)) = stream.recv().await {
            let answered = match message {
                actix_ws::Message::Ping(bytes) => session.pong(&bytes).await.is_ok(),
                actix_ws::Message::Close(_) => false,
                _ => true,
            };
            if !answered {
                break;
            }
        }
    });
    Ok(response)
}

/// Bytes of RSS per idle socket of the bare server with `sockets` sockets open.
pub async fn bytes_per_idle_socket(sockets: usize) -> u64 {
    let exe = std::env::current_exe().expect("the bench binary");
    let mut child = Command::new(&exe)
        .arg(ARG)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the bare server starts");
    let address = super::harness::listening_address(&mut child);
    let rss = super::harness::rss_of;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = rss(child.id());
    let mut open = Vec::with_capacity(sockets);
    for batch in (0..sockets).collect::<Vec<_>>().chunks(100) {
        let opened = futures_util::future::join_all(
            batch
                .iter()
                .map(|_| super::harness::open(&address, "/ws", &[])),
        )
        .await;
        open.extend(opened.into_iter().flatten());
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let with_sockets = rss(child.id());
    let opened = open.len();
    drop(open);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(opened, sockets, "every bare socket opened");
    with_sockets.saturating_sub(idle) / sockets.max(1) as u64
}

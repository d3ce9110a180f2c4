//! A small WebSocket client for tests: JSON frames in and out, with time limits on every wait.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{Agent, TestApp};

/// The origin test pages pretend to be served from.
pub const SHOP_ORIGIN: &str = "http://shop.test";

/// How long a test waits for an expected frame: generous, so a busy machine (a build beside the tests)
/// only makes a test slower, never red.
const WAIT: Duration = Duration::from_secs(30);

/// One open WebSocket.
pub struct Ws {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Text frames read by [`Ws::pump`] and not yet received.
    buffered: std::collections::VecDeque<Value>,
}

/// Why a connection attempt failed: the HTTP status the server answered with.
pub type Refusal = u16;

/// A Sodan server to connect to: an in-process [`TestApp`], or the address of a `sodan` process.
pub trait Server {
    /// `http://127.0.0.1:PORT`.
    fn base(&self) -> &str;
}

impl Server for TestApp {
    fn base(&self) -> &str {
        &self.address
    }
}

impl Server for str {
    fn base(&self) -> &str {
        self
    }
}

/// Opens a WebSocket at `path` with the given headers.
pub async fn connect<S: Server + ?Sized>(
    app: &S,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Ws, Refusal> {
    let url = format!("{}{path}", app.base().replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        let name =
            tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
        request.headers_mut().insert(name, value.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((stream, _)) => Ok(Ws {
            stream,
            buffered: Default::default(),
        }),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(e) => panic!("WebSocket connect failed: {e}"),
    }
}

/// A visitor's widget socket from the shop's origin.
pub async fn visitor<S: Server + ?Sized>(app: &S, site: &str) -> Ws {
    connect(
        app,
        &format!("/widget/ws?site={site}"),
        &[("origin", SHOP_ORIGIN)],
    )
    .await
    .expect("the widget socket opens")
}

/// A visitor socket that has said hello; returns it with the welcome frame.
pub async fn visitor_hello<S: Server + ?Sized>(
    app: &S,
    site: &str,
    token: Option<&str>,
) -> (Ws, Value) {
    let mut ws = visitor(app, site).await;
    let mut hello = serde_json::json!({ "type": "hello", "site": site, "page": { "url": "http://shop.test/item/1", "title": "Item 1" } });
    if let Some(token) = token {
        hello["token"] = token.into();
    }
    ws.send(hello).await;
    let welcome = ws.recv_type("welcome").await;
    (ws, welcome)
}

/// A new visitor of `site` who wrote `body`; returns their socket and the conversation it started.
pub async fn visitor_writes(app: &TestApp, site: &str, body: &str) -> (Ws, u64) {
    let (mut ws, _) = visitor_hello(app, site, None).await;
    ws.send(serde_json::json!({"type": "message", "client_id": "m1", "body": body}))
        .await;
    let conversation = ws.recv_type("ack").await["conversation"].as_u64().unwrap();
    (ws, conversation)
}

/// An operator's console socket, signed in as `agent`.
pub async fn console(app: &TestApp, agent: &Agent) -> Ws {
    let cookie = agent.cookie_header();
    let host = app.address.trim_start_matches("http://").to_owned();
    connect(
        app,
        "/console/ws",
        &[
            ("cookie", &cookie),
            ("origin", &app.address),
            ("host", &host),
        ],
    )
    .await
    .expect("the console socket opens")
}

impl Ws {
    /// Sends a JSON frame.
    pub async fn send(&mut self, frame: Value) {
        self.send_text(&frame.to_string()).await;
    }

    /// Sends a JSON frame; `false` when the connection is gone.
    pub async fn try_send(&mut self, frame: Value) -> bool {
        self.stream
            .send(Message::text(frame.to_string()))
            .await
            .is_ok()
    }

    /// Sends raw text.
    pub async fn send_text(&mut self, text: &str) {
        self.stream.send(Message::text(text)).await.expect("send");
    }

    /// Awaits `work` (slow browser steps, say) while reading this socket, as a browser would: the server's
    /// pings are answered (a socket left unread for 10 s is dropped as silent) and the frames that arrive are
    /// kept for the next receive.
    pub async fn pump<T>(&mut self, work: impl std::future::Future<Output = T>) -> T {
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                out = &mut work => return out,
                next = self.stream.next() => match next {
                    Some(Ok(Message::Text(text))) => {
                        self.buffered.push_back(serde_json::from_str(&text).expect("JSON frame"));
                    }
                    Some(Ok(_)) => {}
                    _ => return work.await,
                },
            }
        }
    }

    /// The next JSON text frame within `wait`, if any.
    pub async fn try_recv(&mut self, wait: Duration) -> Option<Value> {
        if let Some(frame) = self.buffered.pop_front() {
            return Some(frame);
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()??;
            match next.ok()? {
                Message::Text(text) => {
                    return Some(serde_json::from_str(&text).expect("JSON frame"));
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// Skips frames until one that `wanted` accepts arrives.
    pub async fn recv_matching(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let Some(frame) = self.try_recv(left).await else {
                panic!("no such frame within {} s; saw {seen:?}", WAIT.as_secs());
            };
            if wanted(&frame) {
                return frame;
            }
            seen.push(frame["type"].clone());
        }
    }

    /// Skips frames until one of type `kind` arrives, waiting up to `wait` (for a first message from a
    /// browser's widget on a loaded machine: its socket may still be retrying its connection).
    pub async fn recv_type_within(&mut self, kind: &str, wait: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self
                .try_recv(left)
                .await
                .unwrap_or_else(|| panic!("no {kind} frame within {} s", wait.as_secs()));
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Skips frames until one of type `kind` arrives.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self
                .try_recv(left)
                .await
                .unwrap_or_else(|| panic!("no {kind} frame within {} s", WAIT.as_secs()));
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Collects every frame of type `kind` that arrives within `wait`.
    pub async fn collect_type(&mut self, kind: &str, wait: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut out = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.try_recv(left).await {
                Some(frame) if frame["type"] == kind => out.push(frame),
                Some(_) => {}
                None => return out,
            }
        }
    }

    /// Whether the server closed the socket within `wait` (frames before the close are skipped).
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Sends a text frame whose payload is `bytes` as they are (even when they are not UTF-8).
    pub async fn send_raw_text(&mut self, bytes: Vec<u8>) {
        use tokio_tungstenite::tungstenite::protocol::frame::Frame;
        use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
        let frame = Frame::message(bytes, OpCode::Data(Data::Text), true);
        self.stream.send(Message::Frame(frame)).await.expect("send");
    }

    /// The code of the close frame the server sends within `wait` (frames before it are skipped).
    pub async fn close_code_within(&mut self, wait: Duration) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
                Ok(Some(Ok(_))) => continue,
                _ => return None,
            }
        }
    }

    /// Closes the socket from the client side.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

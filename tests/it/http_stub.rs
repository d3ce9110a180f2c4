//! A small HTTP/1.1 server for tests that stand in for another service (a webhook receiver, LINE's API):
//! it records every request and answers what the test's function says.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A request the stub received.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`…
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: HashMap<String, String>,
    /// The body as text.
    pub body: String,
    /// The body's bytes (for binary bodies, such as an encrypted push message).
    pub raw: Vec<u8>,
}

/// A running stub; stops when dropped.
pub struct Stub {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Every request so far.
    pub seen: Arc<Mutex<Vec<Request>>>,
    /// Every answer written so far: `METHOD path`.
    pub answered: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Request> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let (head, start) = loop {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break (String::from_utf8_lossy(&data[..i]).to_string(), i + 4);
        }
    };
    let mut lines = head.lines();
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    while data.len() < start + length {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let raw = data[start..].to_vec();
    let body = String::from_utf8_lossy(&raw).to_string();
    Some(Request {
        method,
        path,
        headers,
        body,
        raw,
    })
}

impl Stub {
    /// Starts on `port` (`0`: any free port), answering each request with `answer`'s status and JSON body.
    pub async fn start(
        port: u16,
        answer: impl Fn(&Request) -> (u16, String) + Send + Sync + 'static,
    ) -> Stub {
        Stub::start_slow(port, |_| Duration::ZERO, answer).await
    }

    /// Like [`Stub::start`], but waits `delay(request)` before answering (a slow service). Every answer
    /// written is recorded in `answered` (method and path).
    pub async fn start_slow(
        port: u16,
        delay: impl Fn(&Request) -> Duration + Send + Sync + 'static,
        answer: impl Fn(&Request) -> (u16, String) + Send + Sync + 'static,
    ) -> Stub {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Request>>> = Arc::default();
        let answered: Arc<Mutex<Vec<String>>> = Arc::default();
        let (log, done) = (seen.clone(), answered.clone());
        let (answer, delay) = (Arc::new(answer), Arc::new(delay));
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (log, done) = (log.clone(), done.clone());
                let (answer, delay) = (answer.clone(), delay.clone());
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut stream).await else {
                        return;
                    };
                    let (status, body) = answer(&request);
                    let wait = delay(&request);
                    let what = format!("{} {}", request.method, request.path);
                    log.lock().unwrap().push(request);
                    tokio::time::sleep(wait).await;
                    // A redirect names where to go, as a real server's would.
                    let location = if (300..400).contains(&status) {
                        "Location: /redirected\r\n"
                    } else {
                        ""
                    };
                    let response = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{location}Content-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    done.lock().unwrap().push(what);
                });
            }
        });
        Stub {
            base,
            seen,
            answered,
            task,
        }
    }
}

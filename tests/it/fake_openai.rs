//! A local stand-in for an OpenAI-compatible endpoint (as Ollama and llama.cpp's server offer): chat
//! completions with and without streaming (server-sent events, `data: {chunk}` lines ending with
//! `data: [DONE]`, per OpenAI's API reference), embeddings, and failures on demand. Records each request.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::http_stub::{Request, read_request};

/// How the endpoint answers a chat request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// This answer, in pieces (streamed with `gap` between them when the request asks for a stream).
    Answer(Vec<String>, Duration),
    /// An error status with a body.
    Status(u16, String),
    /// Accepts the request and never answers.
    Hang,
}

/// A running fake endpoint; stops when dropped.
pub struct FakeOpenAi {
    /// `http://127.0.0.1:PORT/v1`.
    pub base: String,
    /// Every request so far.
    pub seen: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeOpenAi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeOpenAi {
    /// The chat requests so far, as JSON.
    pub fn chats(&self) -> Vec<Value> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.ends_with("/chat/completions"))
            .map(|r| serde_json::from_str(&r.body).expect("a JSON chat request"))
            .collect()
    }

    /// Starts on a free port; `reply` decides each chat answer from the request's JSON.
    pub async fn start(reply: impl Fn(&Value) -> Reply + Send + Sync + 'static) -> FakeOpenAi {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v1", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Request>>> = Arc::default();
        let (log, reply) = (seen.clone(), Arc::new(reply));
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (log, reply) = (log.clone(), reply.clone());
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut stream).await else {
                        return;
                    };
                    log.lock().unwrap().push(request.clone());
                    let body: Value = serde_json::from_str(&request.body).unwrap_or(Value::Null);
                    if request.path.ends_with("/embeddings") {
                        let out = embeddings(&body);
                        let _ = stream.write_all(json_response(200, &out).as_bytes()).await;
                        return;
                    }
                    match reply(&body) {
                        Reply::Hang => {
                            tokio::time::sleep(Duration::from_secs(3_600)).await;
                        }
                        Reply::Status(status, text) => {
                            let _ = stream
                                .write_all(json_response(status, &text).as_bytes())
                                .await;
                        }
                        Reply::Answer(pieces, _) if body["stream"] != true => {
                            let out = json!({
                                "id": "chatcmpl-1", "object": "chat.completion",
                                "choices": [{"index": 0, "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": pieces.concat()}}],
                                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
                            });
                            let _ = stream
                                .write_all(json_response(200, &out.to_string()).as_bytes())
                                .await;
                        }
                        Reply::Answer(pieces, gap) => {
                            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
                                        Cache-Control: no-cache\r\nConnection: close\r\n\r\n";
                            if stream.write_all(head.as_bytes()).await.is_err() {
                                return;
                            }
                            for piece in pieces {
                                let chunk = json!({"id": "chatcmpl-1", "object": "chat.completion.chunk",
                                    "choices": [{"index": 0, "delta": {"content": piece}}]});
                                let event = format!("data: {chunk}\n\n");
                                if stream.write_all(event.as_bytes()).await.is_err() {
                                    return;
                                }
                                let _ = stream.flush().await;
                                tokio::time::sleep(gap).await;
                            }
                            let usage = json!({"id": "chatcmpl-1", "object": "chat.completion.chunk",
                                "choices": [], "usage": {"total_tokens": 42}});
                            let end = format!("data: {usage}\n\ndata: [DONE]\n\n");
                            let _ = stream.write_all(end.as_bytes()).await;
                        }
                    }
                });
            }
        });
        FakeOpenAi { base, seen, task }
    }
}

fn json_response(status: u16, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Embeddings as OpenAI's `/v1/embeddings` returns them: one vector per input, here counts of a few
/// letters, so that equal texts get equal vectors.
fn embeddings(body: &Value) -> String {
    let inputs: Vec<String> = match &body["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    };
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let vector: Vec<f64> = ['a', 'e', 'o', '送', '料']
                .iter()
                .map(|c| text.matches(*c).count() as f64)
                .collect();
            json!({"object": "embedding", "index": i, "embedding": vector})
        })
        .collect();
    json!({"object": "list", "data": data, "model": body["model"]}).to_string()
}

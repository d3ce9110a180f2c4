//! Calls to the OpenAI-compatible endpoint. Every request is bounded in time and never follows a redirect
//! (the API key would go with it).

use super::AiSettings;

/// What "test connection" shows: the endpoint's exact answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The HTTP status, or `None` when no answer came (the error says why).
    pub status: Option<u16>,
    /// The answer's body (its first 2,000 characters), or why there was none.
    pub body: String,
}

fn client(settings: &AiSettings) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(settings.timeout_secs.into()))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())
}

fn url(settings: &AiSettings, path: &str) -> String {
    format!("{}{path}", settings.base_url.trim().trim_end_matches('/'))
}

/// `GET {base}/models`: whether the endpoint answers and with what (the models it serves).
pub async fn probe(settings: &AiSettings) -> Probe {
    let client = match client(settings) {
        Ok(c) => c,
        Err(e) => {
            return Probe {
                status: None,
                body: e,
            };
        }
    };
    let mut request = client.get(url(settings, "/models"));
    if !settings.api_key.is_empty() {
        request = request.bearer_auth(&settings.api_key);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            Probe {
                status: Some(status),
                body: body.chars().take(2_000).collect(),
            }
        }
        Err(e) => Probe {
            status: None,
            body: error_chain(&e),
        },
    }
}

/// An error with its causes ("error sending request: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// One message of a chat (`system`, `user` or `assistant`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChatMessage {
    /// Who says it.
    pub role: &'static str,
    /// What.
    pub content: String,
}

/// What the model answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The answer's text.
    pub text: String,
    /// Tokens the endpoint counted (0 when it did not say).
    pub tokens: u64,
}

/// Why there is no answer, in words an admin can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

/// What the connection has done since start, for `/metrics`.
#[derive(Debug, Default)]
pub struct Stats {
    requests: std::sync::atomic::AtomicU64,
    failures: std::sync::atomic::AtomicU64,
    tokens: std::sync::atomic::AtomicU64,
    millis: std::sync::atomic::AtomicU64,
    /// Requests in flight are bounded: a burst of questions waits instead of piling up on the model.
    slots: std::sync::OnceLock<tokio::sync::Semaphore>,
}

/// How many requests go to the model at once.
pub const CONCURRENCY: usize = 2;

impl Stats {
    /// (requests, failures, tokens, total milliseconds).
    pub fn totals(&self) -> (u64, u64, u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (
            self.requests.load(Relaxed),
            self.failures.load(Relaxed),
            self.tokens.load(Relaxed),
            self.millis.load(Relaxed),
        )
    }
}

/// `POST {base}/chat/completions` (not streamed): the model's answer to `messages`, within the settings'
/// time-out and token limit, at most [`CONCURRENCY`] at once.
pub async fn chat(
    settings: &AiSettings,
    stats: &Stats,
    messages: &[ChatMessage],
) -> Result<Completion, Failure> {
    call(settings, stats, messages, None).await
}

/// Like [`chat`], streamed: each piece of the answer goes to `pieces` as the endpoint sends it
/// (server-sent events), and the whole answer is returned at the end. The time-out bounds the whole answer.
pub async fn chat_streamed(
    settings: &AiSettings,
    stats: &Stats,
    messages: &[ChatMessage],
    pieces: tokio::sync::mpsc::UnboundedSender<String>,
) -> Result<Completion, Failure> {
    call(settings, stats, messages, Some(pieces)).await
}

async fn call(
    settings: &AiSettings,
    stats: &Stats,
    messages: &[ChatMessage],
    pieces: Option<tokio::sync::mpsc::UnboundedSender<String>>,
) -> Result<Completion, Failure> {
    let result = counted(settings, stats, async {
        match pieces {
            None => send_chat(settings, messages).await,
            Some(pieces) => stream_chat(settings, messages, pieces).await,
        }
    })
    .await;
    if let Ok(c) = &result {
        stats
            .tokens
            .fetch_add(c.tokens, std::sync::atomic::Ordering::Relaxed);
    }
    result
}

/// Runs one request to the endpoint: at most [`CONCURRENCY`] at once (a request that cannot start within
/// half the time-out fails, so a burst of questions gets keyword answers instead of a queue), counted and timed
/// for `/metrics`, a failure logged.
async fn counted<T>(
    settings: &AiSettings,
    stats: &Stats,
    work: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    use std::sync::atomic::Ordering::Relaxed;
    let slots = stats
        .slots
        .get_or_init(|| tokio::sync::Semaphore::new(CONCURRENCY));
    // Waiting for a slot takes at most half the time-out, so an answer never takes much more than it.
    let wait = std::time::Duration::from_millis(u64::from(settings.timeout_secs) * 500);
    let _slot = match tokio::time::timeout(wait, slots.acquire()).await {
        Ok(slot) => slot.map_err(|e| Failure(e.to_string()))?,
        Err(_) => {
            stats.failures.fetch_add(1, Relaxed);
            return Err(Failure(format!(
                "the model is busy: {CONCURRENCY} requests were still running after {} ms",
                wait.as_millis()
            )));
        }
    };
    let started = std::time::Instant::now();
    stats.requests.fetch_add(1, Relaxed);
    let result = work.await;
    stats
        .millis
        .fetch_add(started.elapsed().as_millis() as u64, Relaxed);
    if let Err(f) = &result {
        stats.failures.fetch_add(1, Relaxed);
        tracing::warn!(error = %f.0, "the model did not answer");
    }
    result
}

/// Sends a chat request; a failure when the endpoint cannot be reached or answers an error status.
async fn post_chat(
    settings: &AiSettings,
    messages: &[ChatMessage],
    stream: bool,
) -> Result<reqwest::Response, Failure> {
    let mut body = serde_json::json!({
        "model": settings.chat_model,
        "messages": messages,
        "max_tokens": settings.max_tokens,
        "temperature": 0.2,
        "stream": stream,
    });
    if stream {
        body["stream_options"] = serde_json::json!({ "include_usage": true });
    }
    post_json(settings, "/chat/completions", &body).await
}

/// POSTs JSON to `{base}{path}` with the key, if any; a failure when the endpoint cannot be reached or
/// answers an error status (with the start of what it said).
async fn post_json(
    settings: &AiSettings,
    path: &str,
    body: &serde_json::Value,
) -> Result<reqwest::Response, Failure> {
    let client = client(settings).map_err(Failure)?;
    let mut request = client
        .post(url(settings, path))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string());
    if !settings.api_key.is_empty() {
        request = request.bearer_auth(&settings.api_key);
    }
    let response = request.send().await.map_err(|e| Failure(error_chain(&e)))?;
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        let head: String = text.chars().take(300).collect();
        return Err(Failure(format!("the endpoint answered {status}: {head}")));
    }
    Ok(response)
}

/// Reads a streamed answer: `data: {json}` events, each with `choices[0].delta.content`, until
/// `data: [DONE]` or the end of the body.
async fn stream_chat(
    settings: &AiSettings,
    messages: &[ChatMessage],
    pieces: tokio::sync::mpsc::UnboundedSender<String>,
) -> Result<Completion, Failure> {
    let mut response = post_chat(settings, messages, true).await?;
    let mut pending: Vec<u8> = Vec::new();
    let (mut text, mut tokens) = (String::new(), 0);
    loop {
        let chunk = response
            .chunk()
            .await
            .map_err(|e| Failure(error_chain(&e)))?;
        let Some(chunk) = chunk else { break };
        pending.extend_from_slice(&chunk);
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let Some(data) = line.trim().strip_prefix("data:").map(str::trim) else {
                continue;
            };
            if data == "[DONE]" {
                return finish(text, tokens);
            }
            let event: serde_json::Value = serde_json::from_str(data)
                .map_err(|e| Failure(format!("not a chat completion chunk: {e}")))?;
            if let Some(piece) = event["choices"][0]["delta"]["content"].as_str()
                && !piece.is_empty()
            {
                text.push_str(piece);
                let _ = pieces.send(piece.to_owned());
            }
            tokens = event["usage"]["total_tokens"].as_u64().unwrap_or(tokens);
        }
    }
    finish(text, tokens)
}

fn finish(text: String, tokens: u64) -> Result<Completion, Failure> {
    if text.trim().is_empty() {
        return Err(Failure("the endpoint's answer was empty".into()));
    }
    Ok(Completion {
        text: text.trim().to_owned(),
        tokens,
    })
}

async fn send_chat(settings: &AiSettings, messages: &[ChatMessage]) -> Result<Completion, Failure> {
    let text = post_chat(settings, messages, false)
        .await?
        .text()
        .await
        .map_err(|e| Failure(error_chain(&e)))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| Failure(format!("not a chat completion: {e}")))?;
    let answer = value["choices"][0]["message"]["content"]
        .as_str()
        .ok_or_else(|| Failure("the answer has no choices[0].message.content".into()))?;
    Ok(Completion {
        text: answer.trim().to_owned(),
        tokens: value["usage"]["total_tokens"].as_u64().unwrap_or(0),
    })
}

/// `POST {base}/embeddings` with the embeddings model: one vector per text, in order, within the
/// time-out and the concurrency bound, counted in `/metrics` like chats.
pub async fn embed(
    settings: &AiSettings,
    stats: &Stats,
    texts: &[String],
) -> Result<Vec<Vec<f32>>, Failure> {
    counted(settings, stats, send_embed(settings, texts)).await
}

async fn send_embed(settings: &AiSettings, texts: &[String]) -> Result<Vec<Vec<f32>>, Failure> {
    let body = serde_json::json!({ "model": settings.embed_model, "input": texts });
    let text = post_json(settings, "/embeddings", &body)
        .await?
        .text()
        .await
        .map_err(|e| Failure(error_chain(&e)))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Failure(format!("not an embeddings answer: {e}")))?;
    let mut out = vec![Vec::new(); texts.len()];
    for item in value["data"].as_array().into_iter().flatten() {
        let i = item["index"].as_u64().unwrap_or(u64::MAX) as usize;
        let vector: Vec<f32> = item["embedding"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_f64().map(|x| x as f32))
            .collect();
        if let Some(slot) = out.get_mut(i) {
            *slot = vector;
        }
    }
    if out.iter().any(Vec::is_empty) {
        return Err(Failure("the embeddings answer lacks a vector".into()));
    }
    Ok(out)
}

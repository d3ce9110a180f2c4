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

//! Calls to LINE's Messaging API: a user's profile, and pushing a text message with a retry key.

use serde::Deserialize;
use serde_json::json;

use super::LineSettings;

/// A LINE user's profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Profile {
    /// Display name.
    pub display_name: String,
    /// Picture URL.
    pub picture_url: String,
}

/// An HTTP client for LINE: bounded in time, and never following a redirect (the token would go with it
/// to wherever the redirect points).
fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())
}

fn url(settings: &LineSettings, path: &str) -> String {
    format!("{}{path}", settings.api_base.trim_end_matches('/'))
}

/// `GET /v2/bot/profile/{userId}`.
pub async fn profile(settings: &LineSettings, user_id: &str) -> Result<Profile, String> {
    let response = client()?
        .get(url(settings, &format!("/v2/bot/profile/{user_id}")))
        .bearer_auth(&settings.access_token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("LINE answered {}", response.status()));
    }
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// `POST /v2/bot/message/push`: one text message to a user, with `X-Line-Retry-Key` (the same key on
/// every attempt, so LINE sends it once: a retried key already accepted answers 409). Returns LINE's HTTP
/// status, or why no answer came (a time-out, a refused connection).
pub async fn push(
    settings: &LineSettings,
    user_id: &str,
    text: &str,
    retry_key: &str,
) -> Result<u16, String> {
    let body = json!({ "to": user_id, "messages": [{ "type": "text", "text": text }] });
    let response = client()?
        .post(url(settings, "/v2/bot/message/push"))
        .bearer_auth(&settings.access_token)
        .header("content-type", "application/json")
        .header("x-line-retry-key", retry_key)
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    Ok(response.status().as_u16())
}

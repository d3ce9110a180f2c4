//! The LINE channel: customers who write to the shop's LINE official account chat in the same inbox.
//!
//! LINE posts webhook events signed with the channel secret (`X-Line-Signature`: base64 of HMAC-SHA256 of
//! the raw body); text messages become visitor messages, de-duplicated by `webhookEventId` (LINE redelivers);
//! the sender's LINE profile (display name, picture) goes on the customer card once LINE answers; everything
//! the customer should see (replies, the bot's answers, automatic replies) goes out through the Messaging
//! API's push endpoint from a stored queue ([`outbox`]). The API's base URL is a setting, so tests can point
//! it at a local server that behaves like LINE's.

pub mod api;
pub mod outbox;

pub use api::{Profile, profile};

use base64::Engine;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// LINE's Messaging API.
pub const DEFAULT_API_BASE: &str = "https://api.line.me";

/// The channel's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineSettings {
    /// Channel secret (verifies webhooks).
    pub channel_secret: String,
    /// Channel access token (calls the Messaging API; kept, never shown again).
    pub access_token: String,
    /// The Messaging API's base URL.
    pub api_base: String,
}

impl Default for LineSettings {
    fn default() -> Self {
        LineSettings {
            channel_secret: String::new(),
            access_token: String::new(),
            api_base: DEFAULT_API_BASE.to_owned(),
        }
    }
}

/// Reads the Messaging API's address as a base URL only: `http(s)://host[:port]`, no path, query or user
/// (so the token cannot be sent along to somewhere else on a server).
pub fn parse_api_base(input: &str) -> Result<String, crate::i18n::messages::Message> {
    let input = input.trim().trim_end_matches('/');
    let rest = input
        .strip_prefix("https://")
        .or_else(|| input.strip_prefix("http://"))
        .ok_or_else(|| {
            crate::msg!("API address: an http(s) address such as https://api.line.me")
        })?;
    let ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if ok {
        Ok(input.to_owned())
    } else {
        Err(crate::msg!(
            "API address: the address only (scheme, host, port), without a path"
        ))
    }
}

impl LineSettings {
    /// Whether the channel is set up.
    pub fn configured(&self) -> bool {
        !self.channel_secret.is_empty() && !self.access_token.is_empty()
    }
}

/// Whether `signature` (the `X-Line-Signature` header) signs `body` with `secret`.
pub fn verify_signature(secret: &str, body: &[u8], signature: &str) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let mut mac =
        hmac::Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// The signature LINE would send for `body` (for tests and tools).
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        hmac::Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A text message from a LINE user, as the webhook reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextMessage {
    /// `webhookEventId`: the same for a redelivery.
    pub event_id: String,
    /// The sender's LINE user id.
    pub user_id: String,
    /// The text.
    pub text: String,
    /// Where it was written: one-to-one with the shop, or in a group or room the account is in.
    pub source: Source,
}

/// Where a LINE message was written (the webhook's `source.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A one-to-one chat with the shop's account.
    User,
    /// A group chat: a reply pushed to the user would go privately, so such texts are not taken in.
    Group,
    /// A multi-person chat ("room"), likewise.
    Room,
}

#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    events: Vec<EventIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventIn {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    webhook_event_id: String,
    #[serde(default)]
    source: Option<SourceIn>,
    #[serde(default)]
    message: Option<MessageIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SourceIn {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    user_id: String,
}

#[derive(Deserialize)]
struct MessageIn {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: String,
}

/// The text messages in a webhook body (other events, such as follows or stickers, are left out).
pub fn text_messages(body: &[u8]) -> Result<Vec<TextMessage>, String> {
    let payload: Payload =
        serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    Ok(payload
        .events
        .into_iter()
        .filter(|e| e.kind == "message" && !e.webhook_event_id.is_empty())
        .filter_map(|e| {
            let source_in = e.source?;
            let source = match source_in.kind.as_str() {
                "group" => Source::Group,
                "room" => Source::Room,
                _ => Source::User,
            };
            let user_id = source_in.user_id;
            let message = e.message?;
            (message.kind == "text" && !user_id.is_empty()).then_some(TextMessage {
                event_id: e.webhook_event_id,
                user_id,
                text: message.text,
                source,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_address_is_a_base_url_only() {
        assert_eq!(
            parse_api_base("https://api.line.me/").unwrap(),
            "https://api.line.me"
        );
        assert_eq!(
            parse_api_base("http://127.0.0.1:8081").unwrap(),
            "http://127.0.0.1:8081"
        );
        for bad in [
            "ftp://x",
            "https://evil.test/collect?x=",
            "https://user@evil.test",
            "https://",
        ] {
            assert!(parse_api_base(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn signatures_are_base64_hmac_of_the_raw_body() {
        let body = br#"{"destination":"U0","events":[]}"#;
        let signature = sign("channel-secret", body);
        assert!(verify_signature("channel-secret", body, &signature));
        assert!(!verify_signature("other", body, &signature));
        assert!(!verify_signature("channel-secret", b"{}", &signature));
        assert!(!verify_signature("channel-secret", body, "not base64!"));
    }

    #[test]
    fn text_messages_are_read_from_the_documented_shape() {
        let body = r#"{"destination":"U0","events":[
            {"type":"message","mode":"active","timestamp":1,"webhookEventId":"01E1","deliveryContext":{"isRedelivery":false},
             "source":{"type":"user","userId":"U123"},"replyToken":"r","message":{"id":"1","type":"text","text":"送料は？"}},
            {"type":"message","webhookEventId":"01E2","source":{"type":"user","userId":"U123"},"message":{"id":"2","type":"sticker"}},
            {"type":"follow","webhookEventId":"01E3","source":{"type":"user","userId":"U123"}}]}"#;
        let messages = text_messages(body.as_bytes()).unwrap();
        assert_eq!(
            messages,
            [TextMessage {
                event_id: "01E1".into(),
                user_id: "U123".into(),
                text: "送料は？".into(),
                source: Source::User,
            }]
        );
        assert!(text_messages(b"nope").is_err());
    }
}

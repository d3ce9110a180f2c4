//! Outgoing webhooks: the shop's systems hear about conversations, messages, customers and segments as they
//! happen. Each delivery is JSON, signed with HMAC-SHA256 over `timestamp.body` (header
//! `X-Sodan-Signature: t=TIMESTAMP,v1=HEX`), stored and retried with back-off until the receiver answers
//! 2xx. This module holds the records, the signature, and the JSON shapes that the REST API shares.

use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::conversations::{Conversation, Message};
use crate::hub::protocol::MessageOut;
use crate::store::kv::typed::{Json, Typed, TypedRead};
use crate::store::tables::{DELIVERIES, DELIVERY_DUE, WEBHOOKS};
use crate::store::tx::Tx;
use crate::visitors::Visitor;

/// The counter that numbers deliveries.
const NEXT_DELIVERY_KEY: &str = "next_delivery_id";

/// Queues `event` with `data` for every webhook that subscribed to it, inside the write that makes the
/// change it reports: a committed change always has its deliveries, a failed one none. Nothing when no
/// webhook listens (and `data` is not even built).
pub fn emit(
    txn: &Tx<'_>,
    event: Event,
    data: impl FnOnce() -> Value,
) -> Result<(), crate::store::Error> {
    let hooks: Vec<Webhook> = txn
        .all_in(&WEBHOOKS)?
        .into_iter()
        .map(|(_, Json(w))| w)
        .filter(|w| w.events.contains(&event))
        .collect();
    if hooks.is_empty() {
        return Ok(());
    }
    let (now, data) = (crate::clock::now_millis(), data());
    for hook in hooks {
        let id = crate::store::next_id(txn, NEXT_DELIVERY_KEY)?;
        let delivery = Delivery {
            id,
            webhook: hook.id,
            event,
            body: body(id, event, data.clone(), now),
            status: DeliveryStatus::Queued,
            attempts: 0,
            next_at: now,
            last_status: None,
            last_error: String::new(),
            created_at: now,
        };
        txn.put_record_in(&DELIVERIES, &id, &delivery)?;
        txn.put_in(&DELIVERY_DUE, &(now, id), &())?;
    }
    Ok(())
}

/// A webhook's id.
pub type WebhookId = u64;

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: u32 = 10;
/// The most webhooks.
pub const MAX_WEBHOOKS: usize = 20;
/// How long a delivery being sent is held before it counts as lost and is sent again (a crash mid-send).
pub const LEASE_MS: u64 = 60_000;

/// What a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A conversation started.
    #[serde(rename = "conversation.created")]
    ConversationCreated,
    /// A conversation was resolved.
    #[serde(rename = "conversation.resolved")]
    ConversationResolved,
    /// A message was stored (visitor, operator, bot or automatic; notes included, marked).
    #[serde(rename = "message.created")]
    MessageCreated,
    /// A customer appeared: created through the API or an import, or a visitor who identified, gave a
    /// name or address, or started a chat (anonymous page visits are not customers yet).
    #[serde(rename = "customer.created")]
    CustomerCreated,
    /// A customer's profile changed.
    #[serde(rename = "customer.updated")]
    CustomerUpdated,
    /// A customer entered a segment.
    #[serde(rename = "segment.entered")]
    SegmentEntered,
}

impl Event {
    /// Every event, in the order the console lists them.
    pub const ALL: [Event; 6] = [
        Event::ConversationCreated,
        Event::ConversationResolved,
        Event::MessageCreated,
        Event::CustomerCreated,
        Event::CustomerUpdated,
        Event::SegmentEntered,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::ConversationCreated => "conversation.created",
            Event::ConversationResolved => "conversation.resolved",
            Event::MessageCreated => "message.created",
            Event::CustomerCreated => "customer.created",
            Event::CustomerUpdated => "customer.updated",
            Event::SegmentEntered => "segment.entered",
        }
    }

    /// Parses [`Event::as_str`].
    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// A registered receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// Id.
    pub id: WebhookId,
    /// Where deliveries go (http or https).
    pub url: String,
    /// What it receives.
    pub events: Vec<Event>,
    /// The signing secret (shown to admins, so the receiver can verify).
    pub secret: String,
    /// When it was created (Unix ms).
    pub created_at: u64,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Queued,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after [`MAX_ATTEMPTS`].
    Failed,
}

/// One event for one webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Id (also in the body and the `X-Sodan-Delivery` header, for de-duplication by the receiver).
    pub id: u64,
    /// The webhook.
    pub webhook: WebhookId,
    /// The event.
    pub event: Event,
    /// The JSON body, as sent.
    pub body: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (Unix ms).
    pub next_at: u64,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<u16>,
    /// What went wrong last.
    pub last_error: String,
    /// When it was queued (Unix ms).
    pub created_at: u64,
}

/// The body of a delivery.
pub fn body(delivery: u64, event: Event, data: Value, now_ms: u64) -> String {
    json!({ "id": delivery, "event": event.as_str(), "created_at": now_ms, "data": data })
        .to_string()
}

fn hmac_hex(secret: &str, timestamp: u64, body: &str) -> String {
    let mut mac =
        hmac::Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    crate::tokens::hex(&mac.finalize().into_bytes())
}

/// The `X-Sodan-Signature` header value for `body` sent at `timestamp` (Unix seconds).
pub fn signature(secret: &str, timestamp: u64, body: &str) -> String {
    format!("t={timestamp},v1={}", hmac_hex(secret, timestamp, body))
}

/// What a receiver does: checks a signature header, refusing timestamps further than `tolerance_secs`
/// from `now_secs` (replays).
pub fn verify(secret: &str, header: &str, body: &str, now_secs: u64, tolerance_secs: u64) -> bool {
    let mut timestamp = None;
    let mut given = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<u64>().ok(),
            Some(("v1", v)) => given = Some(v),
            _ => {}
        }
    }
    let (Some(t), Some(given)) = (timestamp, given) else {
        return false;
    };
    t.abs_diff(now_secs) <= tolerance_secs
        && crate::tokens::constant_time_eq(hmac_hex(secret, t, body).as_bytes(), given.as_bytes())
}

/// Checks a receiver URL: http(s), no spaces, at most 2,000 characters.
pub fn check_url(url: &str) -> Result<String, crate::i18n::messages::Message> {
    let url = url.trim();
    let web = url.starts_with("https://") || url.starts_with("http://");
    if !web || url.len() > 2_000 || url.contains(char::is_whitespace) {
        return Err(crate::msg!("url: an http:// or https:// address"));
    }
    Ok(url.to_owned())
}

/// A conversation as the API and webhooks show it.
pub fn conversation_json(c: &Conversation) -> Value {
    json!({
        "id": c.id,
        "customer_id": c.visitor_id,
        "status": c.effective_status(crate::clock::now()).as_str(),
        "assignee": c.assignee,
        "labels": c.labels,
        "created_at": c.created_at,
        "last_activity_at": c.last_activity_at,
        "last_seq": c.last_seq,
        "unread": c.unread_for_operators,
        "preview": c.preview,
        "started_on": c.started_on,
    })
}

/// A message as the API and webhooks show it.
pub fn message_json(m: &Message) -> Value {
    serde_json::to_value(MessageOut::from(m)).unwrap_or(Value::Null)
}

/// A customer as the API and webhooks show it.
pub fn customer_json(c: &Visitor) -> Value {
    let p = &c.profile;
    json!({
        "id": c.id,
        "external_id": p.external_id,
        "name": p.name,
        "email": p.email,
        "phone": p.phone,
        "attributes": p.attributes,
        "cart": p.cart,
        "language": p.language,
        "time_zone": p.time_zone,
        "first_seen_at": c.created_at,
        "last_seen_at": c.last_seen_at,
        "counts": {
            "visits": c.counts.visits,
            "page_views": c.counts.page_views,
            "events": c.counts.events,
            "conversations": c.counts.conversations,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_refuse_tampering_and_replays() {
        let body = r#"{"id":1,"event":"message.created"}"#;
        let header = signature("whsec", 1_000, body);
        assert!(header.starts_with("t=1000,v1="));
        assert!(verify("whsec", &header, body, 1_100, 300));
        assert!(!verify("other", &header, body, 1_100, 300));
        assert!(!verify(
            "whsec",
            &header,
            &body.replace('1', "2"),
            1_100,
            300
        ));
        assert!(!verify("whsec", &header, body, 2_000, 300), "too old");
        assert!(!verify("whsec", "v1=abc", body, 1_000, 300));
    }

    #[test]
    fn events_and_urls_parse() {
        for e in Event::ALL {
            assert_eq!(Event::parse(e.as_str()), Some(e));
        }
        assert!(check_url("https://crm.example/hooks").is_ok());
        assert!(check_url("ftp://x").is_err() && check_url("https://a b").is_err());
    }
}

//! Web Push to operators' phones and browsers (RFC 8030), so the console reaches someone whose console is
//! closed: each operator subscribes a device from My account; when a visitor writes in a conversation that
//! is theirs or nobody's, and they have no console open, are not away and (unless they chose otherwise) the
//! shop is open, each of their devices gets a push with the customer's name and the first words. Messages
//! are encrypted for the device (RFC 8291, aes128gcm) and signed with the server's VAPID key (RFC 8292);
//! they go through a stored queue with retries, and a subscription the push service says is gone (404/410)
//! is removed.

pub mod outbox;
pub mod send;
pub mod vapid;

use serde::{Deserialize, Serialize};

use crate::conversations::Conversation;
use crate::operators::{Operator, OperatorId};

/// Devices one operator may subscribe.
pub const MAX_DEVICES: usize = 10;
/// Attempts before a push that keeps failing for a passing reason is dropped.
pub const MAX_ATTEMPTS: u32 = 6;
/// The first words of the message a push shows.
pub const PREVIEW_CHARS: usize = 120;

/// A device that receives pushes (what `PushManager.subscribe` gave its browser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// Its id.
    pub id: u64,
    /// Whose device it is.
    pub operator: OperatorId,
    /// The push service's URL for this device.
    pub endpoint: String,
    /// The device's public key (P-256, uncompressed, base64url).
    pub p256dh: String,
    /// The device's authentication secret (16 bytes, base64url).
    pub auth: String,
    /// A name to tell devices apart (the browser and system).
    pub device: String,
    /// When it was added (Unix ms).
    pub created_at: u64,
    /// When a push last reached it (Unix ms; 0: never).
    #[serde(default)]
    pub last_used_at: u64,
}

/// A push waiting to go out to one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Its id.
    pub id: u64,
    /// The device.
    pub subscription: u64,
    /// The notification's title (the customer).
    pub title: String,
    /// Its text (the first words).
    pub body: String,
    /// What a tap opens.
    pub url: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (Unix ms).
    pub next_at: u64,
    /// When it was queued (Unix ms).
    pub created_at: u64,
}

impl Job {
    /// What the service worker receives: JSON it turns into a notification.
    pub fn payload(&self) -> String {
        serde_json::json!({"title": self.title, "body": self.body, "url": self.url}).to_string()
    }
}

/// Checks a subscription a browser sent: an https endpoint (plain http only on this machine, for a push
/// service under test), a P-256 public key and a 16-byte secret.
pub fn check_subscription(endpoint: &str, p256dh: &str, auth: &str) -> Result<(), &'static str> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let loopback = [
        "http://127.0.0.1:",
        "http://127.0.0.1/",
        "http://[::1]:",
        "http://localhost:",
    ];
    let https = endpoint.starts_with("https://") && endpoint.len() > "https://".len();
    if !(https || loopback.iter().any(|p| endpoint.starts_with(p))) || endpoint.len() > 2_000 {
        return Err("endpoint: an https address of a push service");
    }
    let key = URL_SAFE_NO_PAD
        .decode(p256dh.trim_end_matches('='))
        .map_err(|_| "p256dh: base64url")?;
    if web_push_native::p256::PublicKey::from_sec1_bytes(&key).is_err() {
        return Err("p256dh: a P-256 public key");
    }
    let secret = URL_SAFE_NO_PAD
        .decode(auth.trim_end_matches('='))
        .map_err(|_| "auth: base64url")?;
    if secret.len() != 16 {
        return Err("auth: 16 bytes");
    }
    Ok(())
}

/// Who gets a push for a visitor's message in `conversation`: those the console would ring for (it is
/// theirs or nobody's), who are not watching a console (`online`), not away, and, outside business hours,
/// only those who asked for pushes then too.
pub fn recipients(
    conversation: &Conversation,
    operators: &[Operator],
    online: &[OperatorId],
    shop_open: bool,
) -> Vec<OperatorId> {
    operators
        .iter()
        .filter(|op| !op.disabled && !op.away && !online.contains(&op.id))
        .filter(|op| conversation.assignee.is_none_or(|a| a == op.id))
        .filter(|op| shop_open || op.push_outside_hours)
        .map(|op| op.id)
        .collect()
}

/// The first words of a message, for a notification.
pub fn preview(body: &str) -> String {
    let one_line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= PREVIEW_CHARS {
        one_line
    } else {
        one_line
            .chars()
            .take(PREVIEW_CHARS - 1)
            .chain(['…'])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: u64, away: bool, outside: bool) -> Operator {
        let mut o: Operator = serde_json::from_value(serde_json::json!({
            "id": id, "email": format!("o{id}@shop.example"), "name": "O", "role": "operator",
            "password_hash": "x", "disabled": false, "created_at": 0
        }))
        .unwrap();
        o.away = away;
        o.push_outside_hours = outside;
        o
    }

    #[test]
    fn pushes_go_to_whom_the_console_would_ring_who_is_not_watching() {
        let ops = [
            op(1, false, false),
            op(2, true, false),
            op(3, false, true),
            op(4, false, false),
        ];
        let mut c = Conversation::blank(9, 1);
        assert_eq!(
            recipients(&c, &ops, &[4], true),
            [1, 3],
            "not away, not online"
        );
        assert_eq!(
            recipients(&c, &ops, &[], false),
            [3],
            "outside hours: who chose it"
        );
        c.assignee = Some(1);
        assert_eq!(
            recipients(&c, &ops, &[], true),
            [1],
            "assigned: that operator only"
        );
    }

    #[test]
    fn subscriptions_are_checked() {
        let key = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
        let auth = "BTBZMqHH6r4Tts7J_aSIgg";
        assert!(check_subscription("https://fcm.googleapis.com/fcm/send/x", key, auth).is_ok());
        assert!(check_subscription("http://127.0.0.1:9000/p", key, auth).is_ok());
        assert!(check_subscription("http://push.example/p", key, auth).is_err());
        assert!(check_subscription("https://x/p", "AAAA", auth).is_err());
        assert!(check_subscription("https://x/p", key, "AAAA").is_err());
        assert_eq!(preview("a\n\nb  c"), "a b c");
    }
}

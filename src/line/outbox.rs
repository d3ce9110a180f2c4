//! The LINE outbox: every message a LINE customer should see is queued in the transaction that stores it,
//! then pushed with a retry key of its own (`X-Line-Retry-Key`, a UUID reused on every attempt), retried
//! with back-off on 429, 5xx and time-outs (also across restarts), and given up only when LINE refuses it
//! for good, which leaves a short private notice in the conversation.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::conversations::{ConversationId, Seq, live};
use crate::hub::Hub;
use crate::store::WeakStore;
use crate::visitors::VisitorId;

/// Attempts before a push that keeps failing for a passing reason is given up.
pub const MAX_ATTEMPTS: u32 = 10;
/// How long a push taken for sending stays taken: a crash mid-send pushes it again (with the same retry
/// key, so LINE still delivers it once).
pub const LEASE_MS: u64 = 60_000;
/// How often the queue is looked at.
const EVERY: Duration = Duration::from_millis(500);

/// A message on its way to LINE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Push {
    /// Id.
    pub id: u64,
    /// The conversation it belongs to.
    pub conversation: ConversationId,
    /// The message's sequence number there.
    pub seq: Seq,
    /// The customer (their LINE user id is read when sending).
    pub visitor: VisitorId,
    /// The text pushed.
    pub text: String,
    /// `X-Line-Retry-Key`: the same on every attempt.
    pub retry_key: String,
    /// Where it stands.
    pub status: PushStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (Unix ms).
    pub next_at: u64,
    /// LINE's last HTTP status, if it answered.
    pub last_status: Option<u16>,
    /// Why the last attempt failed.
    pub last_error: String,
    /// When it was queued (Unix ms).
    pub created_at: u64,
}

/// Where a push stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    /// Waiting for its (next) attempt.
    Queued,
    /// LINE accepted it.
    Delivered,
    /// Refused for good, or failed too often.
    Failed,
}

/// What an attempt's answer means for the push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted: 2xx, or 409 (this retry key was accepted before: LINE has it).
    Delivered,
    /// A passing failure: 429, 5xx, or no answer (time-out, connection refused). Try again later.
    Retry,
    /// Refused for good (another 4xx): trying again will not help.
    Refused,
}

/// Reads an attempt's answer: LINE's status, or why none came (Messaging API, "Retrying a failed API
/// request": 409 with a used retry key means the first request was accepted).
pub fn outcome(answer: &Result<u16, String>) -> Outcome {
    match answer {
        Ok(status) if (200..300).contains(status) || *status == 409 => Outcome::Delivered,
        Ok(429) | Ok(500..=599) | Err(_) => Outcome::Retry,
        Ok(_) => Outcome::Refused,
    }
}

/// A new retry key: a random UUID (version 4), as LINE requires.
pub fn retry_key() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the operating system's random source failed");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = crate::tokens::hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The private notice left when a push is given up: a short status line, never LINE's whole answer.
pub fn notice(push: &Push) -> String {
    let why = match push.last_status {
        Some(status) => format!("LINE answered {status}"),
        None => "LINE could not be reached".to_owned(),
    };
    format!("Not delivered to LINE ({why}). / LINEに届きませんでした（{why}）。")
}

/// Sends what is due every [`EVERY`], until the server stops.
pub async fn run(store: WeakStore, hub: Hub, first_retry_ms: u64) {
    loop {
        tokio::time::sleep(EVERY).await;
        let Some(strong) = store.upgrade() else {
            return;
        };
        let (settings, due) = match strong
            .take_due_line_pushes(crate::clock::now_millis(), 20)
            .await
        {
            Ok(taken) => taken,
            Err(e) => {
                tracing::warn!(error = %e, "reading the LINE outbox failed");
                continue;
            }
        };
        for (push, user) in due {
            let answer = match &user {
                Some(user) => super::api::push(&settings, user, &push.text, &push.retry_key).await,
                None => Ok(404),
            };
            let result = outcome(&answer);
            if result != Outcome::Delivered {
                tracing::warn!(push = push.id, conversation = push.conversation, answer = ?answer, "a message did not reach LINE");
            }
            let (status, error) = match answer {
                Ok(status) => (Some(status), String::new()),
                Err(e) => (None, e),
            };
            match strong
                .line_push_done(push.id, result, status, error, first_retry_ms)
                .await
            {
                Ok(Some((c, m))) => live::publish_notice(&strong, &hub, &c, &m).await,
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(push = push.id, error = %e, "recording a LINE push failed")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_as_the_messaging_api_documents_them() {
        assert_eq!(outcome(&Ok(200)), Outcome::Delivered);
        assert_eq!(
            outcome(&Ok(409)),
            Outcome::Delivered,
            "retry key used: accepted before"
        );
        assert_eq!(outcome(&Ok(429)), Outcome::Retry);
        assert_eq!(outcome(&Ok(500)), Outcome::Retry);
        assert_eq!(outcome(&Ok(503)), Outcome::Retry);
        assert_eq!(outcome(&Err("timed out".into())), Outcome::Retry);
        assert_eq!(outcome(&Ok(400)), Outcome::Refused);
        assert_eq!(
            outcome(&Ok(302)),
            Outcome::Refused,
            "redirects are not followed"
        );
    }

    #[test]
    fn retry_keys_are_version_4_uuids() {
        let key = retry_key();
        let parts: Vec<&str> = key.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'), "{key}");
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{key}");
        assert_ne!(retry_key(), key);
    }
}

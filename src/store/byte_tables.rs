//! The tables kept with byte keys and values (see [`super::kv`]), and how each one's keys and values read
//! as JSON: the layout a backup writes them in and reads them back from, the same JSON as when they were
//! typed redb tables, so backups stay one format whatever the engine.

use serde_json::{Value, json};

use super::kv::typed::Stored;
use super::ordered_keys::OrderedKey;
use super::tables;
use KeyLayout as K;
use ValueLayout as V;

/// How a table's keys are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyLayout {
    /// A number: `7`.
    Id,
    /// Two numbers: `[7, 3]`.
    Pair,
    /// Three numbers: `[7, 3, 1]`.
    Triple,
    /// A text: `"site"`.
    Text,
    /// Two texts: `["v7", "a1"]`.
    TextPair,
    /// A 32-byte digest, as hex: `"9f86…"`.
    Digest,
    /// A number and a digest: `[7, "9f86…"]`.
    IdDigest,
}

/// How a table's values are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ValueLayout {
    /// A JSON record, written as itself.
    Record,
    /// Nothing (the key is the entry): `null`.
    Unit,
    /// A number: `7`.
    Number,
    /// Two numbers: `[7, 3]`.
    Pair,
    /// Bytes, as hex.
    Bytes,
}

/// A table kept with byte keys.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    /// Its name (in the file and in backups).
    pub name: &'static str,
    /// Its keys.
    pub key: KeyLayout,
    /// Its values.
    pub value: ValueLayout,
}

const fn at(name: &'static str, key: KeyLayout, value: ValueLayout) -> Layout {
    Layout { name, key, value }
}

/// Every table kept with byte keys.
pub(super) const ALL: [Layout; 61] = [
    at(tables::NOTES.name(), K::Id, V::Record),
    at(tables::CUSTOMER_NOTES.name(), K::Pair, V::Unit),
    at(tables::UPLOADS.name(), K::Id, V::Record),
    at(tables::CANNED.name(), K::Id, V::Record),
    at(tables::ARTICLES.name(), K::Id, V::Record),
    at(tables::AUDIT.name(), K::Id, V::Record),
    at(tables::AI_EVENTS.name(), K::Id, V::Record),
    at(tables::ANSWERED.name(), K::Id, V::Record),
    at(tables::TRIGGER_COUNTS.name(), K::Id, V::Record),
    at(tables::API_TOKENS.name(), K::Id, V::Record),
    at(tables::RECEIVED.name(), K::Id, V::Record),
    at(tables::SETTINGS.name(), K::Text, V::Record),
    at(tables::VISITORS.name(), K::Id, V::Record),
    at(tables::CLIENT_IDS.name(), K::TextPair, V::Pair),
    at(tables::AUTOREPLIES.name(), K::Pair, V::Unit),
    at(tables::MAIL_DUE.name(), K::Pair, V::Unit),
    at(tables::DIGESTS.name(), K::Pair, V::Unit),
    at(tables::DELIVERY_DUE.name(), K::Pair, V::Unit),
    at(tables::LINE_PUSH_DUE.name(), K::Pair, V::Unit),
    at(tables::PUSH_DUE.name(), K::Pair, V::Unit),
    at(tables::RECHECKS.name(), K::Pair, V::Unit),
    at(tables::MAILS.name(), K::Id, V::Record),
    at(tables::DELIVERIES.name(), K::Id, V::Record),
    at(tables::LINE_PUSHES.name(), K::Id, V::Record),
    at(tables::PUSH_JOBS.name(), K::Id, V::Record),
    at(tables::WEBHOOKS.name(), K::Id, V::Record),
    at(tables::MEMBERSHIPS.name(), K::Id, V::Record),
    at(tables::CONVERSATIONS.name(), K::Id, V::Record),
    at(tables::VISITOR_CONVERSATIONS.name(), K::Pair, V::Unit),
    at(tables::MESSAGES.name(), K::Pair, V::Record),
    at(tables::ACTIVITY.name(), K::Pair, V::Unit),
    at(tables::REPORT_FACTS.name(), K::Id, V::Record),
    at(tables::REPORT_STARTS.name(), K::Pair, V::Unit),
    at(tables::PAGE_VISITORS.name(), K::Triple, V::Number),
    at(tables::OUTCOME_EVENTS.name(), K::Triple, V::Number),
    at(tables::VECTORS.name(), K::Digest, V::Bytes),
    at(tables::HELPFUL_VOTES.name(), K::Id, V::Number),
    at(tables::UNHELPFUL_VOTES.name(), K::Id, V::Number),
    at(tables::RECEIVED_KEYS.name(), K::Text, V::Number),
    at(tables::PUSH_SUBSCRIPTIONS.name(), K::Id, V::Record),
    at(tables::OPERATORS.name(), K::Id, V::Record),
    at(tables::OPERATOR_EMAILS.name(), K::Text, V::Number),
    at(tables::SESSIONS.name(), K::Digest, V::Record),
    at(tables::OPERATOR_SESSIONS.name(), K::IdDigest, V::Unit),
    at(tables::INVITES.name(), K::Digest, V::Record),
    at(tables::API_TOKEN_DIGESTS.name(), K::Digest, V::Number),
    at(tables::SEGMENTS.name(), K::Id, V::Record),
    at(tables::SEGMENT_MEMBERS.name(), K::Pair, V::Unit),
    at(tables::SEGMENT_SIZES.name(), K::Id, V::Number),
    at(tables::TRIGGERS.name(), K::Id, V::Record),
    at(tables::TRIGGER_SEEN.name(), K::Pair, V::Record),
    at(tables::VISITOR_TOKENS.name(), K::Digest, V::Number),
    at(tables::EXTERNAL_IDS.name(), K::Text, V::Number),
    at(tables::PAGE_VIEWS.name(), K::Pair, V::Record),
    at(tables::PAGE_VIEW_LOG.name(), K::Pair, V::Record),
    at(tables::EVENTS.name(), K::Pair, V::Record),
    at(tables::SEEN.name(), K::Pair, V::Unit),
    at(tables::ATTRIBUTE_KEYS.name(), K::Text, V::Number),
    at(tables::MAIL_CUSTOMERS.name(), K::Text, V::Number),
    at(tables::LINE_USERS.name(), K::Text, V::Number),
    at(tables::META.name(), K::Text, V::Number),
];

/// The byte table of this name, if it is one.
pub(super) fn named(name: &str) -> Option<Layout> {
    ALL.into_iter().find(|l| l.name == name)
}

fn number(v: &Value) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| format!("expected a number, found {v}"))
}

fn text(v: &Value) -> Result<String, String> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("expected a text, found {v}"))
}

fn unhex(v: &Value) -> Result<Vec<u8>, String> {
    let text = text(v)?;
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return Err(format!("expected hex, found {v}"));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

fn digest(v: &Value) -> Result<[u8; 32], String> {
    unhex(v)?
        .try_into()
        .map_err(|_| format!("expected a digest of 32 bytes, found {v}"))
}

/// The parts of a JSON array of `N` parts.
fn parts<const N: usize>(v: &Value) -> Result<&[Value; N], String> {
    v.as_array()
        .and_then(|a| <&[Value; N]>::try_from(a.as_slice()).ok())
        .ok_or_else(|| format!("expected {N} parts, found {v}"))
}

impl Layout {
    /// A stored key as JSON.
    pub fn key_json(&self, bytes: &[u8]) -> Result<Value, String> {
        let unreadable = || format!("a key of {} that does not read back", self.name);
        Ok(match self.key {
            K::Id => json!(u64::from_ordered(bytes).ok_or_else(unreadable)?),
            K::Pair => json!(<(u64, u64)>::from_ordered(bytes).ok_or_else(unreadable)?),
            K::Triple => json!(<(u64, u64, u64)>::from_ordered(bytes).ok_or_else(unreadable)?),
            K::Text => json!(String::from_ordered(bytes).ok_or_else(unreadable)?),
            K::TextPair => json!(<(String, String)>::from_ordered(bytes).ok_or_else(unreadable)?),
            K::Digest => json!(crate::tokens::hex(
                &<[u8; 32]>::from_ordered(bytes).ok_or_else(unreadable)?
            )),
            K::IdDigest => {
                let (id, digest) = <(u64, [u8; 32])>::from_ordered(bytes).ok_or_else(unreadable)?;
                json!([id, crate::tokens::hex(&digest)])
            }
        })
    }

    /// A key read from JSON, as stored.
    pub fn key_bytes(&self, key: &Value) -> Result<Vec<u8>, String> {
        Ok(match self.key {
            K::Id => number(key)?.to_ordered(),
            K::Pair => {
                let [a, b] = parts(key)?;
                (number(a)?, number(b)?).to_ordered()
            }
            K::Triple => {
                let [a, b, c] = parts(key)?;
                (number(a)?, number(b)?, number(c)?).to_ordered()
            }
            K::Text => text(key)?.to_ordered(),
            K::TextPair => {
                let [a, b] = parts(key)?;
                (text(a)?, text(b)?).to_ordered()
            }
            K::Digest => digest(key)?.to_ordered(),
            K::IdDigest => {
                let [a, b] = parts(key)?;
                (number(a)?, digest(b)?).to_ordered()
            }
        })
    }

    /// A stored value as JSON.
    pub fn value_json(&self, bytes: &[u8]) -> Result<Value, String> {
        let unreadable = || format!("a value of {} that does not read back", self.name);
        Ok(match self.value {
            V::Record => serde_json::from_slice(bytes).map_err(|e| e.to_string())?,
            V::Unit => Value::Null,
            V::Number => json!(u64::from_stored(bytes).map_err(|_| unreadable())?),
            V::Pair => json!(<(u64, u64)>::from_stored(bytes).map_err(|_| unreadable())?),
            V::Bytes => json!(crate::tokens::hex(bytes)),
        })
    }

    /// A value read from JSON, as stored.
    pub fn value_bytes(&self, value: &Value) -> Result<Vec<u8>, String> {
        let stored = match self.value {
            V::Record => return serde_json::to_vec(value).map_err(|e| e.to_string()),
            V::Unit => ().to_stored(),
            V::Number => number(value)?.to_stored(),
            V::Pair => {
                let [a, b] = parts(value)?;
                (number(a)?, number(b)?).to_stored()
            }
            V::Bytes => return unhex(value),
        };
        stored.map_err(|e| e.to_string())
    }
}

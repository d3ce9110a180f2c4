//! The tables kept with byte keys and values (see [`super::kv`]), and how each one's keys and values read
//! as JSON: the layout a backup writes them in and reads them back from, the same JSON as when they were
//! typed redb tables, so backups stay one format whatever the engine.

use serde_json::{Value, json};

use super::kv::typed::Stored;
use super::ordered_keys::OrderedKey;
use super::tables;

/// How a table's keys are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyLayout {
    /// A number: `7`.
    Id,
    /// Two numbers: `[7, 3]`.
    Pair,
    /// A text: `"site"`.
    Text,
    /// Two texts: `["v7", "a1"]`.
    TextPair,
}

/// How a table's values are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ValueLayout {
    /// A JSON record, written as itself.
    Record,
    /// Nothing (the key is the entry): `null`.
    Unit,
    /// Two numbers: `[7, 3]`.
    Pair,
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

/// Every table kept with byte keys.
pub(super) const ALL: [Layout; 33] = [
    Layout {
        name: tables::NOTES.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::CUSTOMER_NOTES.name(),
        key: KeyLayout::Pair,
        value: ValueLayout::Unit,
    },
    Layout {
        name: tables::UPLOADS.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::CANNED.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::ARTICLES.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::AUDIT.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::AI_EVENTS.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::ANSWERED.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::TRIGGER_COUNTS.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::API_TOKENS.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::RECEIVED.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::SETTINGS.name(),
        key: KeyLayout::Text,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::VISITORS.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::CLIENT_IDS.name(),
        key: KeyLayout::TextPair,
        value: ValueLayout::Pair,
    },
    Layout {
        name: tables::AUTOREPLIES.name(),
        key: KeyLayout::Pair,
        value: ValueLayout::Unit,
    },
    Layout {
        name: tables::MAIL_DUE.name(),
        key: KeyLayout::Pair,
        value: ValueLayout::Unit,
    },
    Layout {
        name: tables::DIGESTS.name(),
        key: KeyLayout::Pair,
        value: ValueLayout::Unit,
    },
    Layout {
        name: tables::DELIVERY_DUE.name(),
        key: KeyLayout::Pair,
        value: ValueLayout::Unit,
    },
    Layout {
        name: tables::LINE_PUSH_DUE.name(),
        key: KeyLayout::Pair,
        value: ValueLayout::Unit,
    },
    Layout {
        name: tables::PUSH_DUE.name(),
        key: KeyLayout::Pair,
        value: ValueLayout::Unit,
    },
    Layout {
        name: tables::RECHECKS.name(),
        key: KeyLayout::Pair,
        value: ValueLayout::Unit,
    },
    Layout {
        name: tables::MAILS.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::DELIVERIES.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::LINE_PUSHES.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::PUSH_JOBS.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::WEBHOOKS.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::MEMBERSHIPS.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::CONVERSATIONS.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::VISITOR_CONVERSATIONS.name(),
        key: KeyLayout::Pair,
        value: ValueLayout::Unit,
    },
    Layout {
        name: tables::MESSAGES.name(),
        key: KeyLayout::Pair,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::ACTIVITY.name(),
        key: KeyLayout::Pair,
        value: ValueLayout::Unit,
    },
    Layout {
        name: tables::REPORT_FACTS.name(),
        key: KeyLayout::Id,
        value: ValueLayout::Record,
    },
    Layout {
        name: tables::REPORT_STARTS.name(),
        key: KeyLayout::Pair,
        value: ValueLayout::Unit,
    },
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

/// The two parts of a JSON pair.
fn parts(v: &Value) -> Result<(&Value, &Value), String> {
    match v.as_array().map(Vec::as_slice) {
        Some([a, b]) => Ok((a, b)),
        _ => Err(format!("expected a pair, found {v}")),
    }
}

/// A pair of numbers as JSON, from its stored bytes.
fn number_pair(bytes: &[u8], unreadable: impl Fn() -> String) -> Result<Value, String> {
    let (a, b) = <(u64, u64)>::from_ordered(bytes).ok_or_else(unreadable)?;
    Ok(json!([a, b]))
}

impl Layout {
    /// A stored key as JSON.
    pub fn key_json(&self, bytes: &[u8]) -> Result<Value, String> {
        let unreadable = || format!("a key of {} that does not read back", self.name);
        Ok(match self.key {
            KeyLayout::Id => json!(u64::from_ordered(bytes).ok_or_else(unreadable)?),
            KeyLayout::Pair => number_pair(bytes, unreadable)?,
            KeyLayout::Text => json!(String::from_ordered(bytes).ok_or_else(unreadable)?),
            KeyLayout::TextPair => {
                let (a, b) = <(String, String)>::from_ordered(bytes).ok_or_else(unreadable)?;
                json!([a, b])
            }
        })
    }

    /// A key read from JSON, as stored.
    pub fn key_bytes(&self, key: &Value) -> Result<Vec<u8>, String> {
        Ok(match self.key {
            KeyLayout::Id => number(key)?.to_ordered(),
            KeyLayout::Pair => {
                let (a, b) = parts(key)?;
                (number(a)?, number(b)?).to_ordered()
            }
            KeyLayout::Text => text(key)?.to_ordered(),
            KeyLayout::TextPair => {
                let (a, b) = parts(key)?;
                (text(a)?, text(b)?).to_ordered()
            }
        })
    }

    /// A stored value as JSON.
    pub fn value_json(&self, bytes: &[u8]) -> Result<Value, String> {
        match self.value {
            ValueLayout::Record => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
            ValueLayout::Unit => Ok(Value::Null),
            ValueLayout::Pair => number_pair(bytes, || {
                format!("a value of {} that does not read back", self.name)
            }),
        }
    }

    /// A value read from JSON, as stored.
    pub fn value_bytes(&self, value: &Value) -> Result<Vec<u8>, String> {
        match self.value {
            ValueLayout::Record => serde_json::to_vec(value).map_err(|e| e.to_string()),
            ValueLayout::Unit => ().to_stored().map_err(|e| e.to_string()),
            ValueLayout::Pair => {
                let (a, b) = parts(value)?;
                Ok((number(a)?, number(b)?).to_ordered())
            }
        }
    }
}

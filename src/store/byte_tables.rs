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
}

/// How a table's values are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ValueLayout {
    /// A JSON record, written as itself.
    Record,
    /// Nothing (the key is the entry): `null`.
    Unit,
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
pub(super) const ALL: [Layout; 8] = [
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

impl Layout {
    /// A stored key as JSON.
    pub fn key_json(&self, bytes: &[u8]) -> Result<Value, String> {
        let unreadable = || format!("a key of {} that does not read back", self.name);
        Ok(match self.key {
            KeyLayout::Id => json!(u64::from_ordered(bytes).ok_or_else(unreadable)?),
            KeyLayout::Pair => {
                let (a, b) = <(u64, u64)>::from_ordered(bytes).ok_or_else(unreadable)?;
                json!([a, b])
            }
        })
    }

    /// A key read from JSON, as stored.
    pub fn key_bytes(&self, key: &Value) -> Result<Vec<u8>, String> {
        Ok(match self.key {
            KeyLayout::Id => number(key)?.to_ordered(),
            KeyLayout::Pair => match key.as_array().map(Vec::as_slice) {
                Some([a, b]) => (number(a)?, number(b)?).to_ordered(),
                _ => return Err(format!("expected a pair, found {key}")),
            },
        })
    }

    /// A stored value as JSON.
    pub fn value_json(&self, bytes: &[u8]) -> Result<Value, String> {
        match self.value {
            ValueLayout::Record => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
            ValueLayout::Unit => Ok(Value::Null),
        }
    }

    /// A value read from JSON, as stored.
    pub fn value_bytes(&self, value: &Value) -> Result<Vec<u8>, String> {
        match self.value {
            ValueLayout::Record => serde_json::to_vec(value).map_err(|e| e.to_string()),
            ValueLayout::Unit => ().to_stored().map_err(|e| e.to_string()),
        }
    }
}

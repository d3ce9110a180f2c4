//! Custom attributes (`plan`, `member_rank`, `contract_ends`): the shop sends any, the admin declares the ones
//! that matter with a label and a type so they display and filter well. Undeclared ones are kept as sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Invalid;
use crate::i18n::messages::Message;
use crate::msg;

/// A customer's attributes by key.
pub type Attributes = BTreeMap<String, Value>;

/// The most attributes one customer keeps.
pub const MAX_ATTRIBUTES: usize = 100;
/// The longest attribute key.
pub const MAX_KEY_CHARS: usize = 64;
/// The longest text value.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// An attribute's declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttrKind {
    /// Free text.
    Text,
    /// A number.
    Number,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// Yes or no.
    Boolean,
    /// An http(s) link.
    Url,
}

impl AttrKind {
    /// Every kind, in the order the settings page lists them.
    pub const ALL: [AttrKind; 5] = [
        AttrKind::Text,
        AttrKind::Number,
        AttrKind::Date,
        AttrKind::Boolean,
        AttrKind::Url,
    ];

    /// The stable name used in forms and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            AttrKind::Text => "text",
            AttrKind::Number => "number",
            AttrKind::Date => "date",
            AttrKind::Boolean => "boolean",
            AttrKind::Url => "url",
        }
    }

    /// Parses [`AttrKind::as_str`].
    pub fn parse(input: &str) -> Option<AttrKind> {
        AttrKind::ALL.into_iter().find(|k| k.as_str() == input)
    }
}

/// An attribute the admin declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeDef {
    /// The key the shop sends.
    pub key: String,
    /// What operators read.
    pub label: String,
    /// Its type.
    pub kind: AttrKind,
}

impl AttributeDef {
    /// Checks a declaration as an admin types it: a valid key, a label of 1 to 100 characters, a known type.
    pub fn parse(key: &str, label: &str, kind: &str) -> Result<AttributeDef, Invalid> {
        let key = parse_key(key)?;
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 100 {
            return Err(Invalid(msg!("the label must be 1 to 100 characters")));
        }
        let kind = AttrKind::parse(kind).ok_or_else(|| Invalid(msg!("unknown type")))?;
        Ok(AttributeDef {
            key,
            label: label.to_owned(),
            kind,
        })
    }
}

/// Checks an attribute key: 1 to [`MAX_KEY_CHARS`] ASCII letters, digits, `_` or `-`.
pub fn parse_key(input: &str) -> Result<String, Invalid> {
    let key = input.trim();
    let ok = !key.is_empty()
        && key.len() <= MAX_KEY_CHARS
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(key.to_owned())
    } else {
        Err(Invalid(msg!(
            "attribute key {0} must be 1 to {1} letters, digits, _ or -",
            format!("{:?}", key.chars().take(80).collect::<String>()),
            MAX_KEY_CHARS
        )))
    }
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
        && (1..=12).contains(&text[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&text[8..10].parse::<u8>().unwrap_or(0))
}

/// Checks (and, from text as CSV gives it, converts) one value for a declared `kind`.
pub fn coerce(key: &str, value: &Value, kind: AttrKind) -> Result<Value, Invalid> {
    let wrong = || Invalid(msg!("attribute {0} must be {1}", key, describe(kind)));
    let text = value.as_str().map(str::trim);
    match kind {
        AttrKind::Text => plain(key, value),
        AttrKind::Number => match (value, text) {
            (Value::Number(_), _) => Ok(value.clone()),
            (_, Some(t)) => t
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(|n| {
                    // Whole numbers stay integers (`3`, not `3.0`).
                    t.parse::<i64>()
                        .map(Value::from)
                        .unwrap_or(Value::Number(n))
                })
                .ok_or_else(wrong),
            _ => Err(wrong()),
        },
        AttrKind::Date => match text {
            // A full timestamp keeps its date.
            Some(t)
                if t.get(..10).is_some_and(is_date)
                    && (t.len() == 10 || matches!(t.as_bytes()[10], b'T' | b' ')) =>
            {
                Ok(Value::from(&t[..10]))
            }
            _ => Err(wrong()),
        },
        AttrKind::Boolean => match (value, text.map(str::to_ascii_lowercase).as_deref()) {
            (Value::Bool(_), _) => Ok(value.clone()),
            (_, Some("true" | "yes" | "1")) => Ok(Value::Bool(true)),
            (_, Some("false" | "no" | "0")) => Ok(Value::Bool(false)),
            _ => Err(wrong()),
        },
        AttrKind::Url => match text {
            Some(t)
                if (t.starts_with("https://") || t.starts_with("http://"))
                    && t.chars().count() <= MAX_TEXT_CHARS
                    && !t.chars().any(char::is_whitespace) =>
            {
                Ok(Value::from(t))
            }
            _ => Err(wrong()),
        },
    }
}

fn describe(kind: AttrKind) -> Message {
    match kind {
        AttrKind::Text => msg!("text"),
        AttrKind::Number => msg!("a number"),
        AttrKind::Date => msg!("a date (YYYY-MM-DD)"),
        AttrKind::Boolean => msg!("true or false"),
        AttrKind::Url => msg!("an http(s) URL"),
    }
}

/// An undeclared value: text (bounded), a number or a boolean.
fn plain(key: &str, value: &Value) -> Result<Value, Invalid> {
    match value {
        Value::Bool(_) | Value::Number(_) => Ok(value.clone()),
        Value::String(s) if s.chars().count() <= MAX_TEXT_CHARS => Ok(Value::from(s.trim())),
        Value::String(_) => Err(Invalid(msg!(
            "attribute {0} is longer than {1} characters",
            key,
            MAX_TEXT_CHARS
        ))),
        _ => Err(Invalid(msg!(
            "attribute {0} must be text, a number or true/false",
            key
        ))),
    }
}

/// Checks every attribute of `raw` against `defs`; a `null` value is kept to mean "remove".
pub fn check_all(
    raw: &BTreeMap<String, Value>,
    defs: &[AttributeDef],
) -> Result<Attributes, Invalid> {
    if raw.len() > MAX_ATTRIBUTES {
        return Err(Invalid(msg!(
            "at most {0} attributes may be sent at once",
            MAX_ATTRIBUTES
        )));
    }
    let mut out = Attributes::new();
    for (key, value) in raw {
        let key = parse_key(key)?;
        let value = match (value, defs.iter().find(|d| d.key == key)) {
            (Value::Null, _) => Value::Null,
            (_, Some(def)) => coerce(&key, value, def.kind)?,
            (_, None) => plain(&key, value)?,
        };
        out.insert(key, value);
    }
    Ok(out)
}

/// Applies checked `changes` to `target` (`null` removes); refuses when the customer would keep more than
/// [`MAX_ATTRIBUTES`], leaving `target` as it was.
pub fn merge_checked(target: &mut Attributes, changes: &Attributes) -> Result<(), Invalid> {
    let mut next = target.clone();
    merge(&mut next, changes);
    if next.len() > MAX_ATTRIBUTES {
        return Err(Invalid(msg!(
            "a customer keeps at most {0} attributes",
            MAX_ATTRIBUTES
        )));
    }
    *target = next;
    Ok(())
}

/// Applies `changes` to `target` (`null` removes).
pub fn merge(target: &mut Attributes, changes: &Attributes) {
    for (key, value) in changes {
        if value.is_null() {
            target.remove(key);
        } else {
            target.insert(key.clone(), value.clone());
        }
    }
}

/// A value as operators read it.
pub fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "✓".into(),
        Value::Bool(false) => "✗".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(key: &str, kind: AttrKind) -> AttributeDef {
        AttributeDef {
            key: key.into(),
            label: key.into(),
            kind,
        }
    }

    #[test]
    fn declared_types_are_checked_and_csv_text_is_converted() {
        let defs = [
            def("age", AttrKind::Number),
            def("since", AttrKind::Date),
            def("vip", AttrKind::Boolean),
            def("site", AttrKind::Url),
        ];
        let raw: BTreeMap<String, Value> = [
            ("age".to_owned(), json!("42")),
            ("since".to_owned(), json!("2024-05-01T10:00:00Z")),
            ("vip".to_owned(), json!("yes")),
            ("site".to_owned(), json!("https://a.example")),
            ("other".to_owned(), json!(" free text ")),
        ]
        .into();
        let out = check_all(&raw, &defs).unwrap();
        assert_eq!(out["age"], json!(42));
        assert_eq!(out["since"], json!("2024-05-01"));
        assert_eq!(out["vip"], json!(true));
        assert_eq!(out["other"], json!("free text"));
        for (key, bad) in [
            ("age", json!("many")),
            ("since", json!("2024-13-01")),
            ("vip", json!("maybe")),
            ("site", json!("javascript:alert(1)")),
            ("other", json!({"nested": 1})),
            ("other", json!("x".repeat(MAX_TEXT_CHARS + 1))),
            ("bad key!", json!(1)),
        ] {
            let raw: BTreeMap<String, Value> = [(key.to_owned(), bad.clone())].into();
            assert!(check_all(&raw, &defs).is_err(), "{key} = {bad}");
        }
    }

    #[test]
    fn null_removes_and_the_count_is_bounded() {
        let mut attrs: Attributes = (0..MAX_ATTRIBUTES)
            .map(|i| (format!("k{i}"), json!(i)))
            .collect();
        let more: Attributes = [("extra".to_owned(), json!(1))].into();
        assert!(merge_checked(&mut attrs, &more).is_err());
        assert_eq!(attrs.len(), MAX_ATTRIBUTES, "nothing changed");
        let swap: Attributes = [
            ("k0".to_owned(), Value::Null),
            ("extra".to_owned(), json!(1)),
        ]
        .into();
        merge_checked(&mut attrs, &swap).unwrap();
        assert!(!attrs.contains_key("k0") && attrs.contains_key("extra"));
    }
}

//! Canned replies: the team's shared answers (and operators' personal ones), with variables filled in
//! from the customer, the operator and the conversation.
//!
//! A body may use `{{customer.name}}`, `{{customer.email}}`, `{{customer.phone}}`, `{{customer.KEY}}` (an
//! attribute), `{{operator.name}}` and `{{conversation.id}}`, each with an optional fallback:
//! `{{customer.name | "お客様"}}`. Unknown variables are refused when a reply is saved. Rendering gives plain
//! text: it is inserted into the reply box and sent as a message, which every client shows as text.

use serde::{Deserialize, Serialize};

use crate::customers::Invalid;
use crate::segments::SegmentId;

/// A canned reply's id.
pub type CannedId = u64;

/// The longest title.
pub const MAX_TITLE_CHARS: usize = 100;
/// The longest shortcut.
pub const MAX_SHORTCUT_CHARS: usize = 30;
/// The longest body.
pub const MAX_BODY_CHARS: usize = 5_000;
/// The most tags on one reply.
pub const MAX_TAGS: usize = 10;
/// The most replies kept.
pub const MAX_REPLIES: usize = 1_000;

/// A saved reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CannedReply {
    /// Id.
    pub id: CannedId,
    /// Title, shown in the picker.
    pub title: String,
    /// What to type after `/` to find it (`shipping`); may be empty.
    #[serde(default)]
    pub shortcut: String,
    /// The text, with variables.
    pub body: String,
    /// Tags (the "folders" of the library).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Listed first for customers in these segments.
    #[serde(default)]
    pub segments: Vec<SegmentId>,
    /// The operator it belongs to, for a personal reply; `None`: shared with the team.
    #[serde(default)]
    pub owner: Option<u64>,
    /// Times it was inserted into a reply.
    #[serde(default)]
    pub uses: u64,
    /// When it was created (Unix ms).
    pub created_at: u64,
}

/// A variable in a reply's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Variable {
    /// `customer.name`.
    CustomerName,
    /// `customer.email`.
    CustomerEmail,
    /// `customer.phone`.
    CustomerPhone,
    /// `customer.KEY`: an attribute.
    CustomerAttribute(String),
    /// `operator.name`.
    OperatorName,
    /// `conversation.id`.
    ConversationId,
}

impl Variable {
    fn parse(path: &str) -> Option<Variable> {
        let path = path.trim();
        Some(match path {
            "customer.name" => Variable::CustomerName,
            "customer.email" => Variable::CustomerEmail,
            "customer.phone" => Variable::CustomerPhone,
            "operator.name" => Variable::OperatorName,
            "conversation.id" => Variable::ConversationId,
            _ => {
                let key = path.strip_prefix("customer.")?;
                let ok = !key.is_empty()
                    && key.len() <= crate::customers::attributes::MAX_KEY_CHARS
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !ok {
                    return None;
                }
                Variable::CustomerAttribute(key.to_owned())
            }
        })
    }
}

/// A piece of a parsed body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(Variable, Option<String>),
}

/// Parses a body into text and variables; the error names the first problem.
fn parse(body: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_owned()));
        }
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or_else(|| "a variable is not closed with }}".to_owned())?;
        let inner = &after[..close];
        let (path, fallback) = match inner.split_once('|') {
            Some((path, fallback)) => {
                let f = fallback.trim();
                let quoted = f.len() >= 2 && f.starts_with('"') && f.ends_with('"');
                if !quoted {
                    return Err(format!(
                        "{{{{{inner}}}}}: write the fallback in double quotes, such as | \"お客様\""
                    ));
                }
                (path, Some(f[1..f.len() - 1].to_owned()))
            }
            None => (inner, None),
        };
        let variable = Variable::parse(path).ok_or_else(|| {
            format!(
                "unknown variable {{{{{}}}}}: use customer.name, customer.email, customer.phone, \
                 customer.ATTRIBUTE, operator.name or conversation.id",
                path.trim()
            )
        })?;
        pieces.push(Piece::Var(variable, fallback));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_owned()));
    }
    Ok(pieces)
}

/// Checks a body's variables (used when a reply is saved).
pub fn check_body(body: &str) -> Result<(), String> {
    parse(body).map(|_| ())
}

/// Fills a body's variables with `value` (`None` or empty: the fallback, else nothing). A body that does
/// not parse (saved before a rule changed) is returned as it is.
pub fn render(body: &str, value: &dyn Fn(&Variable) -> Option<String>) -> String {
    let Ok(pieces) = parse(body) else {
        return body.to_owned();
    };
    let mut out = String::with_capacity(body.len());
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(&text),
            Piece::Var(variable, fallback) => {
                match value(&variable).filter(|v| !v.trim().is_empty()) {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(fallback.as_deref().unwrap_or("")),
                }
            }
        }
    }
    out
}

/// A canned reply as its form submits it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Draft {
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Shortcut.
    #[serde(default)]
    pub shortcut: String,
    /// Body.
    #[serde(default)]
    pub body: String,
    /// Tags, comma-separated.
    #[serde(default)]
    pub tags: String,
    /// Present for a personal reply.
    #[serde(default)]
    pub personal: Option<String>,
}

impl Draft {
    /// The form showing `r`.
    pub fn of(r: &CannedReply) -> Draft {
        Draft {
            title: r.title.clone(),
            shortcut: r.shortcut.clone(),
            body: r.body.clone(),
            tags: r.tags.join(", "),
            personal: r.owner.map(|_| "on".into()),
        }
    }

    /// Checks the fields (segments are the caller's); id, owner and times are the store's.
    pub fn check(&self, segments: Vec<SegmentId>) -> Result<CannedReply, Invalid> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            return Err(Invalid(format!("title: 1 to {MAX_TITLE_CHARS} characters")));
        }
        let shortcut = self.shortcut.trim().trim_start_matches('/').to_lowercase();
        let shortcut_ok = shortcut.chars().count() <= MAX_SHORTCUT_CHARS
            && shortcut
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if !shortcut_ok {
            return Err(Invalid(format!(
                "shortcut: letters, digits, - and _ only, at most {MAX_SHORTCUT_CHARS}"
            )));
        }
        let body = self.body.trim();
        if body.is_empty() || body.chars().count() > MAX_BODY_CHARS {
            return Err(Invalid(format!("text: 1 to {MAX_BODY_CHARS} characters")));
        }
        check_body(body).map_err(|e| Invalid(format!("text: {e}")))?;
        let mut tags: Vec<String> = self
            .tags
            .split([',', '、'])
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        let mut seen = std::collections::HashSet::new();
        tags.retain(|t| seen.insert(t.to_lowercase()));
        if tags.len() > MAX_TAGS || tags.iter().any(|t| t.chars().count() > 40) {
            return Err(Invalid(format!(
                "tags: at most {MAX_TAGS}, each up to 40 characters"
            )));
        }
        Ok(CannedReply {
            id: 0,
            title: title.to_owned(),
            shortcut,
            body: body.to_owned(),
            tags,
            segments,
            owner: None,
            uses: 0,
            created_at: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: &Variable) -> Option<String> {
        match v {
            Variable::CustomerName => Some("<script>alert(1)</script>".into()),
            Variable::CustomerEmail => Some(String::new()),
            Variable::CustomerAttribute(k) if k == "plan" => Some("gold".into()),
            Variable::OperatorName => Some("Hana".into()),
            Variable::ConversationId => Some("42".into()),
            _ => None,
        }
    }

    #[test]
    fn variables_are_filled_and_missing_ones_fall_back() {
        let body = "{{ customer.name }}様、{{operator.name}}です。#{{conversation.id}} ({{customer.plan}})";
        assert_eq!(
            render(body, &values),
            "<script>alert(1)</script>様、Hanaです。#42 (gold)"
        );
        let fallback = "{{customer.phone | \"お客様\"}}へ / {{customer.email|\"no e-mail\"}} / {{customer.rank}}!";
        assert_eq!(render(fallback, &values), "お客様へ / no e-mail / !");
        assert_eq!(render("no variables", &values), "no variables");
        assert_eq!(render("{{customer.name | \"\"}}", &|_| None), "");
    }

    #[test]
    fn a_name_with_markup_stays_text() {
        // Rendering never interprets what a customer typed: the output is the same characters, and every
        // client shows messages as text (the widget with textContent, the console auto-escaped).
        let out = render("Hi {{customer.name}}", &values);
        assert_eq!(out, "Hi <script>alert(1)</script>");
        assert!(!out.contains("&lt;"), "not escaped twice either: {out}");
    }

    #[test]
    fn unknown_or_broken_variables_are_flagged_when_saved() {
        for (body, expected) in [
            ("Hi {{custmer.name}}", "unknown variable {{custmer.name}}"),
            ("Hi {{name}}", "unknown variable {{name}}"),
            ("Hi {{customer.na me}}", "unknown variable"),
            ("Hi {{customer.name", "not closed"),
            ("Hi {{customer.name | お客様}}", "double quotes"),
        ] {
            let e = check_body(body).unwrap_err();
            assert!(e.contains(expected), "{body}: {e}");
        }
        assert!(check_body("{{ customer.member_rank | \"一般\" }} {{conversation.id}}").is_ok());
        // A body saved before a rule changed is shown as it is rather than lost.
        assert_eq!(render("Hi {{nope}}", &values), "Hi {{nope}}");
    }

    #[test]
    fn drafts_are_checked() {
        let d = Draft {
            title: "Shipping".into(),
            shortcut: "/Ship".into(),
            body: "We ship in {{customer.days | \"2\"}} days.".into(),
            tags: "delivery, 配送, delivery".into(),
            personal: None,
        };
        let r = d.check(vec![3]).unwrap();
        assert_eq!(
            (r.shortcut.as_str(), r.segments.as_slice()),
            ("ship", &[3][..])
        );
        assert_eq!(r.tags, ["delivery", "配送"]);
        assert_eq!(Draft::of(&r).check(vec![3]).unwrap(), r);
        let bad = Draft {
            body: "Hi {{x}}".into(),
            ..d.clone()
        };
        assert!(
            bad.check(vec![])
                .unwrap_err()
                .0
                .starts_with("text: unknown variable")
        );
        let bad = Draft {
            shortcut: "two words".into(),
            ..d
        };
        assert!(bad.check(vec![]).unwrap_err().0.starts_with("shortcut"));
    }
}
